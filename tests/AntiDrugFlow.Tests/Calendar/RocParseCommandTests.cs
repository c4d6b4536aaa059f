using System.Text.Json;
using AntiDrugFlow.Workflows.Calendar;
using Xunit;

namespace AntiDrugFlow.Tests.Calendar;

public sealed class RocParseCommandTests
{
    private static (int ExitCode, JsonElement? Json, string Stdout, string Stderr) Run(string text)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exitCode = RocParseCommand.Run(text, stdout, stderr);
        var output = stdout.ToString();
        JsonElement? json = output.Length > 0 ? JsonDocument.Parse(output).RootElement.Clone() : null;
        return (exitCode, json, output, stderr.ToString());
    }

    [Fact]
    public void Deadline_prints_its_due_time_with_the_Taipei_offset()
    {
        var (exitCode, json, stdout, stderr) = Run("106年8月底前");

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, stderr);
        Assert.Single(stdout.TrimEnd().Split('\n'));
        Assert.Equal("2017-08-31T23:59:59+08:00", json!.Value.GetProperty("due").GetString());
        Assert.Equal("deadline", json.Value.GetProperty("kind").GetString());
        Assert.False(json.Value.TryGetProperty("from", out _));
        Assert.False(json.Value.TryGetProperty("steps", out _));
    }

    [Fact]
    public void Period_prints_its_dates()
    {
        var json = Run("107年3月-6月：完成交接").Json!.Value;

        Assert.Equal("2018-03-01", json.GetProperty("from").GetString());
        Assert.Equal("2018-06-30", json.GetProperty("until").GetString());
        Assert.Equal("完成交接", json.GetProperty("label").GetString());
    }

    [Fact]
    public void Done_recurring_ongoing_and_conditional_texts_print_their_own_fields()
    {
        Assert.Equal("2017-05-31", Run("106年5月31日已完成").Json!.Value.GetProperty("doneOn").GetString());
        Assert.Equal(2, Run("每年召開2次以上協調會議").Json!.Value.GetProperty("perYear").GetInt32());
        Assert.True(Run("持續辦理").Json!.Value.GetProperty("ongoing").GetBoolean());
        Assert.Equal("107年預算通過後補助", Run("107年預算通過後補助").Json!.Value.GetProperty("condition").GetString());
    }

    [Fact]
    public void Start_prints_its_first_day_and_no_ongoing_flag_unless_continuing()
    {
        var json = Run("106學年度起實施").Json!.Value;

        Assert.Equal("2017-08-01", json.GetProperty("from").GetString());
        Assert.False(json.TryGetProperty("ongoing", out _));
    }

    [Fact]
    public void Several_steps_print_as_a_list()
    {
        var json = Run("106年下半年：規劃期；107至108年：試辦及建置期；109年起：推廣期").Json!.Value;

        var steps = json.GetProperty("steps");
        Assert.Equal(3, steps.GetArrayLength());
        Assert.Equal("2020-01-01", steps[2].GetProperty("from").GetString());
        Assert.False(json.TryGetProperty("due", out _));
    }

    [Fact]
    public void Refused_text_exits_with_2_and_quotes_the_text_on_stderr()
    {
        var (exitCode, json, stdout, stderr) = Run("明年");

        Assert.Equal(RocParseCommand.Refused, exitCode);
        Assert.Equal(2, exitCode);
        Assert.Null(json);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains("「明年」", stderr, StringComparison.Ordinal);
    }
}
