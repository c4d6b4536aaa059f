using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AntiDrugFlow.Integrations.AgencySystems;
using AntiDrugFlow.Integrations.Email;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.DependencyInjection;

namespace AntiDrugFlow.Integrations.Outbox;

/// <summary>Elsa.SendEmail and the notification templates: one SMTP server (or the pickup folder) for all.</summary>
public sealed class EmailChannel(IEmailSender email) : IOutboxChannel
{
    public string Kind => OutboxKinds.Email;

    public string Destination(OutboxItem item) => "smtp";

    public Task DeliverAsync(OutboxItem item, CancellationToken cancellationToken) => email.SendAsync(ToEmail(item), cancellationToken);

    public static EmailMessage ToEmail(OutboxItem item)
    {
        var p = item.Payload;
        static List<string> List(JsonNode? node) => node is JsonArray a ? [.. a.Select(JsonValues.AsString).OfType<string>()] : [];
        return new EmailMessage(JsonValues.AsString(p["from"]), List(p["to"]), List(p["cc"]), List(p["bcc"]), JsonValues.AsString(p["subject"]) ?? string.Empty, JsonValues.AsString(p["body"]) ?? string.Empty, item.IdempotencyKey);
    }
}

/// <summary>
/// Elsa.SendHttpRequest and the chains' AntiDrugFlow.SendAgencyReport: any 2xx is delivered, anything else is
/// retried. A request that names an agency with a configured key is signed like the agency system clients' calls.
/// </summary>
public sealed class HttpRequestChannel(IHttpClientFactory http, IAgencyEndpoints agencies, TimeProvider time) : IOutboxChannel
{
    public string Kind => OutboxKinds.Http;

    public string Destination(OutboxItem item) =>
        Uri.TryCreate(JsonValues.AsString(item.Payload["url"]), UriKind.Absolute, out var uri) ? uri.Authority : "unknown";

    public async Task DeliverAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        var payload = item.Payload;
        using var request = new HttpRequestMessage(new HttpMethod(JsonValues.AsString(payload["method"]) ?? "GET"), JsonValues.AsString(payload["url"]));
        request.Headers.TryAddWithoutValidation("Idempotency-Key", item.IdempotencyKey);
        if (payload["headers"] is JsonObject headers)
        {
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, JsonValues.AsString(value));
            }
        }

        var body = JsonValues.AsString(payload["content"]) is { } content ? Encoding.UTF8.GetBytes(content) : [];
        if (payload["content"] is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(JsonValues.AsString(payload["contentType"]) ?? "application/json");
        }

        if (JsonValues.AsString(payload["agencyId"]) is { } agencyId && agencies.SigningKey(agencyId) is { } key)
        {
            var timestamp = AgencySignature.Timestamp(time.GetUtcNow());
            request.Headers.TryAddWithoutValidation(AgencySignature.TimestampHeader, timestamp);
            request.Headers.TryAddWithoutValidation(AgencySignature.SignatureHeader, AgencySignature.Sign(key, timestamp, body));
        }

        using var response = await http.CreateClient(OutboxDispatcher.HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new DeliveryException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase} from {request.RequestUri?.GetLeftPart(UriPartial.Authority)}");
        }
    }
}

/// <summary>Elsa.PublishEvent: resumes the instances waiting for the event.</summary>
public sealed class EventChannel(WorkflowRuntime runtime) : IOutboxChannel
{
    public string Kind => OutboxKinds.Event;

    public string Destination(OutboxItem item) => "engine";

    public async Task DeliverAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        await runtime.TriggerEventAsync(JsonValues.AsString(item.Payload["eventName"]) ?? string.Empty, JsonValues.AsString(item.Payload["correlationId"]), item.Payload["payload"], cancellationToken);
    }
}

/// <summary>
/// Starts a workflow (AntiDrugFlow.StartWorkflow, a sub-workflow): the message's key becomes the new instance's id, so a
/// repeat starts nothing. A sub-workflow whose definition has no published version resumes a waiting parent with that
/// error, or faults a parent that dispatched it without waiting; either way the parent's fault names the definition,
/// and the message is not retried.
/// </summary>
public sealed class StartWorkflowChannel(WorkflowRuntime runtime, WorkflowDefinitionService definitions) : IOutboxChannel
{
    public string Kind => OutboxKinds.StartWorkflow;

    public string Destination(OutboxItem item) => "engine";

    public async Task DeliverAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        var definitionId = JsonValues.AsString(item.Payload["definitionId"]) ?? string.Empty;
        var instanceId = WorkflowExecutor.InstanceIdFromKey(item.IdempotencyKey);
        var parent = ChildWorkflows.Link(item.Payload);
        if (parent is not null && await definitions.PublishedAsync(definitionId, cancellationToken) is null)
        {
            if (parent.Waits != ParentWaits.None)
            {
                await runtime.ResumeParentAsync(parent.InstanceId, instanceId, new JsonObject { ["error"] = "not-published" }, cancellationToken);
            }
            else
            {
                // Nobody waits to hear of it: the parent faults, naming the definition, instead of the message dead-lettering.
                await runtime.ChildNotPublishedAsync(parent.InstanceId, parent.ActivityId, definitionId, cancellationToken);
            }

            return;
        }

        await runtime.StartAsync(
            definitionId, item.Payload["input"]?.DeepClone() as JsonObject, JsonValues.AsString(item.Payload["correlationId"]),
            new StartOptions(InstanceId: instanceId, Parent: parent), cancellationToken);
    }
}

/// <summary>A child instance's message to its waiting parent: resumes the parent's bookmark for that child, once.</summary>
public sealed class ResumeParentChannel(WorkflowRuntime runtime) : IOutboxChannel
{
    public string Kind => OutboxKinds.ResumeParent;

    public string Destination(OutboxItem item) => "engine";

    public async Task DeliverAsync(OutboxItem item, CancellationToken cancellationToken) =>
        await runtime.ResumeParentAsync(
            JsonValues.AsString(item.Payload["parentInstanceId"]) ?? string.Empty, JsonValues.AsString(item.Payload["childInstanceId"]) ?? string.Empty,
            item.Payload["result"]?.DeepClone() as JsonObject ?? [], cancellationToken);
}
