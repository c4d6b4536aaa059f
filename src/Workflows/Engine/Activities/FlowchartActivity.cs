using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>
/// Elsa.Flowchart used as an activity inside a flowchart: runs its own activities and connections in a run-time scope
/// of their own (tokens, joins and completion apart from the outer flowchart's) and completes when nothing in it runs
/// or waits any more, leaving by <c>Done</c>, or by the outcomes an <c>Elsa.Complete</c> inside it gave. An
/// <c>Elsa.End</c> or <c>Elsa.Complete</c> inside ends this flowchart only; the outer one goes on.
/// </summary>
public sealed class FlowchartActivity : IActivity
{
    public string TypeName => Definitions.DefinitionReader.FlowchartType;

    public IReadOnlyList<InputDescriptor> Inputs => [];

    /// <summary>Besides Done, an Elsa.Complete inside may name any outcome.</summary>
    public bool AcceptsAnyPort => true;

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context) =>
        ValueTask.FromResult(context.StartScope() is null ? ActivityOutcome.Done : ActivityOutcome.Running);
}

/// <summary>Elsa.FlowNode, Elsa 3's container: runs its <c>body</c> (any activity, often a flowchart) in a scope of its own, then leaves by <c>Done</c>.</summary>
public sealed class FlowNodeActivity : IActivity
{
    public string TypeName => "Elsa.FlowNode";

    public IReadOnlyList<InputDescriptor> Inputs => [];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context) =>
        ValueTask.FromResult(context.StartScope() is null ? ActivityOutcome.Done : ActivityOutcome.Running);

    public ValueTask<ActivityOutcome> ScopeCompletedAsync(ActivityExecutionContext context, RunScope completed, IReadOnlyList<string> outcomes) =>
        ValueTask.FromResult(ActivityOutcome.Done);
}
