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

    public static string Pretty(JsonNode? node) => node is null ? "null" : node.ToJsonString(Indented);

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
