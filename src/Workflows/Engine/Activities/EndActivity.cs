using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>Ends its branch; the workflow finishes when no branch is left running or waiting.</summary>
public sealed class EndActivity : IActivity
{
    public string TypeName => "Elsa.End";

    public IReadOnlyList<InputDescriptor> Inputs => [];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => Ports.None;

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context) => ValueTask.FromResult(ActivityOutcome.EndOfBranch);
}
