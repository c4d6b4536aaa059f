using System.Globalization;
using AntiDrugFlow.Workflows.Persistence;

namespace AntiDrugFlow.Host.Apis.Elsa;

/// <summary>
/// Elsa's <c>versionOptions</c>: Latest, Published, LatestOrPublished, LatestAndPublished, Draft, AllVersions,
/// or a version number (written <c>3</c> as Elsa's client sends it, or <c>Version:3</c>).
/// </summary>
public sealed record VersionOptions(string Kind, int? Number = null)
{
    public static readonly VersionOptions Latest = new("Latest");
    public static readonly VersionOptions Published = new("Published");

    private static readonly string[] Kinds = ["Latest", "Published", "LatestOrPublished", "LatestAndPublished", "Draft", "AllVersions"];

    public static bool TryParse(string? text, VersionOptions fallback, out VersionOptions options)
    {
        options = fallback;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var value = text.Trim();
        if (value.StartsWith("Version:", StringComparison.OrdinalIgnoreCase))
        {
            value = value["Version:".Length..];
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0)
        {
            options = new VersionOptions("Version", number);
            return true;
        }

        var kind = Kinds.FirstOrDefault(k => k.Equals(value, StringComparison.OrdinalIgnoreCase));
        options = kind is null ? fallback : new VersionOptions(kind);
        return kind is not null;
    }

    /// <summary>The zh-TW message for a value that is none of the above.</summary>
    public static string Invalid(string? text) =>
        $"版本選項「{text}」無效：請用 {string.Join("、", Kinds)} 或版本號碼（例如 3 或 Version:3）。";

    /// <summary>Whether a version matches, as Elsa's store filters (LatestOrPublished matches both rows).</summary>
    public bool Matches(DefinitionVersionSummary v) => Kind switch
    {
        "Latest" => v.IsLatest,
        "Published" => v.IsPublished,
        "LatestOrPublished" => v.IsLatest || v.IsPublished,
        "LatestAndPublished" => v.IsLatest && v.IsPublished,
        "Draft" => v.IsLatest && !v.IsPublished,
        "AllVersions" => true,
        _ => v.Version == Number,
    };
}
