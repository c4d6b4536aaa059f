namespace AntiDrugFlow.Host.Components.Display;

public enum DiffKind
{
    Same,
    Removed,
    Added,
}

/// <summary>One line of a comparison, with its line number in the old and the new text (null where it has none).</summary>
public sealed record DiffLine(DiffKind Kind, int? OldNumber, int? NewNumber, string Text);

/// <summary>A row of a diff as shown: a line, or a run of unchanged lines left out (<see cref="Skipped"/> of them).</summary>
public sealed record DiffRow(DiffLine? Line, int Skipped);

/// <summary>A line diff by longest common subsequence, after setting aside the lines both ends share.</summary>
public static class LineDiff
{
    public static IReadOnlyList<DiffLine> Compare(string oldText, string newText)
    {
        var a = Lines(oldText);
        var b = Lines(newText);
        var prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[^(suffix + 1)] == b[^(suffix + 1)])
        {
            suffix++;
        }

        var result = new List<DiffLine>(a.Length + b.Length);
        for (var i = 0; i < prefix; i++)
        {
            result.Add(new DiffLine(DiffKind.Same, i + 1, i + 1, a[i]));
        }

        var n = a.Length - prefix - suffix;
        var m = b.Length - prefix - suffix;

        // lengths[i, j] = longest common subsequence of a[prefix+i..] and b[prefix+j..].
        var lengths = new int[n + 1, m + 1];
        for (var i = n - 1; i >= 0; i--)
        {
            for (var j = m - 1; j >= 0; j--)
            {
                lengths[i, j] = a[prefix + i] == b[prefix + j] ? lengths[i + 1, j + 1] + 1 : Math.Max(lengths[i + 1, j], lengths[i, j + 1]);
            }
        }

        int x = 0, y = 0;
        while (x < n || y < m)
        {
            if (x < n && y < m && a[prefix + x] == b[prefix + y])
            {
                result.Add(new DiffLine(DiffKind.Same, prefix + x + 1, prefix + y + 1, a[prefix + x]));
                x++;
                y++;
            }
            else if (x < n && (y == m || lengths[x + 1, y] >= lengths[x, y + 1]))
            {
                // Removals first, as readers of a diff expect.
                result.Add(new DiffLine(DiffKind.Removed, prefix + x + 1, null, a[prefix + x]));
                x++;
            }
            else
            {
                result.Add(new DiffLine(DiffKind.Added, null, prefix + y + 1, b[prefix + y]));
                y++;
            }
        }

        for (var i = 0; i < suffix; i++)
        {
            var oldIndex = a.Length - suffix + i;
            var newIndex = b.Length - suffix + i;
            result.Add(new DiffLine(DiffKind.Same, oldIndex + 1, newIndex + 1, a[oldIndex]));
        }

        return result;
    }

    private static string[] Lines(string text) =>
        text.Length == 0 ? [] : text.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');

    /// <summary>Keeps <paramref name="context"/> unchanged lines around each change and folds the rest into one row per run.</summary>
    public static IReadOnlyList<DiffRow> Fold(IReadOnlyList<DiffLine> lines, int context)
    {
        var keep = new bool[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Kind == DiffKind.Same)
            {
                continue;
            }

            for (var j = Math.Max(0, i - context); j <= Math.Min(lines.Count - 1, i + context); j++)
            {
                keep[j] = true;
            }
        }

        var rows = new List<DiffRow>();
        var skipped = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            if (keep[i])
            {
                if (skipped > 0)
                {
                    rows.Add(new DiffRow(null, skipped));
                    skipped = 0;
                }

                rows.Add(new DiffRow(lines[i], 0));
            }
            else
            {
                skipped++;
            }
        }

        if (skipped > 0)
        {
            rows.Add(new DiffRow(null, skipped));
        }

        return rows;
    }
}
