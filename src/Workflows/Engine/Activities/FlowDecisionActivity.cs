using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

public sealed class FlowDecisionActivity : IActivity
{
    public static readonly Input<bool> Condition = new("condition", IsRequired: true, DisplayName: "條件");

    public string TypeName => "Elsa.FlowDecision";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [Condition];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => ["True", "False"];

    private static readonly ActivityOutcome True = ActivityOutcome.Through("True");
    private static readonly ActivityOutcome False = ActivityOutcome.Through("False");

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context) =>
        ValueTask.FromResult(context.Get(Condition) ? True : False);
}
