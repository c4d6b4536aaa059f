using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Cases;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AntiDrugFlow.Host.Apis;

public sealed record BookmarkView(string Id, string ActivityId, string Kind, string Name, string? CorrelationId, DateTimeOffset? DueAt, string? TaskId);

public sealed record InstanceView(
    string Id, string DefinitionId, string DefinitionVersionId, int Version, string Status, string? CorrelationId, string? Fault,
    IReadOnlyDictionary<string, JsonNode?> Variables, IReadOnlyList<BookmarkView> Bookmarks, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FinishedAt,
    string? ParentInstanceId = null, string? ParentActivityId = null)
{
    public static InstanceView From(WorkflowInstance i) => new(
        i.Id, i.DefinitionId, i.DefinitionVersionId, i.Version, i.Status.ToString(), i.CorrelationId, i.Fault, i.State.Variables,
        [.. i.Bookmarks.Select(b => new BookmarkView(b.Id, b.ActivityId, b.Kind.ToString(), b.Name, b.CorrelationId, b.DueAt, b.TaskId))],
        i.CreatedAt, i.UpdatedAt, i.FinishedAt, i.Parent?.InstanceId, i.Parent?.ActivityId);
}

public sealed record EventTrigger(string? CorrelationId, JsonNode? Payload);

public sealed record EventTriggered(string EventName, IReadOnlyList<string> ResumedInstances);

/// <summary>Instances, events and tasks, in Elsa's shape.</summary>
public static class WorkflowInstancesApi
{
    public static IEndpointRouteBuilder MapWorkflowInstancesApi(this IEndpointRouteBuilder app)
    {
        var instances = app.MapGroup("/api/workflow-instances").WithTags("Workflow instances");
        instances.MapGet("/", ListAsync);
        instances.MapGet("/{id}", GetAsync);
        instances.MapGet("/{id}/journal", JournalAsync);
        instances.MapPost("/{id}/cancel", CancelAsync);
        app.MapPost("/api/events/{eventName}/trigger", TriggerAsync).WithTags("Events");
        var tasks = app.MapGroup("/api/tasks").WithTags("Tasks");
        tasks.MapGet("/", ListTasksAsync);
        tasks.MapPost("/{taskId}/complete", CompleteTaskAsync);
        return app;
    }

    /// <summary>A page of instances; <paramref name="caseNumber"/> (TIP-115-000001) finds a case's instances as its id (the correlation id) does.</summary>
    public static async Task<Results<Ok<IReadOnlyList<InstanceSummary>>, ValidationProblem>> ListAsync(
        string? definitionId, string? status, string? correlationId, string? caseNumber, int? page, int? pageSize, IWorkflowInstanceQueries store, PostgresCaseStore cases, CancellationToken cancellationToken)
    {
        (correlationId, var caseProblem) = await ApiProblems.CaseIdOfNumberAsync(cases, caseNumber, correlationId, "correlationId", cancellationToken);
        if (caseProblem is not null)
        {
            return caseProblem;
        }

        WorkflowStatus? parsed = null;
        if (status is not null)
        {
            if (!Enum.TryParse<WorkflowStatus>(status, ignoreCase: true, out var value) || int.TryParse(status, out _))
            {
                return ApiProblems.Field("status", $"狀態「{status}」無效：請用 {string.Join("、", Enum.GetNames<WorkflowStatus>())} 之一。");
            }

            parsed = value;
        }

        if (page < 0 || pageSize is < 1 or > 500)
        {
            return ApiProblems.Field(page < 0 ? "page" : "pageSize", page < 0 ? "page 必須是 0 或更大的整數。" : "pageSize 必須介於 1 到 500 之間。");
        }

        return TypedResults.Ok(await store.ListInstancesAsync(new InstanceFilter(definitionId, parsed, correlationId, page ?? 0, pageSize ?? 50), cancellationToken));
    }

    public static async Task<Results<Ok<InstanceView>, NotFound>> GetAsync(string id, IWorkflowInstanceQueries store, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } instance ? TypedResults.Ok(InstanceView.From(instance)) : TypedResults.NotFound();

    public static async Task<Results<Ok<IReadOnlyList<JournalEntry>>, NotFound>> JournalAsync(string id, IWorkflowInstanceQueries store, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is null ? TypedResults.NotFound() : TypedResults.Ok(await store.JournalAsync(id, cancellationToken));

    /// <summary>Cancels an instance; the optional body <c>{"reason": "…"}</c> is written to its journal (and the case's timeline).</summary>
    public static async Task<Results<NoContent, NotFound, Conflict<string>, ValidationProblem>> CancelAsync(string id, HttpRequest request, WorkflowRuntime runtime, IWorkflowInstanceQueries store, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiProblems.ReadObjectAsync(request, required: false, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var reason = body?["reason"] is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) ? text.Trim() : "cancelled through the API";
        if (reason.Length > 500)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = ["取消原因最多 500 字。"] });
        }

        if (await store.GetAsync(id, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        if (request.HttpContext.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } user })
        {
            reason = $"{reason}（{user} 取消）";
        }

        return await runtime.CancelAsync(id, reason, cancellationToken) ? TypedResults.NoContent() : TypedResults.Conflict("the instance has already ended");
    }

    public static async Task<Results<Ok<EventTriggered>, ValidationProblem>> TriggerAsync(string eventName, HttpRequest request, WorkflowRuntime runtime, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiProblems.ReadObjectAsync(request, required: false, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (body!["correlationId"] is { } c && (c is not JsonValue || c.GetValueKind() != System.Text.Json.JsonValueKind.String))
        {
            return ApiProblems.Field("$.correlationId", "correlationId 必須是字串。");
        }

        var resumed = await runtime.TriggerEventAsync(eventName, body["correlationId"]?.GetValue<string>(), body["payload"], cancellationToken);
        return TypedResults.Ok(new EventTriggered(eventName, resumed));
    }

    public static async Task<Results<Ok<IReadOnlyList<HumanTask>>, ValidationProblem>> ListTasksAsync(string? status, string? instanceId, IHumanTaskQueries store, CancellationToken cancellationToken)
    {
        HumanTaskStatus? parsed = null;
        if (status is not null)
        {
            if (!Enum.TryParse<HumanTaskStatus>(status, ignoreCase: true, out var value) || int.TryParse(status, out _))
            {
                return ApiProblems.Field("status", $"狀態「{status}」無效：請用 {string.Join("、", Enum.GetNames<HumanTaskStatus>())} 之一。");
            }

            parsed = value;
        }

        return TypedResults.Ok(await store.ListTasksAsync(parsed, instanceId, cancellationToken));
    }

    public static async Task<Results<Ok<InstanceView>, NotFound, Conflict<string>, ValidationProblem>> CompleteTaskAsync(string taskId, HttpRequest request, WorkflowRuntime runtime, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiProblems.ReadObjectAsync(request, required: false, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var completion = await runtime.CompleteTaskAsync(taskId, body!["result"], cancellationToken);
        return completion.Result switch
        {
            ResumeResult.Resumed => TypedResults.Ok(InstanceView.From(completion.Instance!)),
            ResumeResult.AlreadyResumed => TypedResults.Conflict($"task {taskId} is already {completion.Task?.Status.ToString() ?? "closed"}"),
            _ => TypedResults.NotFound(),
        };
    }
}
