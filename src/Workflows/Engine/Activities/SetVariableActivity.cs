using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

public sealed class SetVariableActivity : IActivity
{
    public static readonly Input<VariableReference> Variable = new("variable", IsRequired: true, DisplayName: "變數");

    public static readonly Input<JsonNode> Value = new("value", DisplayName: "值");

    public string TypeName => "Elsa.SetVariable";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [Variable, Value];

    public void Validate(ActivityNode node, DefinitionValidationContext context)
    {
        var reference = node.Raw(Variable.Name);
        if (reference is null)
        {
            return;
        }

        var name = ExpressionEvaluator.VariableName(reference);
        if (name is null || context.FindVariable(name) is null)
        {
            context.Error(DefinitionErrorKinds.VariableUndeclared, $"{node.JsonPath}.{Variable.Name}", name ?? reference.ToJsonString());
        }
    }

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var reference = context.VariableName(Variable)!;
        var variable = context.Definition.FindVariable(reference);
        var value = context.Get(Value);
        context.SetVariable(variable?.Name ?? reference, JsonValues.Coerce(value, variable?.TypeName));
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}
