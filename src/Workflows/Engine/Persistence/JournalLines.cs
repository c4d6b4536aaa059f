using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Persistence;

/// <summary>
/// A step's journal lines as the one JSON array its journal row holds (migration 0012, a json column):
/// <c>[{"at", "activityId", "activityType", "event", "message"}, …]</c> in the order they were written, a null value's key left out.
/// </summary>
internal static class JournalLines
{
    // The lines are stored, not shown in a page: Chinese text is kept as it is rather than escaped to \uXXXX.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(IReadOnlyList<JournalEntry> entries)
    {
        var buffer = new ArrayBufferWriter<byte>(128 * entries.Count);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartArray();
            foreach (var entry in entries)
            {
                writer.WriteStartObject();
                writer.WriteString("at", entry.At);
                WriteIfPresent(writer, "activityId", entry.ActivityId);
                WriteIfPresent(writer, "activityType", entry.ActivityType);
                writer.WriteString("event", entry.Event);
                WriteIfPresent(writer, "message", entry.Message);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Adds the lines of one journal row to <paramref name="into"/>.</summary>
    public static void Read(string instanceId, string json, List<JournalEntry> into)
    {
        using var document = JsonDocument.Parse(json);
        foreach (var line in document.RootElement.EnumerateArray())
        {
            into.Add(new JournalEntry(
                instanceId,
                DateTimeOffset.Parse(line.GetProperty("at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                Optional(line, "activityId"),
                Optional(line, "activityType"),
                line.GetProperty("event").GetString()!,
                Optional(line, "message")));
        }
    }

    private static void WriteIfPresent(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string? Optional(JsonElement line, string name) =>
        line.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
