using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

public sealed class DelayActivity : TimerActivityBase
{
    public static readonly Input<TimeSpan> TimeSpan = new("timeSpan", IsRequired: true, DisplayName: "等待時間");

    private static readonly IReadOnlyList<InputDescriptor> Declared = [TimeSpan];

    public override string TypeName => "Elsa.Delay";

    public override IReadOnlyList<InputDescriptor> Inputs => Declared;

    protected override DateTimeOffset DueAt(ActivityExecutionContext context) => context.Now + context.Get(TimeSpan);
}
