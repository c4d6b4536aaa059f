using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>Elsa.Complete: completes the flowchart at once with the outcomes given (journaled), cancelling whatever else waits.</summary>
public sealed class CompleteActivity : IActivity
{
    public static readonly Input<System.Text.Json.Nodes.JsonNode> Outcomes = new("outcomes", DisplayName: "結果");

    public string TypeName => "Elsa.Complete";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [Outcomes];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => Ports.None;

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var outcomes = context.Get(Outcomes) switch
        {
            System.Text.Json.Nodes.JsonArray array => string.Join(",", array.Select(Expressions.JsonValues.AsString)),
            { } single => Expressions.JsonValues.AsString(single),
            null => null,
        };
        context.Journal("Completed", string.IsNullOrEmpty(outcomes) ? "Done" : outcomes);
        return ValueTask.FromResult(ActivityOutcome.FinishWorkflow);
    }
}
