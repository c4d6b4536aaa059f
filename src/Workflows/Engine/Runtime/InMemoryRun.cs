using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Models;

namespace AntiDrugFlow.Workflows.Runtime;

/// <summary>
/// Runs one instance without a database (the command line's "definitions run"): events it publishes to
/// itself are delivered at once; it stops when it finishes, faults, or waits for the outside world.
/// </summary>
public static class InMemoryRun
{
    public static async Task<WorkflowInstance> RunAsync(WorkflowExecutor executor, TimeProvider time, WorkflowDefinition definition, JsonObject? input, Action<string> writeLine, CancellationToken cancellationToken)
    {
        var instance = WorkflowExecutor.NewInstance(definition, input, null, time.GetUtcNow());
        var step = await executor.StartAsync(definition, instance, cancellationToken);
        for (var rounds = 0; rounds < 1_000; rounds++)
        {
            step.Lines.ForEach(writeLine);
            var events = step.Outbox.Where(m => m.Kind == OutboxKinds.Event).ToList();
            var waiting = events
                .SelectMany(e => instance.Bookmarks.Where(b => b.Kind == BookmarkKind.Event && b.Name == JsonValues.AsString(e.Payload["eventName"])).Select(b => (Bookmark: b, Event: e)))
                .FirstOrDefault();
            if (waiting.Bookmark is null || instance.IsEnded)
            {
                break;
            }

            step = await executor.ResumeAsync(definition, instance, waiting.Bookmark.Id, waiting.Event.Payload["payload"]?.DeepClone(), cancellationToken);
        }

        return instance;
    }
}
