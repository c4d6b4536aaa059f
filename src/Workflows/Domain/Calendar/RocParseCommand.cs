using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AntiDrugFlow.Workflows.Calendar;

/// <summary>The CLI's 「roc parse TEXT」: prints what a 辦理期程 text means as one JSON object.</summary>
public static class RocParseCommand
{
    /// <summary>Exit code when the text is refused.</summary>
    public const int Refused = 2;

    /// <summary>Readable Chinese and a literal '+' in offsets; the output goes to a terminal or a file, never into HTML.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static int Run(string text, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (!RocSchedule.TryParse(text ?? string.Empty, documentRocYear: null, out var schedule, out var error))
        {
            stderr.WriteLine(error);
            return Refused;
        }

        stdout.WriteLine(ToJson(schedule!).ToJsonString(JsonOptions));
        return 0;
    }

    /// <summary>A single step's fields at the top level; several steps under 「steps」.</summary>
    public static JsonObject ToJson(RocSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (schedule.Steps.Count == 1)
        {
            return StepToJson(schedule.Steps[0]);
        }

        var steps = new JsonArray();
        foreach (var step in schedule.Steps)
        {
            steps.Add(StepToJson(step));
        }

        return new JsonObject { ["steps"] = steps };
    }

    private static JsonObject StepToJson(RocScheduleStep step) =>
        JsonSerializer.SerializeToNode(step, JsonOptions)!.AsObject();
}
