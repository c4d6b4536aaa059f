using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Expressions;

/// <summary>What an expression can see: the instance's variables and inputs, its id and correlation id.</summary>
public sealed class ExpressionScope(WorkflowInstance instance)
{
    public WorkflowInstance Instance { get; } = instance;

    /// <summary>A variable first, then a workflow input, as Elsa's getX() does.</summary>
    public JsonNode? Get(string name)
    {
        if (Instance.State.Variables.TryGetValue(name, out var value))
        {
            return value;
        }

        foreach (var (key, input) in Instance.State.Input)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return input;
            }
        }

        return null;
    }

    public JsonNode? GetInput(string name) => Instance.State.Input.TryGetPropertyValue(name, out var value) ? value : null;

    public void Set(string name, JsonNode? value) => Instance.State.Variables[name] = value;
}
