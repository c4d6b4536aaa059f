using System.Globalization;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Agencies;

namespace AntiDrugFlow.Workflows.Messages;

/// <summary>One system of an agency as its directory entry names it, and the notice kinds it takes.</summary>
/// <param name="System">The system's name: CampusIncidentReport, PoliceCase, ChildProtectionReport or Webhook.</param>
public sealed record AgencySystemEndpoint(string AgencyId, string System, Uri Address, IReadOnlySet<string> Notices);

/// <summary>
/// Notices to agencies' own systems (police case system, webhook, …), as outbox rows of kind
/// <see cref="OutboxKind"/> that the integrations deliver signed. Written here, in the domain, because the chains
/// enqueue them in their own steps; AntiDrugFlow.SendNotice and the delivery channel use the same shapes. A row
/// names the agency and the system, never an address or key (looked up at delivery), and carries only
/// <see cref="NoticeItem"/>s: a case number, a task code, a deadline and a link, so no personal data of a minor.
/// </summary>
public static class AgencySystemNotices
{
    public const string OutboxKind = "agency-system";

    public const string CampusIncidentReport = "CampusIncidentReport";
    public const string PoliceCase = "PoliceCase";
    public const string ChildProtectionReport = "ChildProtectionReport";
    public const string Webhook = "Webhook";

    /// <summary>
    /// Directory key of each system. "campus-safety" is the older name of 校安通報's key, and "http" of the webhook's.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Keys { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["campus-incident-report"] = CampusIncidentReport,
        ["campus-safety"] = CampusIncidentReport,
        ["police-case"] = PoliceCase,
        ["child-protection-report"] = ChildProtectionReport,
        ["child-protection"] = ChildProtectionReport,
        ["webhook"] = Webhook,
        ["http"] = Webhook,
    };

    /// <summary>What a system takes unless the agency narrows it (<c>"{key}.notices": "a;b"</c>): the report systems only their own report.</summary>
    public static IReadOnlySet<string> DefaultNotices(string system) => system switch
    {
        CampusIncidentReport => new HashSet<string>(StringComparer.Ordinal) { "campus-incident-report" },
        ChildProtectionReport => new HashSet<string>(StringComparer.Ordinal) { "child-protection-report" },
        PoliceCase => new HashSet<string>(StringComparer.Ordinal) { MessageKinds.TaskRouted, MessageKinds.Reminder, MessageKinds.Escalation },
        _ => new HashSet<string>(MessageKinds.Notices, StringComparer.Ordinal),
    };

    /// <summary>The systems an agency's entry names with an http(s) address; other endpoint keys are not systems.</summary>
    public static IReadOnlyList<AgencySystemEndpoint> EndpointsOf(Agency agency)
    {
        var result = new List<AgencySystemEndpoint>();
        foreach (var (key, value) in agency.Endpoints)
        {
            if (!Keys.TryGetValue(key, out var system) || !Uri.TryCreate(value, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
            {
                continue;
            }

            var notices = agency.Endpoints.TryGetValue($"{key}.notices", out var list)
                ? list.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal)
                : DefaultNotices(system);
            result.Add(new AgencySystemEndpoint(agency.Id, system, address, notices));
        }

        return result;
    }

    /// <summary>The outbox payload of one notice to one system; the items are checked by the caller (<see cref="NoticeItem.Check"/>).</summary>
    public static JsonObject Payload(string agencyId, string system, string notice, string? taskId, IEnumerable<NoticeItem> items) => new()
    {
        ["agencyId"] = agencyId,
        ["system"] = system,
        ["notice"] = notice,
        ["taskId"] = taskId,
        ["items"] = new JsonArray([.. items.Select(i => (JsonNode)new JsonObject
        {
            ["caseNumber"] = i.CaseNumber,
            ["task"] = i.Task,
            ["deadline"] = i.Deadline.ToString("O", CultureInfo.InvariantCulture),
            ["link"] = i.Link,
        })]),
    };

    /// <summary>
    /// The <see cref="NoticeTasks"/> code of a chain's task kind (AntiDrugFlow.RouteTask's <c>taskKind</c>), so an agency's
    /// system gets a fixed phrase and never the definition's free-text task name; an unknown kind is a general task.
    /// </summary>
    public static string TaskCode(string? taskKind) => taskKind switch
    {
        "Acknowledge" => "acknowledge",
        "ReportOutcome" => "outcome-report",
        "FollowUp" => "case-follow-up",
        "Report" => "report",
        "Decide" => "decide",
        _ => "task",
    };
}
