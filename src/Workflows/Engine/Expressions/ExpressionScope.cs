using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Expressions;

/// <summary>What an expression can see: the instance's variables and inputs, its id and correlation id.</summary>
public sealed class ExpressionScope(WorkflowInstance instance)
{
    public WorkflowInstance Instance { get; } = instance;

    /// <summary>The run-time scope the expressions run in; its variables (and its parents') come before the workflow's.</summary>
    public string? RunScope { get; set; }

    /// <summary>A variable of the run-time scope first, then a workflow variable, then a workflow input, as Elsa's getX() does.</summary>
    public JsonNode? Get(string name)
    {
        if (LocalsHolding(name) is { } locals)
        {
            return locals[name];
        }

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

    public void Set(string name, JsonNode? value)
    {
        if (LocalsHolding(name) is { } locals)
        {
            locals[name] = value;
            return;
        }

        Instance.State.Variables[name] = value;
    }

    /// <summary>The names of the variables the run-time scope and its parents declare.</summary>
    public IEnumerable<string> LocalNames()
    {
        for (var id = RunScope; id is not null && Instance.State.Scopes.TryGetValue(id, out var scope); id = scope.Parent)
        {
            if (scope.Locals is { } locals)
            {
                foreach (var (name, _) in locals)
                {
                    yield return name;
                }
            }
        }
    }

    private JsonObject? LocalsHolding(string name)
    {
        for (var id = RunScope; id is not null && Instance.State.Scopes.TryGetValue(id, out var scope); id = scope.Parent)
        {
            if (scope.Locals is { } locals && locals.ContainsKey(name))
            {
                return locals;
            }
        }

        return null;
    }
}
