using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Chains;

/// <summary>
/// Files a report with an agency's own system (校安通報, 兒少保護通報) when the directory has its endpoint:
/// the case number, the kind of report and the deadline, signed and delivered through the outbox.
/// <c>Sent</c> when an endpoint is configured, else <c>NotConfigured</c> (the definition then relies on a person).
/// </summary>
public sealed class SendAgencyReportActivity(Func<AgencyDirectory> directory) : IActivity
{
    public static readonly Input<string> System = new("system", IsRequired: true, DisplayName: "通報系統");

    public static readonly Input<string> ReportKind = new("reportKind", IsRequired: true, DisplayName: "通報種類");

    /// <summary>Passed on as written: the agency's system reads it, not the engine.</summary>
    public static readonly Input<string> DueAt = new("dueAt", DisplayName: "期限");

    /// <summary>The report's deadline counted from now (the time the report is filed); the body's <c>dueAt</c> when <see cref="DueAt"/> is not given.</summary>
    public static readonly Input<TimeSpan> DueIn = new("dueIn", DisplayName: "處理期限", Description: "自送出起算的時間長度，例如 1.00:00:00");

    /// <summary>
    /// The directory keys the systems are documented under (docs/DELIVERY.md), each with the older name the directory may
    /// still use; a definition naming either finds the endpoint under either.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Aliases { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["campus-incident-report"] = "campus-safety",
        ["campus-safety"] = "campus-incident-report",
        ["child-protection-report"] = "child-protection",
        ["child-protection"] = "child-protection-report",
    };

    public string TypeName => "AntiDrugFlow.SendAgencyReport";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [ChainInputs.Agency, ChainInputs.Route, System, ReportKind, ChainInputs.CaseNumber, DueAt, DueIn];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => ["Sent", "NotConfigured"];

    public void Validate(ActivityNode node, DefinitionValidationContext context) => ChainActivities.ValidateRoute(node, context);

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var agency = ChainActivities.ResolveAgency(context, directory());
        var system = context.Require(System);
        if (!(agency.Endpoints.TryGetValue(system, out var endpoint) || (Aliases.TryGetValue(system, out var alias) && agency.Endpoints.TryGetValue(alias, out endpoint)))
            || !Uri.TryCreate(endpoint, UriKind.Absolute, out var url))
        {
            context.Journal("ReportNotConfigured", $"{agency.Name} 未設定 {system} 介接");
            return ValueTask.FromResult(ActivityOutcome.Through("NotConfigured"));
        }

        var body = new JsonObject
        {
            ["caseNumber"] = ChainActivities.CaseNumberOf(context),
            ["reportKind"] = context.Require(ReportKind),
            ["dueAt"] = context.Has(DueAt) ? context.Get(DueAt) : context.Has(DueIn) ? (context.Now + context.Get(DueIn)).ToString("O", global::System.Globalization.CultureInfo.InvariantCulture) : null,
        };
        context.Enqueue(OutboxKinds.Http, new JsonObject
        {
            ["url"] = url.ToString(),
            ["method"] = "POST",
            ["content"] = body.ToJsonString(),
            ["contentType"] = "application/json",
            ["agencyId"] = agency.Id,
            ["system"] = system,
        });
        context.Journal("ReportSent", $"{agency.Name}：{system}");
        return ValueTask.FromResult(ActivityOutcome.Through("Sent"));
    }
}
