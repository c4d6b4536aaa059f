using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>
/// Elsa.End: as in Elsa 3, a terminal node that completes its flowchart at once; the flowchart being the workflow's
/// root, the workflow finishes and whatever else still runs or waits is cancelled.
/// </summary>
public sealed class EndActivity : IActivity
{
    public string TypeName => "Elsa.End";

    public IReadOnlyList<InputDescriptor> Inputs => [];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => Ports.None;

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context) => ValueTask.FromResult(ActivityOutcome.FinishWorkflow);
}
