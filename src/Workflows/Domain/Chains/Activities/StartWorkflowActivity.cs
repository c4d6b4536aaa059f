using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Chains;

/// <summary>Starts another workflow once this step has committed (through the outbox; a repeat starts nothing).</summary>
public sealed class StartWorkflowActivity : IActivity
{
    public static readonly Input<string> DefinitionId = new("definitionId", IsRequired: true, DisplayName: "工作流程定義代碼");

    public static readonly Input<JsonObject> Input = new("input", DisplayName: "輸入");

    public static readonly Input<string> CorrelationId = new("correlationId", DisplayName: "關聯代碼");

    public string TypeName => "AntiDrugFlow.StartWorkflow";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [DefinitionId, Input, CorrelationId];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var definitionId = context.Require(DefinitionId);

        // Read untyped first: anything but an object faults, naming the kind of value it got.
        var input = context.Evaluate(Input);
        if (input is not null and not JsonObject)
        {
            throw new ActivityFaultException(ChainFaultKinds.StartInputNotAnObject, context.Where(Input), JsonValues.KindName(input));
        }

        var message = context.Enqueue(OutboxKinds.StartWorkflow, new JsonObject
        {
            ["definitionId"] = definitionId,
            ["input"] = input?.DeepClone(),
            ["correlationId"] = context.Get(CorrelationId) ?? context.Instance.CorrelationId,
        });
        context.Journal("WorkflowRequested", $"{definitionId} ({WorkflowExecutor.InstanceIdFromKey(message.IdempotencyKey)})");
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}
