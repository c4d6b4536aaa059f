using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Models;

namespace AntiDrugFlow.Host.Components.Display;

/// <summary>An activity's box on the diagram (top-left corner and size, in SVG units).</summary>
public sealed record DiagramBox(string Id, string Type, string? Name, int Index, double X, double Y, double Width, double Height)
{
    public double CenterX => X + (Width / 2);

    public double CenterY => Y + (Height / 2);
}

/// <summary>An arrow between two boxes: an SVG path and where its port label goes.</summary>
public sealed record DiagramArrow(string Source, string Target, string Port, string Path, double LabelX, double LabelY, bool IsBackward);

public sealed record DiagramLayout(IReadOnlyList<DiagramBox> Boxes, IReadOnlyList<DiagramArrow> Arrows, double Width, double Height, bool UsesDesignerPositions);

/// <summary>
/// Places a flowchart's activities for drawing. The designer's saved positions win when every
/// activity has one and no two boxes overlap; otherwise activities are put in rows by the longest
/// path from the start activity, so each arrow of the acyclic part points downwards and a long
/// flow grows down the page instead of off its side.
/// </summary>
public static class FlowchartLayout
{
    public const double BoxWidth = 190;
    public const double BoxHeight = 64;
    private const double ColumnGap = 40;
    private const double RowGap = 56;
    private const double Margin = 24;

    // Room right of the rightmost box for arrows that loop back to an earlier step.
    private const double LoopRoom = 48;

    public static DiagramLayout Compute(WorkflowDefinition definition)
    {
        // The root flowchart's activities: a nested flowchart shows as one box.
        var activities = definition.Activities.Where(a => a.Container is null).GroupBy(a => a.Id, StringComparer.Ordinal).Select(g => g.First()).ToList();
        var designer = DesignerPositions(activities);
        var positions = designer ?? Layered(definition, activities);
        var boxes = activities.Select(a => new DiagramBox(a.Id, a.Type, a.Name, a.Index, positions[a.Id].X, positions[a.Id].Y, BoxWidth, BoxHeight)).ToList();
        var byId = boxes.ToDictionary(b => b.Id, StringComparer.Ordinal);
        var right = boxes.Count == 0 ? Margin : boxes.Max(b => b.X + b.Width);
        var arrows = new List<DiagramArrow>();
        var seenPairs = new Dictionary<(string, string), int>();
        foreach (var connection in definition.Connections.Where(c => c.Container is null))
        {
            if (!byId.TryGetValue(connection.Source, out var from) || !byId.TryGetValue(connection.Target, out var to))
            {
                continue;
            }

            // Several ports into the same target would put their labels on top of each other.
            var pair = (from.Id, to.Id);
            var nth = seenPairs.GetValueOrDefault(pair);
            seenPairs[pair] = nth + 1;
            arrows.Add(Arrow(from, to, connection.SourcePort, nth, right, designer is not null));
        }

        var width = right + Margin + (arrows.Any(a => a.IsBackward) ? LoopRoom : 0);
        var height = (boxes.Count == 0 ? Margin : boxes.Max(b => b.Y + b.Height)) + Margin;
        return new DiagramLayout(boxes, arrows, width, height, designer is not null);
    }

    private static DiagramArrow Arrow(DiagramBox from, DiagramBox to, string port, int nth, double right, bool designer)
    {
        var offset = nth * 14;
        if (to.Y >= from.Y + from.Height)
        {
            // Downwards: bottom edge to top edge, as a smooth S curve.
            double x1 = from.CenterX, y1 = from.Y + from.Height, x2 = to.CenterX, y2 = to.Y;
            var bend = Math.Max(20, (y2 - y1) / 2);
            var path = FormattableString.Invariant($"M {x1:0.#} {y1:0.#} C {x1:0.#} {y1 + bend:0.#}, {x2:0.#} {y2 - bend:0.#}, {x2:0.#} {y2:0.#}");
            var (lx, ly) = Midpoint((x1, y1), (x1, y1 + bend), (x2, y2 - bend), (x2, y2));
            return new DiagramArrow(from.Id, to.Id, port, path, lx + 4, ly + 4 + offset, false);
        }

        if (to.X >= from.X + from.Width)
        {
            // Rightwards (designer layouts are usually drawn left to right): right edge to left edge.
            double x1 = from.X + from.Width, y1 = from.CenterY, x2 = to.X, y2 = to.CenterY;
            var bend = Math.Max(30, (x2 - x1) / 2);
            var path = FormattableString.Invariant($"M {x1:0.#} {y1:0.#} C {x1 + bend:0.#} {y1:0.#}, {x2 - bend:0.#} {y2:0.#}, {x2:0.#} {y2:0.#}");
            var (lx, ly) = Midpoint((x1, y1), (x1 + bend, y1), (x2 - bend, y2), (x2, y2));
            return new DiagramArrow(from.Id, to.Id, port, path, lx, ly - 6 + offset, false);
        }

        if (designer && to.X + to.Width <= from.X)
        {
            // A designer may place the next step to the left: left edge to right edge.
            double x1 = from.X, y1 = from.CenterY, x2 = to.X + to.Width, y2 = to.CenterY;
            var bend = Math.Max(30, (x1 - x2) / 2);
            var path = FormattableString.Invariant($"M {x1:0.#} {y1:0.#} C {x1 - bend:0.#} {y1:0.#}, {x2 + bend:0.#} {y2:0.#}, {x2:0.#} {y2:0.#}");
            var (lx, ly) = Midpoint((x1, y1), (x1 - bend, y1), (x2 + bend, y2), (x2, y2));
            return new DiagramArrow(from.Id, to.Id, port, path, lx, ly - 6 + offset, false);
        }

        if (designer && to.Y + to.Height <= from.Y)
        {
            // Or above: top edge to bottom edge.
            double x1 = from.CenterX, y1 = from.Y, x2 = to.CenterX, y2 = to.Y + to.Height;
            var bend = Math.Max(20, (y1 - y2) / 2);
            var path = FormattableString.Invariant($"M {x1:0.#} {y1:0.#} C {x1:0.#} {y1 - bend:0.#}, {x2:0.#} {y2 + bend:0.#}, {x2:0.#} {y2:0.#}");
            var (lx, ly) = Midpoint((x1, y1), (x1, y1 - bend), (x2, y2 + bend), (x2, y2));
            return new DiagramArrow(from.Id, to.Id, port, path, lx + 4, ly + offset, false);
        }

        // Back to an earlier step (a loop), upwards or leftwards: out of the right edge, round the right of every box, into the right edge.
        double sx = from.X + from.Width, sy = from.CenterY + 8, tx = to.X + to.Width, ty = to.CenterY - 8;
        var outside = right + (LoopRoom * 0.6) + offset;
        var loop = FormattableString.Invariant($"M {sx:0.#} {sy:0.#} C {outside:0.#} {sy:0.#}, {outside:0.#} {ty:0.#}, {tx:0.#} {ty:0.#}");
        var (mx, my) = Midpoint((sx, sy), (outside, sy), (outside, ty), (tx, ty));
        return new DiagramArrow(from.Id, to.Id, port, loop, mx + 4, my, true);
    }

    private static (double X, double Y) Midpoint((double X, double Y) p0, (double X, double Y) p1, (double X, double Y) p2, (double X, double Y) p3) =>
        ((p0.X + (3 * p1.X) + (3 * p2.X) + p3.X) / 8, (p0.Y + (3 * p1.Y) + (3 * p2.Y) + p3.Y) / 8);

    /// <summary>The designer's positions moved into view, or null when any is missing or two boxes would overlap.</summary>
    private static Dictionary<string, (double X, double Y)>? DesignerPositions(List<ActivityNode> activities)
    {
        var found = new Dictionary<string, (double X, double Y)>(StringComparer.Ordinal);
        foreach (var activity in activities)
        {
            if (activity.Json["metadata"]?["designer"]?["position"] is not JsonObject position
                || !TryNumber(position["x"], out var x) || !TryNumber(position["y"], out var y))
            {
                return null;
            }

            found[activity.Id] = (x, y);
        }

        var points = found.Values.ToList();
        for (var i = 0; i < points.Count; i++)
        {
            for (var j = i + 1; j < points.Count; j++)
            {
                if (Math.Abs(points[i].X - points[j].X) < BoxWidth + 10 && Math.Abs(points[i].Y - points[j].Y) < BoxHeight + 10)
                {
                    return null;
                }
            }
        }

        if (found.Count == 0)
        {
            return found;
        }

        var minX = points.Min(p => p.X);
        var minY = points.Min(p => p.Y);
        return found.ToDictionary(p => p.Key, p => (p.Value.X - minX + Margin, p.Value.Y - minY + Margin), StringComparer.Ordinal);
    }

    private static bool TryNumber(JsonNode? node, out double value)
    {
        // A value built in code keeps its CLR type (int, decimal…); one parsed from text converts to any number.
        value = node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
            ? double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture)
            : double.NaN;
        return double.IsFinite(value);
    }

    /// <summary>Longest-path layering over the flowchart without its back edges, then rows ordered by their parents' rows.</summary>
    private static Dictionary<string, (double X, double Y)> Layered(WorkflowDefinition definition, List<ActivityNode> activities)
    {
        var ids = activities.Select(a => a.Id).ToList();
        var known = ids.ToHashSet(StringComparer.Ordinal);
        var edges = definition.Connections.Where(c => known.Contains(c.Source) && known.Contains(c.Target)).ToList();
        var back = BackEdges(definition.StartActivityId, ids, edges);
        var forward = edges.Where(e => !back.Contains(e.Index) && e.Source != e.Target).ToList();

        var incoming = ids.ToDictionary(id => id, _ => 0, StringComparer.Ordinal);
        foreach (var edge in forward)
        {
            incoming[edge.Target]++;
        }

        // Kahn's order, starting with the start activity so it sits in the first column.
        var layer = ids.ToDictionary(id => id, _ => 0, StringComparer.Ordinal);
        var ready = new Queue<string>(ids.Where(id => incoming[id] == 0).OrderBy(id => id == definition.StartActivityId ? 0 : 1));
        while (ready.Count > 0)
        {
            var node = ready.Dequeue();
            foreach (var edge in forward.Where(e => e.Source == node))
            {
                layer[edge.Target] = Math.Max(layer[edge.Target], layer[node] + 1);
                if (--incoming[edge.Target] == 0)
                {
                    ready.Enqueue(edge.Target);
                }
            }
        }

        // Each row is centred under the widest; within a row, activities are ordered by where
        // their parents are (barycentre), which keeps branches next to what they come from.
        var index = activities.ToDictionary(a => a.Id, a => a.Index, StringComparer.Ordinal);
        var rows = ids.GroupBy(id => layer[id]).OrderBy(g => g.Key).ToList();
        var widest = rows.Select(r => r.Count()).DefaultIfEmpty(0).Max();
        var x = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var rowMembers in rows)
        {
            var ordered = rowMembers
                .Select(id => (Id: id, Weight: forward.Where(e => e.Target == id && x.ContainsKey(e.Source)).Select(e => x[e.Source]).DefaultIfEmpty(double.MaxValue).Average()))
                .OrderBy(p => p.Weight)
                .ThenBy(p => index[p.Id])
                .ToList();
            var indent = (widest - ordered.Count) * (BoxWidth + ColumnGap) / 2;
            for (var i = 0; i < ordered.Count; i++)
            {
                x[ordered[i].Id] = Margin + indent + (i * (BoxWidth + ColumnGap));
            }
        }

        return ids.ToDictionary(id => id, id => (x[id], Margin + (layer[id] * (BoxHeight + RowGap))), StringComparer.Ordinal);
    }

    /// <summary>Edges that close a cycle, found by a depth-first walk from the start activity and then from anything not yet reached.</summary>
    private static HashSet<int> BackEdges(string? start, List<string> ids, List<FlowConnection> edges)
    {
        var back = new HashSet<int>();
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 = on the walk's path, 2 = done
        var roots = start is null ? ids : ids.OrderBy(id => id == start ? 0 : 1).ToList();
        foreach (var root in roots)
        {
            if (state.ContainsKey(root))
            {
                continue;
            }

            var stack = new Stack<(string Node, IEnumerator<FlowConnection> Edges)>();
            state[root] = 1;
            stack.Push((root, edges.Where(e => e.Source == root).GetEnumerator()));
            while (stack.Count > 0)
            {
                var (node, outgoing) = stack.Peek();
                if (!outgoing.MoveNext())
                {
                    state[node] = 2;
                    stack.Pop();
                    continue;
                }

                var edge = outgoing.Current;
                if (!state.TryGetValue(edge.Target, out var seen))
                {
                    state[edge.Target] = 1;
                    stack.Push((edge.Target, edges.Where(e => e.Source == edge.Target).GetEnumerator()));
                }
                else if (seen == 1)
                {
                    back.Add(edge.Index);
                }
            }
        }

        return back;
    }
}
