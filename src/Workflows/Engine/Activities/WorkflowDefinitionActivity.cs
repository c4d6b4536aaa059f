using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>
/// A published definition used as an activity, as Elsa writes it: the node's <c>type</c> is the definition's name in
/// Pascal case and <c>workflowDefinitionId</c> names it; each of the definition's declared inputs is a property holding
/// an expression, each declared output a property bound to a variable (<c>memoryReference</c>). It runs as a child
/// instance (own journal, linked to the parent) and completes when the child ends: the child's outputs are written where
/// the node binds them, and it leaves by the outcomes the child's <c>Elsa.Complete</c> gave (else <c>Done</c>).
/// </summary>
public sealed class WorkflowDefinitionActivity : IActivity
{
    public static readonly Input<string> DefinitionId = new("workflowDefinitionId", IsRequired: true, DisplayName: "工作流程定義代碼");

    /// <summary>Not a registered type name: the registry resolves any node naming a <c>workflowDefinitionId</c> to this activity.</summary>
    public string TypeName => "WorkflowDefinitionActivity";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [DefinitionId];

    public bool CanWait => true;

    /// <summary>The child definition's outcomes become ports; they are only known once it runs.</summary>
    public bool AcceptsAnyPort => true;

    /// <summary>True for a node Elsa writes for a definition used as an activity.</summary>
    public static bool Describes(ActivityNode node) => node.Json["workflowDefinitionId"] is JsonValue;

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var input = new JsonObject();
        foreach (var (key, value) in context.Node.Json)
        {
            if (value is JsonObject property && property["expression"] is not null && context.Node.Input(key) is { } spec)
            {
                input[key] = context.Evaluate(spec)?.DeepClone();
            }
        }

        ChildWorkflows.Start(context, context.Require(DefinitionId), input, context.Instance.CorrelationId, ParentWaits.Completion);
        return ValueTask.FromResult(ActivityOutcome.Suspended);
    }

    public ValueTask<ActivityOutcome> ResumeAsync(ActivityExecutionContext context, Bookmark bookmark, JsonNode? input)
    {
        var result = ChildWorkflows.Result(context, bookmark, input, DefinitionId);
        if (result["output"] is JsonObject output)
        {
            foreach (var (name, value) in output)
            {
                context.SetOutput(name, value);
            }
        }

        return ValueTask.FromResult(result["outcomes"] is JsonArray { Count: > 0 } outcomes
            ? ActivityOutcome.Through([.. outcomes.Select(JsonValues.AsString).OfType<string>()])
            : ActivityOutcome.Done);
    }
}
