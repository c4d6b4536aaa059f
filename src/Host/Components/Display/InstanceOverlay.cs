using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Host.Components.Display;

/// <summary>
/// What the designer lays over an instance's diagram (docs/DESIGNER.md): the activities that ran, those waiting
/// with their due time in ROC dates, those that faulted, and each activity's journal entries.
/// </summary>
public static class InstanceOverlay
{
    public static JsonObject Build(WorkflowInstance instance, IReadOnlyList<JournalEntry> journal)
    {
        var nodes = new JsonObject();
        var entries = new JsonObject();
        foreach (var entry in journal.Where(e => e.ActivityId is not null))
        {
            var id = entry.ActivityId!;
            nodes[id] = new JsonObject { ["state"] = entry.Event.Contains("Fault", StringComparison.OrdinalIgnoreCase) ? "faulted" : nodes[id]?["state"]?.GetValue<string>() ?? "executed" };
            if (entries[id] is not JsonArray list)
            {
                entries[id] = list = [];
            }

            list.Add(new JsonObject { ["at"] = Labels.DateTimeWithSeconds(entry.At), ["event"] = Labels.JournalEvent(entry.Event), ["message"] = entry.Message });
        }

        foreach (var waiting in instance.Bookmarks.GroupBy(b => b.ActivityId, StringComparer.Ordinal))
        {
            var due = waiting.Select(b => b.DueAt).OfType<DateTimeOffset>().DefaultIfEmpty().Max();
            nodes[waiting.Key] = new JsonObject
            {
                ["state"] = "waiting",
                ["note"] = due == default ? "等待中" : $"等待中，{Labels.DateTime(due)} 到期",
            };
        }

        return new JsonObject { ["nodes"] = nodes, ["journal"] = entries };
    }
}
