using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>
/// Starts sub-workflows for Elsa.ExecuteWorkflow, Elsa.DispatchWorkflow and definitions used as activities. The child
/// starts through the outbox once the parent's step has committed, as an instance of its own (own journal) linked to
/// the parent; when the parent waits, a bookmark named by the child's id waits for the child's message.
/// </summary>
public static class ChildWorkflows
{
    /// <summary>
    /// Queues the child's start (with the parent link and when the child should tell the parent) and, when the parent
    /// waits, its bookmark; returns the child's instance id, derived from the start message's key.
    /// </summary>
    public static string Start(ActivityExecutionContext context, string definitionId, JsonObject? input, string? correlationId, ParentWaits waits)
    {
        var childInput = input?.DeepClone().AsObject() ?? [];
        childInput["ParentInstanceId"] = context.Instance.Id; // as Elsa passes it
        var message = context.Enqueue(OutboxKinds.StartWorkflow, new JsonObject
        {
            ["definitionId"] = definitionId,
            ["input"] = childInput,
            ["correlationId"] = correlationId,
            ["parent"] = new JsonObject
            {
                ["instanceId"] = context.Instance.Id,
                ["activityId"] = context.Node.Id,
                ["waits"] = waits.ToString(),
            },
        });
        var childId = WorkflowExecutor.InstanceIdFromKey(message.IdempotencyKey);
        if (waits != ParentWaits.None)
        {
            context.CreateBookmark(BookmarkKind.Workflow, childId, payload: new JsonObject { ["definitionId"] = definitionId, ["waits"] = waits.ToString(), ["activityType"] = context.Node.Type });
        }

        context.Journal("ChildWorkflowRequested", $"{definitionId} ({childId})");
        return childId;
    }

    /// <summary>The link a start message carries, or null for a start without a parent.</summary>
    public static ParentLink? Link(JsonObject payload) =>
        payload["parent"] is JsonObject parent && JsonValues.AsString(parent["instanceId"]) is { } instanceId && JsonValues.AsString(parent["activityId"]) is { } activityId
            ? new ParentLink(instanceId, activityId, Enum.TryParse<ParentWaits>(JsonValues.AsString(parent["waits"]), out var waits) ? waits : ParentWaits.None)
            : null;

    /// <summary>
    /// Reads the child's result on resume: faults the parent when the child could not start (no published version),
    /// journals the child's end, and gives the result.
    /// </summary>
    public static JsonObject Result(ActivityExecutionContext context, Bookmark bookmark, JsonNode? input, InputDescriptor definitionInput)
    {
        var result = input as JsonObject ?? [];
        if (JsonValues.AsString(result["error"]) == "not-published")
        {
            throw new ActivityFaultException(FaultKinds.ChildDefinitionNotPublished, context.Where(definitionInput), JsonValues.AsString(bookmark.Payload?["definitionId"]) ?? string.Empty);
        }

        context.Journal("ChildWorkflowEnded", $"{bookmark.Name}: {JsonValues.AsString(result["subStatus"])}");
        return result;
    }
}
