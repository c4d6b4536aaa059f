using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>Elsa.FlowJoin: WaitAll waits for every activity that connects into it; WaitAny goes on with the first and cancels the rest.</summary>
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

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var joins = context.Instance.State.Joins;
        if (!joins.TryGetValue(context.Node.Id, out var state))
        {
            joins[context.Node.Id] = state = new JoinState();
        }

        if (context.Item.ViaConnection is int via)
        {
            state.Arrived.Add(via);
        }

        var waitAny = string.Equals(context.Get(Mode), "WaitAny", StringComparison.OrdinalIgnoreCase);
        if (waitAny)
        {
            joins.Remove(context.Node.Id);
            WorkflowExecutor.CancelBranchesInto(context.Definition, context.Step, context.Node.Id, context.Now);
            return ValueTask.FromResult(ActivityOutcome.Done);
        }

        // Every branch must arrive; connections from different ports of one activity are alternatives of one branch.
        var inbound = context.Definition.Incoming(context.Node.Id);
        if (inbound.GroupBy(c => c.Source).All(branch => branch.Any(c => state.Arrived.Contains(c.Index))))
        {
            joins.Remove(context.Node.Id);
            return ValueTask.FromResult(ActivityOutcome.Done);
        }

        return ValueTask.FromResult(ActivityOutcome.EndOfBranch);
    }
}
