using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

public sealed class WriteLineActivity : IActivity
{
    public static readonly Input<string> Text = new("text", IsRequired: true, DisplayName: "文字");

    public string TypeName => "Elsa.WriteLine";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [Text];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        context.WriteLine(context.Get(Text) ?? string.Empty);
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}
