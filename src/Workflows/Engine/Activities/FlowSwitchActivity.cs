using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>Elsa.FlowSwitch: <c>cases</c> is a list of <c>{label, condition}</c>; ports are the labels and Default.</summary>
public sealed class FlowSwitchActivity : IActivity
{
    public static readonly Input<JsonArray> Cases = new("cases", IsRequired: true, DisplayName: "分支");

    public static readonly Input<string> Mode = new("mode", DisplayName: "比對方式", Description: "MatchFirst 或 MatchAny");

    public string TypeName => "Elsa.FlowSwitch";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [Cases, Mode];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => [.. CasesOf(node).Select(c => c.Label), "Default"];

    public void Validate(ActivityNode node, DefinitionValidationContext context)
    {
        if (node.Raw(Cases.Name) is { } cases && cases is not JsonArray)
        {
            context.Error(DefinitionErrorKinds.SwitchCasesNotAList, $"{node.JsonPath}.{Cases.Name}");
            return;
        }

        foreach (var (label, condition, index) in CasesOf(node))
        {
            if (string.IsNullOrWhiteSpace(label))
            {
                context.Error(DefinitionErrorKinds.SwitchCaseLabelMissing, $"{node.JsonPath}.{Cases.Name}[{index}].label");
            }

            if (condition is null)
            {
                context.Error(DefinitionErrorKinds.SwitchCaseConditionMissing, $"{node.JsonPath}.{Cases.Name}[{index}].condition");
            }
            else
            {
                context.CheckExpression(condition);
            }
        }
    }

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var matchAny = string.Equals(context.Get(Mode), "MatchAny", StringComparison.OrdinalIgnoreCase);
        var matched = new List<string>();
        foreach (var (label, condition, _) in CasesOf(context.Node))
        {
            if (condition is not null && JsonValues.AsBool(context.Evaluate(condition), condition.JsonPath))
            {
                matched.Add(label);
                if (!matchAny)
                {
                    break;
                }
            }
        }

        return ValueTask.FromResult(ActivityOutcome.Through(matched.Count > 0 ? matched : ["Default"]));
    }

    private static IEnumerable<(string Label, ExpressionSpec? Condition, int Index)> CasesOf(ActivityNode node)
    {
        if (node.Raw(Cases.Name) is not JsonArray cases)
        {
            yield break;
        }

        for (var i = 0; i < cases.Count; i++)
        {
            if (cases[i] is not JsonObject item)
            {
                continue;
            }

            var label = JsonValues.AsString(item["label"]) ?? string.Empty;
            var path = $"{node.JsonPath}.{Cases.Name}[{i}].condition";
            ExpressionSpec? condition = item["condition"] switch
            {
                JsonObject c when c["expression"] is JsonObject e => new ExpressionSpec(JsonValues.AsString(e["type"]) ?? ExpressionTypes.Literal, e["value"], null, path + ".expression"),
                JsonObject c => new ExpressionSpec(JsonValues.AsString(c["type"]) ?? ExpressionTypes.Literal, c["value"], null, path),
                null => null,
                JsonNode literal => new ExpressionSpec(ExpressionTypes.Literal, literal, null, path),
            };
            yield return (label, condition, i);
        }
    }
}
