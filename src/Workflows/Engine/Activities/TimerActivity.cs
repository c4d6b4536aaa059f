using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>Inside a flow, Elsa.Timer waits one interval and goes on.</summary>
public sealed class TimerActivity : TimerActivityBase
{
    public static readonly Input<TimeSpan> Interval = new("interval", IsRequired: true, DisplayName: "間隔");

    private static readonly IReadOnlyList<InputDescriptor> Declared = [Interval];

    public override string TypeName => "Elsa.Timer";

    public override IReadOnlyList<InputDescriptor> Inputs => Declared;

    protected override DateTimeOffset DueAt(ActivityExecutionContext context) => context.Now + context.Get(Interval);
}
