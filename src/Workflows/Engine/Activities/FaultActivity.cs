using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>Elsa.Fault: faults the workflow with the definition's message (and code, kept in the journal).</summary>
public sealed class FaultActivity : IActivity
{
    public static readonly Input<string> Message = new("message", DisplayName: "錯誤訊息");

    public static readonly Input<string> Code = new("code", DisplayName: "錯誤代碼");

    public string TypeName => "Elsa.Fault";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [Message, Code];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => Ports.None;

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        if (context.Get(Code) is { Length: > 0 } code)
        {
            context.Journal("FaultCode", code);
        }

        throw new ActivityFaultException(FaultKinds.Raised, null, context.Get(Message) ?? string.Empty);
    }
}
