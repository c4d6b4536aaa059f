using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AntiDrugFlow.Host.Components.Display;

/// <summary>JSON as an administrator reads and edits it: indented, with Chinese left as Chinese rather than \u escapes.</summary>
public static partial class JsonText
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // PostgreSQL's jsonb keeps keys sorted by length, which scatters a definition's fields; people read
    // an activity best as id, type, name first and designer metadata last.
    private static readonly string[] LeadingKeys =
        ["id", "definitionId", "type", "name", "version", "isPublished", "isLatest", "description", "typeName", "expression", "value",
         "source", "target", "activity", "port", "variables", "inputs", "outputs"];

    private static readonly string[] TrailingKeys = ["customProperties", "root", "activities", "connections", "metadata"];

    public static string Pretty(JsonNode? node) => node is null ? "null" : Ordered(node).ToJsonString(Indented);

    /// <summary>A copy with every object's keys in reading order; arrays keep their order, values are unchanged.</summary>
    public static JsonNode Ordered(JsonNode node) => node switch
    {
        JsonObject obj => new JsonObject(obj
            .Select((pair, position) => (pair, position))
            .OrderBy(p => Rank(p.pair.Key))
            .ThenBy(p => p.position)
            .Select(p => KeyValuePair.Create(p.pair.Key, p.pair.Value is null ? null : Ordered(p.pair.Value)))),
        JsonArray array => new JsonArray([.. array.Select(item => item is null ? null : Ordered(item))]),
        _ => node.DeepClone(),
    };

    private static int Rank(string key)
    {
        var leading = Array.IndexOf(LeadingKeys, key);
        if (leading >= 0)
        {
            return leading;
        }

        var trailing = Array.IndexOf(TrailingKeys, key);
        return trailing >= 0 ? 1000 + trailing : 500;
    }

    public static string Short(JsonNode? node) => node is null ? "null" : node.ToJsonString(Compact);

    /// <summary>The activity a validation path points into (<c>$.root.activities[3]…</c> gives 3), if any.</summary>
    public static int? ActivityIndex(string path)
    {
        var match = ActivityPath().Match(path);
        return match.Success ? int.Parse(match.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex(@"^\$\.root\.activities\[(\d+)\]")]
    private static partial Regex ActivityPath();
}
