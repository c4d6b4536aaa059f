namespace AntiDrugFlow.Workflows.Http;

/// <summary>
/// A path template of an <c>Elsa.HttpEndpoint</c>, relative to <c>/workflows</c>: literal segments
/// (compared without regard to case) and <c>{name}</c> segments that capture one segment each.
/// </summary>
public sealed class HttpRouteTemplate
{
    private readonly string[] _segments;

    private HttpRouteTemplate(string text, string[] segments)
    {
        Text = text;
        _segments = segments;
    }

    /// <summary>The template with its slashes trimmed, e.g. <c>orders/{id}</c>.</summary>
    public string Text { get; }

    public static bool TryParse(string? path, out HttpRouteTemplate template)
    {
        template = null!;
        var text = (path ?? string.Empty).Trim().Trim('/');
        if (text.Length == 0)
        {
            return false;
        }

        var segments = text.Split('/');
        foreach (var segment in segments)
        {
            var isParameter = segment.StartsWith('{') && segment.EndsWith('}');
            if (segment.Length == 0 || (isParameter ? segment.Length < 3 || segment[1..^1].IndexOfAny(['{', '}']) >= 0 : segment.IndexOfAny(['{', '}']) >= 0))
            {
                return false;
            }
        }

        template = new HttpRouteTemplate(text, segments);
        return true;
    }

    /// <summary>The route values when <paramref name="path"/> matches, else null.</summary>
    public IReadOnlyDictionary<string, string>? Match(string path)
    {
        var parts = path.Trim('/').Split('/');
        if (parts.Length != _segments.Length)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < parts.Length; i++)
        {
            var segment = _segments[i];
            if (segment.StartsWith('{'))
            {
                if (parts[i].Length == 0)
                {
                    return null;
                }

                values[segment[1..^1]] = Uri.UnescapeDataString(parts[i]);
            }
            else if (!string.Equals(segment, parts[i], StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
        }

        return values;
    }

    /// <summary>The name of the bookmark an endpoint inside a flow waits on.</summary>
    public string BookmarkName => "http:" + Text.ToLowerInvariant();
}
