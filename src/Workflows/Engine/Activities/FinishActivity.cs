using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>Finishes the whole workflow at once, cancelling whatever else waits.</summary>
public sealed class FinishActivity : IActivity
{
    public string TypeName => "Elsa.Finish";

    public IReadOnlyList<InputDescriptor> Inputs => [];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => Ports.None;

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context) => ValueTask.FromResult(ActivityOutcome.FinishWorkflow);
}
