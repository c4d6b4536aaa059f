using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

public sealed class FlowDecisionActivity : IActivity
{
    public static readonly Input<bool> Condition = new("condition", IsRequired: true, DisplayName: "條件");

    public string TypeName => "Elsa.FlowDecision";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [Condition];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => ["True", "False"];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context) =>
        ValueTask.FromResult(ActivityOutcome.Through(context.Get(Condition) ? "True" : "False"));
}
