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
        List<string> outcomes = context.Get(Outcomes) switch
        {
            System.Text.Json.Nodes.JsonArray array => [.. array.Select(Expressions.JsonValues.AsString).OfType<string>()],
            { } single when Expressions.JsonValues.AsString(single) is { Length: > 0 } text => [text],
            _ => [],
        };
        context.Instance.State.Outcomes = outcomes.Count > 0 ? outcomes : null;
        context.Journal("Completed", outcomes.Count == 0 ? "Done" : string.Join(",", outcomes));
        return ValueTask.FromResult(ActivityOutcome.FinishWorkflow);
    }
}
