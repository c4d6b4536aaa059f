using AntiDrugFlow.Host.Components.Display;
using System.Text.Json.Nodes;
using Xunit;

namespace AntiDrugFlow.Tests.WebPages;

public sealed class LineDiffTests
{
    [Fact]
    public void A_changed_line_is_one_removal_then_one_addition_with_both_line_numbers()
    {
        var diff = LineDiff.Compare("a\nb\nc\n", "a\nB\nc\n");

        Assert.Equal(
            [new DiffLine(DiffKind.Same, 1, 1, "a"), new DiffLine(DiffKind.Removed, 2, null, "b"), new DiffLine(DiffKind.Added, null, 2, "B"), new DiffLine(DiffKind.Same, 3, 3, "c")],
            diff);
    }

    [Fact]
    public void Inserted_and_deleted_lines_keep_the_lines_around_them_in_common()
    {
        var diff = LineDiff.Compare("one\ntwo\nthree\nfour", "zero\none\nthree\nfour\nfive");

        Assert.Equal("+zero one -two three four +five", string.Join(' ', diff.Select(l => l.Kind switch
        {
            DiffKind.Added => "+" + l.Text,
            DiffKind.Removed => "-" + l.Text,
            _ => l.Text,
        })));
        Assert.Equal(5, diff.Last().NewNumber);
    }

    [Fact]
    public void Identical_texts_have_no_changes_and_empty_texts_have_no_lines()
    {
        Assert.All(LineDiff.Compare("x\r\ny", "x\ny"), l => Assert.Equal(DiffKind.Same, l.Kind));
        Assert.Empty(LineDiff.Compare(string.Empty, string.Empty));
        Assert.Equal([DiffKind.Added, DiffKind.Added], LineDiff.Compare(string.Empty, "p\nq").Select(l => l.Kind));
    }

    [Fact]
    public void Pretty_json_puts_an_activity_s_id_type_and_name_first_and_keeps_chinese_readable()
    {
        var node = JsonNode.Parse("""{"metadata":{},"text":{"expression":{"value":"通報","type":"Literal"},"typeName":"String"},"name":"記錄","type":"Elsa.WriteLine","id":"record"}""");

        var text = JsonText.Pretty(node);

        Assert.Equal(["id", "type", "name", "text", "metadata"], JsonNode.Parse(text)!.AsObject().Select(p => p.Key));
        Assert.Contains("\"通報\"", text, StringComparison.Ordinal);
        Assert.Equal(3, JsonText.ActivityIndex("$.root.activities[3].text.expression.value"));
        Assert.Null(JsonText.ActivityIndex("$.variables[0].name"));
    }

    [Fact]
    public void Unchanged_runs_far_from_a_change_are_folded_into_one_row()
    {
        var old = string.Join('\n', Enumerable.Range(1, 20));
        var changed = old.Replace("\n10\n", "\nten\n", StringComparison.Ordinal);

        var rows = LineDiff.Fold(LineDiff.Compare(old, changed), context: 2);

        Assert.Equal(7, rows[0].Skipped);
        Assert.Equal(["8", "9", "10", "ten", "11", "12"], rows.Skip(1).Take(6).Select(r => r.Line!.Text));
        Assert.Equal(8, rows[^1].Skipped);
    }
}
