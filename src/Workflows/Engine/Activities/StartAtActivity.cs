using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

public sealed class StartAtActivity : TimerActivityBase
{
    public static readonly Input<DateTimeOffset> DateTime = new("dateTime", IsRequired: true, DisplayName: "開始時間");

    private static readonly IReadOnlyList<InputDescriptor> Declared = [DateTime];

    public override string TypeName => "Elsa.StartAt";

    public override IReadOnlyList<InputDescriptor> Inputs => Declared;

    protected override DateTimeOffset DueAt(ActivityExecutionContext context) => context.Get(DateTime);
}
