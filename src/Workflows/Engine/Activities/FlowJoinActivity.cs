using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>Elsa.FlowJoin: WaitAll waits for every activity that connects into it (merge mode Merge); WaitAny goes on with the first and cancels the rest (Race).</summary>
public sealed class FlowJoinActivity : IActivity
{
    public static readonly Input<string> Mode = new("mode", DisplayName: "合流模式", Description: "WaitAll 或 WaitAny");

    public string TypeName => "Elsa.FlowJoin";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [Mode];

    public void Validate(ActivityNode node, DefinitionValidationContext context)
    {
        if (node.Input(Mode.Name) is { Type: ExpressionTypes.Literal } spec && JsonValues.AsString(spec.Value) is { } mode && mode is not ("WaitAll" or "WaitAny"))
        {
            context.Error(DefinitionErrorKinds.JoinModeUnknown, spec.JsonPath, mode);
        }
    }

    /// <summary>The executor runs a join only when its merge mode lets it (WaitAll: Merge, WaitAny: Race), so it just goes on.</summary>
    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context) => ValueTask.FromResult(ActivityOutcome.Done);
}
