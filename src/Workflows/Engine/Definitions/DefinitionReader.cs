using System.Text.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Models;

namespace AntiDrugFlow.Workflows.Definitions;

/// <summary>Reads Elsa 3's workflow-definition JSON into a <see cref="WorkflowDefinition"/>, collecting every shape error with its path.</summary>
public static class DefinitionReader
{
    public const string FlowchartType = "Elsa.Flowchart";

    /// <summary>The most activities a definition may have; more is refused with definition.too-large (validation is linear, so this bounds its time and memory).</summary>
    public const int MaxActivities = 50_000;

    /// <summary>The most connections a definition may have.</summary>
    public const int MaxConnections = 200_000;

    public static (WorkflowDefinition? Definition, List<DefinitionError> Errors) Read(string json)
    {
        var (document, errors) = ParseObject(json);
        return document is null ? (null, errors) : Read(document);
    }

    /// <summary>Parses text that must be one JSON object; errors say the line and position.</summary>
    public static (JsonObject? Document, List<DefinitionError> Errors) ParseObject(string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            return (null, [JsonSyntaxErrors.At("$", json, ex)]);
        }

        return node is JsonObject document ? (document, []) : (null, [DefinitionErrorKinds.NotAnObject.At("$", JsonValues.KindName(node))]);
    }

    public static (WorkflowDefinition? Definition, List<DefinitionError> Errors) Read(JsonObject document)
    {
        var errors = new List<DefinitionError>();
        var warnings = new List<DefinitionError>();
        var definitionId = Text(document, "definitionId") ?? Text(document, "id");
        if (string.IsNullOrWhiteSpace(definitionId))
        {
            definitionId = DerivedDefinitionId(Text(document, "name"));
            if (definitionId is null)
            {
                errors.Add(DefinitionErrorKinds.DefinitionIdMissing.At("$.definitionId"));
            }
            else
            {
                warnings.Add(DefinitionErrorKinds.DefinitionIdDerived.At("$.definitionId", Text(document, "name")!, definitionId));
            }
        }

        var version = document["version"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : 1;
        var id = Text(document, "id") ?? $"{definitionId}:v{version}";
        var name = Text(document, "name") ?? definitionId ?? string.Empty;
        var variables = ReadVariables(document, errors);
        var inputs = ReadInputs(document, errors);
        var activities = new List<ActivityNode>();
        var connections = new List<FlowConnection>();
        var containerStarts = new Dictionary<string, string?>(StringComparer.Ordinal);
        string? start = null;
        if (document["root"] is not JsonObject root)
        {
            errors.Add(DefinitionErrorKinds.RootMissing.At("$.root"));
        }
        else
        {
            if (Text(root, "type") != FlowchartType)
            {
                errors.Add(DefinitionErrorKinds.RootNotAFlowchart.At("$.root.type", Text(root, "type") ?? string.Empty));
            }

            ReadFlowchart(root, "$.root", null, activities, connections, containerStarts, errors);
            start = containerStarts[RootKey];
            containerStarts.Remove(RootKey);
        }

        if (document["root"] is not JsonObject)
        {
            return (null, errors);
        }

        // Built even when the reader found errors, so the validator can report the rest in the same pass.
        var definition = new WorkflowDefinition(document, id, definitionId ?? string.Empty, name, version, variables, inputs, activities, connections, start, containerStarts) { Warnings = warnings };
        return (definition, errors);
    }

    /// <summary>
    /// A stable definitionId for a definition that has none, from its name: a slug of an ASCII name
    /// ("Student Transition" → "student-transition"), else "wf-" and the first 16 hex digits of the SHA-256 of
    /// the name's UTF-8 (a Chinese name); null when there is no name either.
    /// </summary>
    public static string? DerivedDefinitionId(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        var trimmed = name.Trim();
        if (trimmed.All(char.IsAscii))
        {
            var slug = new System.Text.StringBuilder(trimmed.Length);
            foreach (var c in trimmed.ToLowerInvariant())
            {
                if (char.IsAsciiLetterOrDigit(c))
                {
                    slug.Append(c);
                }
                else if (slug.Length > 0 && slug[^1] != '-')
                {
                    slug.Append('-');
                }
            }

            var text = slug.ToString().TrimEnd('-');
            if (text.Length > 0)
            {
                return text;
            }
        }

        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(trimmed));
        return "wf-" + Convert.ToHexStringLower(hash)[..16];
    }

    private static string Count(int n) => n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The key of the root flowchart among the containers' starts while reading (no activity id is empty).</summary>
    private const string RootKey = "";

    /// <summary>The activities that hold one child activity in their <c>body</c> (a nested flowchart, or any activity), as Elsa writes them.</summary>
    public static readonly IReadOnlySet<string> BodyContainers = new HashSet<string>(StringComparer.Ordinal) { "Elsa.FlowNode", "Elsa.ParallelForEach" };

    /// <summary>
    /// Reads a flowchart's activities and connections, then those of the flowcharts and bodies nested in them, depth
    /// first: every activity of the definition ends up in one list, each knowing its container, and every connection
    /// gets an index unique in the definition (the root's keep their positions).
    /// </summary>
    private static void ReadFlowchart(JsonObject flowchart, string path, string? container, List<ActivityNode> activities, List<FlowConnection> connections, Dictionary<string, string?> starts, List<DefinitionError> errors)
    {
        var first = activities.Count;
        var firstConnection = connections.Count;
        ReadActivities(flowchart, path, container, activities, errors);
        ReadConnections(flowchart, path, container, connections, errors);
        var own = activities.GetRange(first, activities.Count - first);
        starts[container ?? RootKey] = StartActivity(flowchart, own, connections.GetRange(firstConnection, connections.Count - firstConnection));
        foreach (var node in own)
        {
            ReadChildren(node, activities, connections, starts, errors);
        }
    }

    private static void ReadChildren(ActivityNode node, List<ActivityNode> activities, List<FlowConnection> connections, Dictionary<string, string?> starts, List<DefinitionError> errors)
    {
        if (node.Type == FlowchartType)
        {
            ReadFlowchart(node.Json, node.JsonPath, node.Id, activities, connections, starts, errors);
        }
        else if (BodyContainers.Contains(node.Type))
        {
            starts[node.Id] = null;
            if (node.Json["body"] is JsonObject body)
            {
                var id = Text(body, "id");
                var type = Text(body, "type");
                if (string.IsNullOrWhiteSpace(id))
                {
                    errors.Add(DefinitionErrorKinds.ActivityIdMissing.At(node.JsonPath + ".body.id"));
                }

                if (string.IsNullOrWhiteSpace(type))
                {
                    errors.Add(DefinitionErrorKinds.ActivityTypeMissing.At(node.JsonPath + ".body.type"));
                }

                if (!string.IsNullOrWhiteSpace(id) && !string.IsNullOrWhiteSpace(type))
                {
                    var child = new ActivityNode { Id = id, Type = type, Name = Text(body, "name"), Index = -1, Json = body, Container = node.Id, JsonPath = node.JsonPath + ".body" };
                    activities.Add(child);
                    starts[node.Id] = id;
                    ReadChildren(child, activities, connections, starts, errors);
                }
            }
        }
    }

    private static string? StartActivity(JsonObject root, List<ActivityNode> activities, List<FlowConnection> connections)
    {
        if (Text(root, "start") is { } explicitStart && activities.Exists(a => a.Id == explicitStart))
        {
            return explicitStart;
        }

        var targets = connections.Select(c => c.Target).ToHashSet(StringComparer.Ordinal);
        return (activities.FirstOrDefault(a => a.Type == "Elsa.Start")
            ?? activities.FirstOrDefault(a => !targets.Contains(a.Id))
            ?? activities.FirstOrDefault())?.Id;
    }

    private static List<VariableDefinition> ReadVariables(JsonObject document, List<DefinitionError> errors)
    {
        var result = new List<VariableDefinition>();
        if (document["variables"] is null)
        {
            return result;
        }

        if (document["variables"] is not JsonArray array)
        {
            errors.Add(DefinitionErrorKinds.VariablesNotAList.At("$.variables"));
            return result;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject item || Text(item, "name") is not { Length: > 0 } name)
            {
                errors.Add(DefinitionErrorKinds.VariableNameMissing.At($"$.variables[{i}].name"));
                continue;
            }

            if (!names.Add(name))
            {
                errors.Add(DefinitionErrorKinds.VariableDeclaredTwice.At($"$.variables[{i}].name", name));
            }

            result.Add(new VariableDefinition(Text(item, "id") ?? name, name, Text(item, "typeName") ?? "Object", item["value"]?.DeepClone(), i));
        }

        return result;
    }

    private static List<InputDefinition> ReadInputs(JsonObject document, List<DefinitionError> errors)
    {
        var result = new List<InputDefinition>();
        if (document["inputs"] is null)
        {
            return result;
        }

        if (document["inputs"] is not JsonArray array)
        {
            errors.Add(DefinitionErrorKinds.InputsNotAList.At("$.inputs"));
            return result;
        }

        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject item || Text(item, "name") is not { Length: > 0 } name)
            {
                errors.Add(DefinitionErrorKinds.InputNameMissing.At($"$.inputs[{i}].name"));
                continue;
            }

            var required = item["isRequired"] is JsonValue r && r.TryGetValue<bool>(out var b) && b;
            result.Add(new InputDefinition(name, Text(item, "type") ?? Text(item, "typeName") ?? "Object", required));
        }

        return result;
    }

    private static void ReadActivities(JsonObject root, string flowchartPath, string? container, List<ActivityNode> activities, List<DefinitionError> errors)
    {
        if (root["activities"] is not JsonArray array)
        {
            errors.Add(DefinitionErrorKinds.ActivitiesMissing.At(flowchartPath + ".activities"));
            return;
        }

        if (activities.Count + array.Count > MaxActivities)
        {
            errors.Add(DefinitionErrorKinds.DefinitionTooLarge.At(flowchartPath + ".activities", "活動", Count(activities.Count + array.Count), Count(MaxActivities)));
            return;
        }

        for (var i = 0; i < array.Count; i++)
        {
            var path = $"{flowchartPath}.activities[{i}]";
            if (array[i] is not JsonObject item)
            {
                errors.Add(DefinitionErrorKinds.ActivityNotAnObject.At(path));
                continue;
            }

            var id = Text(item, "id");
            var type = Text(item, "type");
            if (string.IsNullOrWhiteSpace(id))
            {
                errors.Add(DefinitionErrorKinds.ActivityIdMissing.At(path + ".id"));
            }

            if (string.IsNullOrWhiteSpace(type))
            {
                errors.Add(DefinitionErrorKinds.ActivityTypeMissing.At(path + ".type"));
            }

            if (!string.IsNullOrWhiteSpace(id) && !string.IsNullOrWhiteSpace(type))
            {
                activities.Add(new ActivityNode { Id = id, Type = type, Name = Text(item, "name"), Index = i, Json = item, Container = container, JsonPath = path });
            }
        }
    }

    private static void ReadConnections(JsonObject root, string flowchartPath, string? container, List<FlowConnection> connections, List<DefinitionError> errors)
    {
        if (root["connections"] is null)
        {
            return;
        }

        if (root["connections"] is not JsonArray array)
        {
            errors.Add(DefinitionErrorKinds.ConnectionsNotAList.At(flowchartPath + ".connections"));
            return;
        }

        if (connections.Count + array.Count > MaxConnections)
        {
            errors.Add(DefinitionErrorKinds.DefinitionTooLarge.At(flowchartPath + ".connections", "連線", Count(connections.Count + array.Count), Count(MaxConnections)));
            return;
        }

        // Indices unique in the definition: the root's are their positions (saved tokens name them), nested ones follow.
        var offset = container is null ? 0 : connections.Count == 0 ? 0 : connections.Max(c => c.Index) + 1;
        for (var i = 0; i < array.Count; i++)
        {
            var path = $"{flowchartPath}.connections[{i}]";
            if (array[i] is not JsonObject item)
            {
                errors.Add(DefinitionErrorKinds.ConnectionNotAnObject.At(path));
                continue;
            }

            // Elsa 3: {"source":{"activity","port"},"target":{"activity","port"}}; older: {"source","sourcePort","target","targetPort"}.
            var (source, sourcePort) = End(item["source"], Text(item, "sourcePort") ?? Text(item, "outcome"), "Done");
            var (target, targetPort) = End(item["target"], Text(item, "targetPort"), "In");
            if (source is null)
            {
                errors.Add(DefinitionErrorKinds.ConnectionSourceMissing.At(path + ".source"));
            }

            if (target is null)
            {
                errors.Add(DefinitionErrorKinds.ConnectionTargetMissing.At(path + ".target"));
            }

            if (source is not null && target is not null)
            {
                connections.Add(container is null ? new FlowConnection(source, sourcePort, target, targetPort, i) : new FlowConnection(source, sourcePort, target, targetPort, offset + i, container, path));
            }
        }
    }

    private static (string? Activity, string Port) End(JsonNode? node, string? flatPort, string defaultPort) => node switch
    {
        JsonObject o => (Text(o, "activity"), Text(o, "port") ?? defaultPort),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => (v.GetValue<string>(), flatPort ?? defaultPort),
        _ => (null, defaultPort),
    };

    private static string? Text(JsonObject obj, string name) => JsonValues.AsString(obj[name]) is { Length: > 0 } s && obj[name] is JsonValue ? s : null;
}
