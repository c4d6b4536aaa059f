using System.Text.Json.Nodes;

namespace AntiDrugFlow.Tests.Infrastructure;

/// <summary>Builds Elsa-shaped definition JSON for tests, so each test shows only the activities that matter.</summary>
public sealed class Flow(string definitionId)
{
    private readonly JsonArray _activities = [];
    private readonly JsonArray _connections = [];
    private readonly JsonArray _variables = [];

    public static JsonObject Literal(object? value, string typeName = "String") =>
        new() { ["typeName"] = typeName, ["expression"] = new JsonObject { ["type"] = "Literal", ["value"] = JsonValue.Create(value) } };

    public static JsonObject Js(string code, string typeName = "Object") =>
        new() { ["typeName"] = typeName, ["expression"] = new JsonObject { ["type"] = "JavaScript", ["value"] = code } };

    public static JsonObject ObjectExpr(string json) =>
        new() { ["typeName"] = "Object", ["expression"] = new JsonObject { ["type"] = "Object", ["value"] = json } };

    public Flow Variable(string name, string typeName, object? value = null)
    {
        _variables.Add(new JsonObject { ["id"] = name, ["name"] = name, ["typeName"] = typeName, ["value"] = JsonValue.Create(value) });
        return this;
    }

    public Flow Activity(string id, string type, params (string Name, JsonNode? Value)[] inputs)
    {
        var activity = new JsonObject { ["id"] = id, ["type"] = type, ["version"] = 1 };
        foreach (var (name, value) in inputs)
        {
            activity[name] = value;
        }

        activity["metadata"] = new JsonObject { ["designer"] = new JsonObject { ["position"] = new JsonObject { ["x"] = _activities.Count * 100, ["y"] = 50 } } };
        _activities.Add(activity);
        return this;
    }

    /// <summary>Sets an activity's Elsa 3 merge mode (customProperties.mergeMode).</summary>
    public Flow MergeMode(string id, string mode) => CustomProperty(id, "mergeMode", mode);

    /// <summary>Marks an activity as Elsa 3 marks a trigger (customProperties.canStartWorkflow).</summary>
    public Flow CanStartWorkflow(string id) => CustomProperty(id, "canStartWorkflow", true);

    public Flow CustomProperty(string id, string name, JsonNode value)
    {
        var activity = _activities.OfType<JsonObject>().Single(a => a["id"]!.GetValue<string>() == id);
        var properties = activity["customProperties"] as JsonObject ?? [];
        properties[name] = value;
        activity["customProperties"] = properties;
        return this;
    }

    public Flow WriteLine(string id, string text) => Activity(id, "Elsa.WriteLine", ("text", Literal(text)));

    public Flow Connect(string source, string target, string port = "Done")
    {
        _connections.Add(new JsonObject
        {
            ["source"] = new JsonObject { ["activity"] = source, ["port"] = port },
            ["target"] = new JsonObject { ["activity"] = target, ["port"] = "In" },
        });
        return this;
    }

    /// <summary>Connects the activities in order through their Done ports.</summary>
    public Flow Chain(params string[] ids)
    {
        for (var i = 1; i < ids.Length; i++)
        {
            Connect(ids[i - 1], ids[i]);
        }

        return this;
    }

    /// <summary>This flow's activities and connections as an <c>Elsa.Flowchart</c> activity with the id, to nest in another flow (an activity or a body).</summary>
    public JsonObject AsFlowchart(string id) => new()
    {
        ["type"] = "Elsa.Flowchart",
        ["id"] = id,
        ["version"] = 1,
        ["activities"] = _activities.DeepClone(),
        ["connections"] = _connections.DeepClone(),
    };

    /// <summary>Adds a nested flowchart (built by <see cref="AsFlowchart"/>) as an activity of this flow.</summary>
    public Flow Nested(JsonObject flowchart)
    {
        _activities.Add(flowchart.DeepClone());
        return this;
    }

    public JsonObject Build() => new()
    {
        ["id"] = definitionId + ":v1",
        ["definitionId"] = definitionId,
        ["name"] = definitionId,
        ["version"] = 1,
        ["isPublished"] = true,
        ["isLatest"] = true,
        ["variables"] = _variables.DeepClone(),
        ["inputs"] = new JsonArray(),
        ["outputs"] = new JsonArray(),
        ["customProperties"] = new JsonObject(),
        ["root"] = new JsonObject
        {
            ["type"] = "Elsa.Flowchart",
            ["id"] = "flowchart",
            ["activities"] = _activities.DeepClone(),
            ["connections"] = _connections.DeepClone(),
        },
    };

    public string Json() => Build().ToJsonString();
}
