using System.Text.Json.Nodes;

namespace AntiDrugFlow.Host.Components.Display;

/// <summary>
/// The difference of two versions of a flowchart as the designer draws it (docs/DESIGNER.md): the newer version with
/// the activities and connections the older had and the newer lost put back, and an overlay that marks each activity
/// and connection added, removed or changed.
/// </summary>
public sealed record DefinitionDiagramDiff(JsonObject Definition, JsonObject Overlay, int Added, int Removed, int Changed, int ConnectionsAdded, int ConnectionsRemoved)
{
    public bool HasChanges => Added + Removed + Changed + ConnectionsAdded + ConnectionsRemoved > 0;

    /// <summary>Null when either version's root is not a flowchart (nothing to draw).</summary>
    public static DefinitionDiagramDiff? Compare(JsonObject older, JsonObject newer)
    {
        if (Activities(older) is not { } oldActivities || Activities(newer) is not { } newActivities)
        {
            return null;
        }

        var merged = newer.DeepClone().AsObject();
        var mergedRoot = merged["root"]!.AsObject();
        var mergedActivities = mergedRoot["activities"]!.AsArray();
        if (mergedRoot["connections"] is not JsonArray mergedConnections)
        {
            mergedRoot["connections"] = mergedConnections = [];
        }

        var oldById = ById(oldActivities);
        var newById = ById(newActivities);
        var nodes = new JsonObject();
        int added = 0, removed = 0, changed = 0;
        foreach (var (id, activity) in newById)
        {
            if (!oldById.TryGetValue(id, out var before))
            {
                nodes[id] = State("added", "新增的活動");
                added++;
            }
            else if (ChangedProperties(before, activity) is { Count: > 0 } properties)
            {
                nodes[id] = State("changed", "已變更：" + string.Join("、", properties));
                changed++;
            }
        }

        foreach (var (id, activity) in oldById.Where(a => !newById.ContainsKey(a.Key)))
        {
            // Its old place may be taken in the newer version: without a position the designer lays the whole diagram out.
            var copy = activity.DeepClone().AsObject();
            (copy["metadata"] as JsonObject)?.Remove("designer");
            mergedActivities.Add(copy);
            nodes[id] = State("removed", "已刪除的活動");
            removed++;
        }

        var oldConnections = Connections(older);
        var newConnections = Connections(newer);
        var edges = new JsonArray();
        foreach (var key in newConnections.Keys.Where(k => !oldConnections.ContainsKey(k)))
        {
            edges.Add(Edge(key, "added"));
        }

        foreach (var (key, connection) in oldConnections.Where(c => !newConnections.ContainsKey(c.Key)))
        {
            var copy = connection.DeepClone().AsObject();
            copy.Remove("vertices");
            mergedConnections.Add(copy);
            edges.Add(Edge(key, "removed"));
        }

        var connectionsAdded = edges.Count(e => e!["state"]!.GetValue<string>() == "added");
        var overlay = new JsonObject { ["nodes"] = nodes, ["edges"] = edges, ["journal"] = new JsonObject() };
        return new DefinitionDiagramDiff(merged, overlay, added, removed, changed, connectionsAdded, edges.Count - connectionsAdded);
    }

    private static JsonArray? Activities(JsonObject document) =>
        document["root"] is JsonObject root && root["activities"] is JsonArray activities ? activities : null;

    private static Dictionary<string, JsonObject> ById(JsonArray activities)
    {
        var byId = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var activity in activities.OfType<JsonObject>())
        {
            if (Text(activity["id"]) is { } text)
            {
                byId.TryAdd(text, activity);
            }
        }

        return byId;
    }

    /// <summary>The properties that differ; where the designer put the activity is not a change of the flow.</summary>
    private static List<string> ChangedProperties(JsonObject before, JsonObject after)
    {
        static JsonObject WithoutPlace(JsonObject activity)
        {
            var copy = activity.DeepClone().AsObject();
            if (copy["metadata"] is JsonObject metadata)
            {
                metadata.Remove("designer");
                if (metadata.Count == 0)
                {
                    copy.Remove("metadata");
                }
            }

            return copy;
        }

        var a = WithoutPlace(before);
        var b = WithoutPlace(after);
        return a.Select(p => p.Key).Union(b.Select(p => p.Key), StringComparer.Ordinal)
            .Where(key => !JsonNode.DeepEquals(a[key], b[key]))
            .ToList();
    }

    private static Dictionary<(string Source, string Port, string Target), JsonObject> Connections(JsonObject document)
    {
        var result = new Dictionary<(string, string, string), JsonObject>();
        if (document["root"] is not JsonObject root || root["connections"] is not JsonArray connections)
        {
            return result;
        }

        foreach (var connection in connections.OfType<JsonObject>())
        {
            var source = connection["source"] as JsonObject;
            var target = connection["target"] as JsonObject;
            if (Text(source?["activity"]) is { } from && Text(target?["activity"]) is { } to)
            {
                result.TryAdd((from, Text(source?["port"]) ?? "Done", to), connection);
            }
        }

        return result;
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static JsonObject State(string state, string note) => new() { ["state"] = state, ["note"] = note };

    private static JsonObject Edge((string Source, string Port, string Target) key, string state) =>
        new() { ["source"] = key.Source, ["port"] = key.Port, ["target"] = key.Target, ["state"] = state };
}
