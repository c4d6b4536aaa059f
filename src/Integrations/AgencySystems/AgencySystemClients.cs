using AntiDrugFlow.Integrations.Outbox;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Messages;
using Refit;

namespace AntiDrugFlow.Integrations.AgencySystems;

/// <summary>What one outgoing call to an agency system says: a notice kind, its cases, and the engine's task when there is one.</summary>
public sealed record AgencyNotice(string Kind, IReadOnlyList<NoticeItem> Items, string? TaskId);

/// <summary>
/// One agency system's API. Each call goes to the agency's address in force, is signed with its key,
/// carries the idempotency key, and fails on anything but 2xx.
/// </summary>
public interface IAgencySystemClient
{
    AgencySystem System { get; }

    Task SendAsync(string agencyId, AgencyNotice notice, string idempotencyKey, CancellationToken cancellationToken);
}

/// <summary>What all the clients share: the cases as sent, and a refusal turned into a delivery failure.</summary>
internal static class AgencyCalls
{
    public static IReadOnlyList<AgencyCase> Cases(AgencyNotice notice) =>
        [.. notice.Items.Select(i => new AgencyCase(
            i.CaseNumber, i.Task, NoticeTasks.Phrase(i.Task), i.Deadline.ToString("O", System.Globalization.CultureInfo.InvariantCulture), RocDate.FormatDateTime(i.Deadline), i.Link))];

    public static async Task SendAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (ApiException ex)
        {
            throw new DeliveryException($"HTTP {(int)ex.StatusCode} {ex.ReasonPhrase} from {ex.Uri?.GetLeftPart(UriPartial.Authority)}", ex);
        }
    }
}

/// <summary>教育部校安通報系統: files the school's campus incident report.</summary>
public sealed class CampusIncidentReportClient(ICampusIncidentReportApi api) : IAgencySystemClient
{
    public AgencySystem System => AgencySystem.CampusIncidentReport;

    public Task SendAsync(string agencyId, AgencyNotice notice, string idempotencyKey, CancellationToken cancellationToken) =>
        AgencyCalls.SendAsync(() => api.FileAsync(
            new CampusIncidentReport("校安通報", "疑似藥物濫用", agencyId, notice.Kind, AgencyCalls.Cases(notice)), idempotencyKey, agencyId, System.ToString(), cancellationToken));
}

/// <summary>A police case system: receives routed tasks and calls back when they are acknowledged or done.</summary>
public sealed class PoliceCaseClient(IPoliceCaseApi api) : IAgencySystemClient
{
    public AgencySystem System => AgencySystem.PoliceCase;

    public Task SendAsync(string agencyId, AgencyNotice notice, string idempotencyKey, CancellationToken cancellationToken) =>
        AgencyCalls.SendAsync(() => api.NotifyAsync(
            new PoliceCaseNotice(agencyId, notice.Kind, notice.TaskId, AgencyCalls.Cases(notice)), idempotencyKey, agencyId, System.ToString(), cancellationToken));
}

/// <summary>A city's or county's 兒少保護通報: files the child-protection report a statute requires.</summary>
public sealed class ChildProtectionReportClient(IChildProtectionReportApi api) : IAgencySystemClient
{
    public AgencySystem System => AgencySystem.ChildProtectionReport;

    public Task SendAsync(string agencyId, AgencyNotice notice, string idempotencyKey, CancellationToken cancellationToken) =>
        AgencyCalls.SendAsync(() => api.FileAsync(
            new ChildProtectionReport("兒少保護通報", "兒童及少年福利與權益保障法第53條", agencyId, notice.Kind, AgencyCalls.Cases(notice)), idempotencyKey, agencyId, System.ToString(), cancellationToken));
}

/// <summary>A plain webhook: the notice as JSON, for any agency that registers an address.</summary>
public sealed class WebhookClient(IWebhookApi api) : IAgencySystemClient
{
    public AgencySystem System => AgencySystem.Webhook;

    public Task SendAsync(string agencyId, AgencyNotice notice, string idempotencyKey, CancellationToken cancellationToken) =>
        AgencyCalls.SendAsync(() => api.NotifyAsync(
            new WebhookNotice(notice.Kind, agencyId, notice.TaskId, AgencyCalls.Cases(notice)), idempotencyKey, agencyId, System.ToString(), cancellationToken));
}
