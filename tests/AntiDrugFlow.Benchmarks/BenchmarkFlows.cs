using System.Text.Json.Nodes;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// The definitions the benchmarks run, written in Elsa 3's JSON shape so they load through the same
/// reader and validator as the files in workflows-json.
/// </summary>
public static class BenchmarkFlows
{
    public const string SequenceId = "bench-sequence";
    public const string UntilTaskId = "bench-until-task";

    /// <summary>
    /// Ten activities in a row: Start, SetVariable, seven mixed (WriteLine, SetVariable, FlowDecision), End.
    /// With <paramref name="javaScript"/> false every expression is a Literal, so the difference between the
    /// two variants is what the JavaScript interpreter costs.
    /// </summary>
    public static string Sequence(bool javaScript)
    {
        var flow = new FlowchartJson(SequenceId)
            .Variable("count", "Int32", 0)
            .Variable("level", "Int32", 0)
            .Activity("start", "Elsa.Start")
            .Activity("setCount", "Elsa.SetVariable", ("variable", Variable("count")), ("value", FlowchartJson.Literal(1, "Int32")))
            .Activity("received", "Elsa.WriteLine", ("text", FlowchartJson.Literal("通報已受理")))
            .Activity("increment", "Elsa.SetVariable", ("variable", Variable("count")),
                ("value", javaScript ? FlowchartJson.Js("getCount() + 1", "Int32") : FlowchartJson.Literal(2, "Int32")))
            .Activity("counted", "Elsa.FlowDecision",
                ("condition", javaScript ? FlowchartJson.Js("getCount() > 1", "Boolean") : FlowchartJson.Literal(true, "Boolean")))
            .Activity("routed", "Elsa.WriteLine", ("text", FlowchartJson.Literal("已分派至轄區警察局")))
            .Activity("setLevel", "Elsa.SetVariable", ("variable", Variable("level")),
                ("value", javaScript ? FlowchartJson.Js("getCount() * 2", "Int32") : FlowchartJson.Literal(4, "Int32")))
            .Activity("urgent", "Elsa.FlowDecision",
                ("condition", javaScript ? FlowchartJson.Js("getLevel() >= 4", "Boolean") : FlowchartJson.Literal(true, "Boolean")))
            .Activity("escalated", "Elsa.WriteLine", ("text", FlowchartJson.Literal("已通知上級機關")))
            .Activity("end", "Elsa.End")
            .Chain("start", "setCount", "received", "increment", "counted")
            .Connect("counted", "routed", "True")
            .Connect("counted", "end", "False")
            .Chain("routed", "setLevel", "urgent")
            .Connect("urgent", "escalated", "True")
            .Connect("urgent", "end", "False")
            .Chain("escalated", "end");
        return flow.Json();
    }

    /// <summary>
    /// A few steps and then a wait, the shape of a tip-off reaching its first agency: a line, a variable,
    /// an e-mail into the outbox, then a human task that suspends the instance.
    /// </summary>
    public static string UntilHumanTask() => new FlowchartJson(UntilTaskId)
        .Variable("caseNumber", "String")
        .Activity("start", "Elsa.Start")
        .Activity("received", "Elsa.WriteLine", ("text", FlowchartJson.Literal("通報已受理")))
        .Activity("setCase", "Elsa.SetVariable", ("variable", Variable("caseNumber")), ("value", FlowchartJson.Js("getInput('caseNumber')", "String")))
        .Activity("notify", "Elsa.SendEmail",
            ("to", FlowchartJson.Literal("duty-officer@police.example.gov.tw")),
            ("subject", FlowchartJson.Js("'毒品案件通報 ' + getCaseNumber()", "String")),
            ("body", FlowchartJson.Literal("請於期限內確認受理。")))
        .Activity("acknowledge", "Elsa.RunTask", ("taskName", FlowchartJson.Literal("確認受理")))
        .Activity("end", "Elsa.End")
        .Chain("start", "received", "setCase", "notify", "acknowledge", "end")
        .Json();

    // Elsa 3 writes a SetVariable's target as a reference to the declared variable.
    private static JsonObject Variable(string name) => new() { ["id"] = name, ["name"] = name };
}

/// <summary>Builds Elsa-shaped definition JSON: activities, Done/True/False connections and variables.</summary>
public sealed class FlowchartJson(string definitionId)
{
    private readonly JsonArray _activities = [];
    private readonly JsonArray _connections = [];
    private readonly JsonArray _variables = [];

    public static JsonObject Literal(object? value, string typeName = "String") =>
        new() { ["typeName"] = typeName, ["expression"] = new JsonObject { ["type"] = "Literal", ["value"] = JsonValue.Create(value) } };

    public static JsonObject Js(string code, string typeName = "Object") =>
        new() { ["typeName"] = typeName, ["expression"] = new JsonObject { ["type"] = "JavaScript", ["value"] = code } };

    public FlowchartJson Variable(string name, string typeName, object? value = null)
    {
        _variables.Add(new JsonObject { ["id"] = name, ["name"] = name, ["typeName"] = typeName, ["value"] = JsonValue.Create(value) });
        return this;
    }

    public FlowchartJson Activity(string id, string type, params (string Name, JsonNode? Value)[] inputs)
    {
        var activity = new JsonObject { ["id"] = id, ["type"] = type, ["version"] = 1, ["name"] = id };
        foreach (var (name, value) in inputs)
        {
            activity[name] = value;
        }

        activity["metadata"] = new JsonObject { ["designer"] = new JsonObject { ["position"] = new JsonObject { ["x"] = _activities.Count * 200, ["y"] = 100 } } };
        _activities.Add(activity);
        return this;
    }

    public FlowchartJson Connect(string source, string target, string port = "Done")
    {
        _connections.Add(new JsonObject
        {
            ["source"] = new JsonObject { ["activity"] = source, ["port"] = port },
            ["target"] = new JsonObject { ["activity"] = target, ["port"] = "In" },
        });
        return this;
    }

    /// <summary>Connects the activities in order through their Done ports.</summary>
    public FlowchartJson Chain(params string[] ids)
    {
        for (var i = 1; i < ids.Length; i++)
        {
            Connect(ids[i - 1], ids[i]);
        }

        return this;
    }

    public string Json() => new JsonObject
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
    }.ToJsonString();
}
