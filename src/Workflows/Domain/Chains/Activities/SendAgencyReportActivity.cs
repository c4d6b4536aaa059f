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

    public string TypeName => "AntiDrugFlow.SendAgencyReport";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [ChainInputs.Agency, ChainInputs.Route, System, ReportKind, ChainInputs.CaseNumber, DueAt];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => ["Sent", "NotConfigured"];

    public void Validate(ActivityNode node, DefinitionValidationContext context) => ChainActivities.ValidateRoute(node, context);

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var agency = ChainActivities.ResolveAgency(context, directory());
        var system = context.Require(System);
        if (!agency.Endpoints.TryGetValue(system, out var endpoint) || !Uri.TryCreate(endpoint, UriKind.Absolute, out var url))
        {
            context.Journal("ReportNotConfigured", $"{agency.Name} 未設定 {system} 介接");
            return ValueTask.FromResult(ActivityOutcome.Through("NotConfigured"));
        }

        var body = new JsonObject
        {
            ["caseNumber"] = ChainActivities.CaseNumberOf(context),
            ["reportKind"] = context.Require(ReportKind),
            ["dueAt"] = context.Get(DueAt),
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
