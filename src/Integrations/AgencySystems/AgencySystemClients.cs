using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Integrations.Outbox;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Messages;

namespace AntiDrugFlow.Integrations.AgencySystems;

/// <summary>What one outgoing call to an agency system says: a notice kind, its cases, and the engine's task when there is one.</summary>
public sealed record AgencyNotice(string Kind, IReadOnlyList<NoticeItem> Items, string? TaskId);

/// <summary>One agency system's API. Each call is signed, carries the idempotency key, and fails on anything but 2xx.</summary>
public interface IAgencySystemClient
{
    AgencySystem System { get; }

    Task SendAsync(AgencyEndpoint endpoint, byte[] signingKey, AgencyNotice notice, string idempotencyKey, CancellationToken cancellationToken);
}

/// <summary>The signed JSON POST all the clients share.</summary>
internal static class SignedJson
{
    // Chinese stays readable in the agency's logs instead of becoming \u escapes; the bytes are UTF-8 either way.
    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All) };

    public static async Task PostAsync(HttpClient http, TimeProvider time, Uri address, byte[] key, string idempotencyKey, JsonObject body, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, Readable);
        var timestamp = AgencySignature.Timestamp(time.GetUtcNow());
        using var request = new HttpRequestMessage(HttpMethod.Post, address) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(AgencySignature.IdempotencyKeyHeader, idempotencyKey);
        request.Headers.Add(AgencySignature.TimestampHeader, timestamp);
        request.Headers.Add(AgencySignature.SignatureHeader, AgencySignature.Sign(key, timestamp, bytes));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new DeliveryException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase} from {address.GetLeftPart(UriPartial.Authority)}");
        }
    }

    public static JsonArray Cases(AgencyNotice notice) =>
        [.. notice.Items.Select(i => (JsonNode)new JsonObject
        {
            ["caseNumber"] = i.CaseNumber,
            ["task"] = i.Task,
            ["taskText"] = NoticeTasks.Phrase(i.Task),
            ["deadline"] = i.Deadline.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["deadlineRoc"] = RocDate.FormatDateTime(i.Deadline),
            ["link"] = i.Link,
        })];
}

/// <summary>教育部校安通報系統: files the school's campus incident report.</summary>
public sealed class CampusIncidentReportClient(HttpClient http, TimeProvider time) : IAgencySystemClient
{
    public AgencySystem System => AgencySystem.CampusIncidentReport;

    public Task SendAsync(AgencyEndpoint endpoint, byte[] signingKey, AgencyNotice notice, string idempotencyKey, CancellationToken cancellationToken) =>
        SignedJson.PostAsync(http, time, endpoint.Address, signingKey, idempotencyKey, new JsonObject
        {
            ["reportType"] = "校安通報",
            ["category"] = "疑似藥物濫用",
            ["reportingUnit"] = endpoint.AgencyId,
            ["notice"] = notice.Kind,
            ["cases"] = SignedJson.Cases(notice),
        }, cancellationToken);
}

/// <summary>A police case system: receives routed tasks and calls back when they are acknowledged or done.</summary>
public sealed class PoliceCaseClient(HttpClient http, TimeProvider time) : IAgencySystemClient
{
    public AgencySystem System => AgencySystem.PoliceCase;

    public Task SendAsync(AgencyEndpoint endpoint, byte[] signingKey, AgencyNotice notice, string idempotencyKey, CancellationToken cancellationToken) =>
        SignedJson.PostAsync(http, time, endpoint.Address, signingKey, idempotencyKey, new JsonObject
        {
            ["assignedTo"] = endpoint.AgencyId,
            ["notice"] = notice.Kind,
            ["taskId"] = notice.TaskId,
            ["cases"] = SignedJson.Cases(notice),
        }, cancellationToken);
}

/// <summary>A city's or county's 兒少保護通報: files the child-protection report a statute requires.</summary>
public sealed class ChildProtectionReportClient(HttpClient http, TimeProvider time) : IAgencySystemClient
{
    public AgencySystem System => AgencySystem.ChildProtectionReport;

    public Task SendAsync(AgencyEndpoint endpoint, byte[] signingKey, AgencyNotice notice, string idempotencyKey, CancellationToken cancellationToken) =>
        SignedJson.PostAsync(http, time, endpoint.Address, signingKey, idempotencyKey, new JsonObject
        {
            ["reportType"] = "兒少保護通報",
            ["legalBasis"] = "兒童及少年福利與權益保障法第53條",
            ["receivingUnit"] = endpoint.AgencyId,
            ["notice"] = notice.Kind,
            ["cases"] = SignedJson.Cases(notice),
        }, cancellationToken);
}

/// <summary>A plain webhook: the notice as JSON, for any agency that registers an address.</summary>
public sealed class WebhookClient(HttpClient http, TimeProvider time) : IAgencySystemClient
{
    public AgencySystem System => AgencySystem.Webhook;

    public Task SendAsync(AgencyEndpoint endpoint, byte[] signingKey, AgencyNotice notice, string idempotencyKey, CancellationToken cancellationToken) =>
        SignedJson.PostAsync(http, time, endpoint.Address, signingKey, idempotencyKey, new JsonObject
        {
            ["event"] = notice.Kind,
            ["agencyId"] = endpoint.AgencyId,
            ["taskId"] = notice.TaskId,
            ["cases"] = SignedJson.Cases(notice),
        }, cancellationToken);
}
