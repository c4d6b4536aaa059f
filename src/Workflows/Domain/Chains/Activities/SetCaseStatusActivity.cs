using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Chains;

/// <summary>Sets the case's status (variable <c>caseStatus</c>), which the case's viewers see on its timeline.</summary>
public sealed class SetCaseStatusActivity : IActivity
{
    public static readonly Input<string> Status = new("status", IsRequired: true, DisplayName: "案件狀態");

    public string TypeName => "AntiDrugFlow.SetCaseStatus";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [Status];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var status = context.Require(Status);
        context.SetVariable("caseStatus", JsonValue.Create(status));
        context.Journal("CaseStatus", status);
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}
