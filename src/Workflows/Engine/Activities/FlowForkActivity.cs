using System.Text.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>Elsa.FlowFork: <c>branches</c> is an Object expression holding a JSON array of port names.</summary>
public sealed class FlowForkActivity : IActivity
{
    public static readonly Input<JsonArray> Branches = new("branches", DisplayName: "分流輸出埠");

    public string TypeName => "Elsa.FlowFork";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [Branches];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => BranchesOf(node, out _) ?? Ports.Done;

    public void Validate(ActivityNode node, DefinitionValidationContext context)
    {
        if (node.HasInput(Branches.Name) && BranchesOf(node, out var notJson) is null)
        {
            if (notJson is not null)
            {
                context.Error(DefinitionErrorKinds.ForkBranchesNotJson, $"{node.JsonPath}.{Branches.Name}", notJson);
            }
            else
            {
                context.Error(DefinitionErrorKinds.ForkBranchesInvalid, $"{node.JsonPath}.{Branches.Name}");
            }
        }
    }

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context) =>
        ValueTask.FromResult(ActivityOutcome.Through(OutputPorts(context.Node)));

    /// <summary>The branch port names; null when they are missing or malformed, with the JSON parser's reason when the text is not JSON.</summary>
    private static IReadOnlyList<string>? BranchesOf(ActivityNode node, out string? notJson)
    {
        notJson = null;
        var spec = node.Input(Branches.Name);
        if (spec is null)
        {
            return null;
        }

        var value = spec.Value;
        if (value is JsonValue text && text.GetValueKind() == JsonValueKind.String)
        {
            try
            {
                value = JsonNode.Parse(text.GetValue<string>());
            }
            catch (JsonException ex)
            {
                notJson = JsonSyntaxErrors.Reason(ex);
                return null;
            }
        }

        if (value is not JsonArray array || array.Count == 0 || array.Any(b => JsonValues.AsString(b) is not { Length: > 0 }))
        {
            return null;
        }

        return [.. array.Select(b => JsonValues.AsString(b)!)];
    }
}
