using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

public sealed class StartActivity : IActivity
{
    public string TypeName => "Elsa.Start";

    public IReadOnlyList<InputDescriptor> Inputs => [];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context) => ValueTask.FromResult(ActivityOutcome.Done);
}
