using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>Elsa.While in a flowchart: leaves by <c>Iterate</c> while its condition holds (the body connecting back into it), then by <c>Done</c>.</summary>
public sealed class WhileActivity : IActivity
{
    public static readonly Input<bool> Condition = new("condition", IsRequired: true, DisplayName: "條件");

    public string TypeName => "Elsa.While";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [Condition];

    public bool IsLoop => true;

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => [Ports.Iterate, Ports.DoneName];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var loops = context.Instance.State.Loops;
        var key = context.LoopKey(context.Node.Id);
        var broken = loops.TryGetValue(key, out var state) && state[LoopControl.BreakKey] is not null;
        loops.Remove(key);
        return ValueTask.FromResult(!broken && context.Get(Condition) ? ActivityOutcome.Through(Ports.Iterate) : ActivityOutcome.Done);
    }
}
