using System.Text.Json;
using System.Text.Json.Serialization;
using Refit;

namespace AntiDrugFlow.Integrations.AgencySystems;

/// <summary>
/// Request options the agency handlers read: which agency a call is for, so one typed client can serve
/// every agency with the address and key in force for it.
/// </summary>
public static class AgencyRequestOptions
{
    public const string AgencyId = "AntiDrugFlow.AgencyId";
    public const string System = "AntiDrugFlow.AgencySystem";
}

/// <summary>One case in a notice, as every agency system receives it.</summary>
public sealed record AgencyCase(string CaseNumber, string Task, string TaskText, string Deadline, string DeadlineRoc, string Link);

public sealed record CampusIncidentReport(string ReportType, string Category, string ReportingUnit, string Notice, IReadOnlyList<AgencyCase> Cases);

public sealed record PoliceCaseNotice(string AssignedTo, string Notice, string? TaskId, IReadOnlyList<AgencyCase> Cases);

public sealed record ChildProtectionReport(string ReportType, string LegalBasis, string ReceivingUnit, string Notice, IReadOnlyList<AgencyCase> Cases);

public sealed record WebhookNotice(string Event, string AgencyId, string? TaskId, IReadOnlyList<AgencyCase> Cases);

/// <summary>
/// The agency systems' request bodies, serialized without reflection. camelCase names as before; the
/// options given at construction keep Chinese readable in the agencies' logs instead of \u escapes.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CampusIncidentReport))]
[JsonSerializable(typeof(PoliceCaseNotice))]
[JsonSerializable(typeof(ChildProtectionReport))]
[JsonSerializable(typeof(WebhookNotice))]
public sealed partial class AgencySystemJsonContext : JsonSerializerContext
{
    public static AgencySystemJsonContext Readable { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
    });
}

// The address is the agency's own (AgencyAddressHandler rewrites it); "/" only satisfies Refit.

/// <summary>教育部校安通報系統.</summary>
public interface ICampusIncidentReportApi
{
    [Post("/")]
    Task FileAsync([Body] CampusIncidentReport report, [Header(AgencySignature.IdempotencyKeyHeader)] string idempotencyKey, [Property(AgencyRequestOptions.AgencyId)] string agencyId, [Property(AgencyRequestOptions.System)] string system, CancellationToken cancellationToken);
}

/// <summary>A police case system.</summary>
public interface IPoliceCaseApi
{
    [Post("/")]
    Task NotifyAsync([Body] PoliceCaseNotice notice, [Header(AgencySignature.IdempotencyKeyHeader)] string idempotencyKey, [Property(AgencyRequestOptions.AgencyId)] string agencyId, [Property(AgencyRequestOptions.System)] string system, CancellationToken cancellationToken);
}

/// <summary>A city's or county's 兒少保護通報.</summary>
public interface IChildProtectionReportApi
{
    [Post("/")]
    Task FileAsync([Body] ChildProtectionReport report, [Header(AgencySignature.IdempotencyKeyHeader)] string idempotencyKey, [Property(AgencyRequestOptions.AgencyId)] string agencyId, [Property(AgencyRequestOptions.System)] string system, CancellationToken cancellationToken);
}

/// <summary>A plain webhook.</summary>
public interface IWebhookApi
{
    [Post("/")]
    Task NotifyAsync([Body] WebhookNotice notice, [Header(AgencySignature.IdempotencyKeyHeader)] string idempotencyKey, [Property(AgencyRequestOptions.AgencyId)] string agencyId, [Property(AgencyRequestOptions.System)] string system, CancellationToken cancellationToken);
}
