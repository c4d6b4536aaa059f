using System.Globalization;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AntiDrugFlow.Host.Apis.Elsa;

/// <summary>Elsa 3's instance, execution, task and event endpoints, on <see cref="WorkflowRuntime"/> and the instance store.</summary>
public static class ElsaWorkflowInstancesApi
{
    public static IEndpointRouteBuilder MapElsaWorkflowInstancesApi(this IEndpointRouteBuilder app)
    {
        var definitions = app.MapGroup("/workflow-definitions").WithTags("Elsa: execution");
        definitions.MapPost("/{definitionId}/execute", ExecuteAsync);
        definitions.MapPost("/{definitionId}/dispatch", DispatchAsync);
        var instances = app.MapGroup("/workflow-instances").WithTags("Elsa: workflow instances");
        instances.MapPost("/", ListAsync);
        instances.MapGet("/{id}", GetAsync);
        instances.MapGet("/{id}/journal", JournalAsync);
        instances.MapDelete("/{id}", DeleteAsync);
        app.MapPost("/cancel/workflow-instances/{id}", CancelAsync).WithTags("Elsa: workflow instances");
        app.MapPost("/bulk-actions/cancel/workflow-instances", BulkCancelAsync).WithTags("Elsa: workflow instances");
        app.MapPost("/bulk-actions/delete/workflow-instances/by-id", BulkDeleteAsync).WithTags("Elsa: workflow instances");
        app.MapPost("/tasks/{taskId}/complete", CompleteTaskAsync).WithTags("Elsa: tasks");
        app.MapPost("/events/{eventName}/trigger", TriggerEventAsync).WithTags("Elsa: events");
        return app;
    }

    /// <summary>Runs the published version to its first wait and answers with the workflow state.</summary>
    public static async Task<Results<Ok<ElsaExecuteResponse>, NotFound, ValidationProblem>> ExecuteAsync(string definitionId, HttpRequest request, WorkflowRuntime runtime, WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        var (input, correlationId, problem) = await StartArgumentsAsync(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (await definitions.Store.PublishedIdAsync(definitionId, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        var instance = await runtime.StartAsync(definitionId, input, correlationId, cancellationToken);
        return TypedResults.Ok(new ElsaExecuteResponse(State(instance)));
    }

    /// <summary>Accepts the instance durably; a runner takes it.</summary>
    public static async Task<Results<Ok<ElsaDispatchResponse>, NotFound, ValidationProblem>> DispatchAsync(string definitionId, HttpRequest request, WorkflowRuntime runtime, WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        var (input, correlationId, problem) = await StartArgumentsAsync(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (await definitions.Store.PublishedIdAsync(definitionId, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        var instance = await runtime.DispatchAsync(definitionId, input, correlationId, cancellationToken);
        return TypedResults.Ok(new ElsaDispatchResponse(instance.Id));
    }

    public static async Task<Results<Ok<ElsaPage<ElsaWorkflowInstanceSummary>>, ValidationProblem>> ListAsync(ElsaListInstancesRequest? request, PostgresInstanceStore store, CancellationToken cancellationToken)
    {
        request ??= new ElsaListInstancesRequest(null, null, null, null, null, null, null);
        if (request.Page < 0 || request.PageSize is < 1 or > 500)
        {
            return request.Page < 0 ? ApiProblems.Field("$.page", "page 從 0 起算，不能是負數。") : ApiProblems.Field("$.pageSize", "pageSize 必須介於 1 到 500 之間。");
        }

        var definitionIds = (request.DefinitionIds ?? []).Concat(request.DefinitionId is { Length: > 0 } one ? [one] : []).Distinct(StringComparer.Ordinal).ToList();
        if (definitionIds.Count > 1)
        {
            return ApiProblems.Field("$.definitionIds", "一次只能依一個定義代碼篩選。");
        }

        var statuses = Statuses(request).ToList();
        if (statuses.Count > 1)
        {
            return ApiProblems.Field("$.subStatuses", "一次只能依一種狀態篩選：請給一個 subStatuses（Executing、Suspended、Finished、Cancelled、Faulted）。");
        }

        var filter = new InstanceFilter(definitionIds.FirstOrDefault(), statuses.Count == 1 ? statuses[0] : null, request.CorrelationId, request.Page ?? 0, request.PageSize ?? 50);
        var items = await store.ListInstancesAsync(filter, cancellationToken);
        var total = await store.CountInstancesAsync(filter, cancellationToken);
        return TypedResults.Ok(new ElsaPage<ElsaWorkflowInstanceSummary>([.. items.Select(i =>
            new ElsaWorkflowInstanceSummary(i.Id, i.DefinitionId, $"{i.DefinitionId}:v{i.Version}", i.Version, Status(i.Status), SubStatus(i.Status), i.CorrelationId, null,
                i.Fault is null ? 0 : 1, i.CreatedAt, i.UpdatedAt, i.FinishedAt))], total));
    }

    public static async Task<Results<Ok<ElsaWorkflowInstance>, NotFound>> GetAsync(string id, PostgresInstanceStore store, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken) is not { } i)
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(new ElsaWorkflowInstance(i.Id, i.DefinitionId, i.DefinitionVersionId, i.Version, Status(i.Status), SubStatus(i.Status), i.CorrelationId, null,
            i.Fault is null ? 0 : 1, i.CreatedAt, i.UpdatedAt, i.FinishedAt, State(i), i.Parent?.InstanceId));
    }

    public static async Task<Results<Ok<ElsaPage<ElsaExecutionLogRecord>>, NotFound, ValidationProblem>> JournalAsync(string id, int? skip, int? take, PostgresInstanceStore store, CancellationToken cancellationToken)
    {
        if (skip < 0 || take is < 1)
        {
            return skip < 0 ? ApiProblems.Field("skip", "skip 不能是負數。") : ApiProblems.Field("take", "take 必須大於 0。");
        }

        if (await store.GetAsync(id, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        var journal = await store.JournalAsync(id, cancellationToken);
        var records = journal.Select((e, n) => new ElsaExecutionLogRecord(
            $"{id}:{n + 1}", $"{id}:{e.ActivityId}", null, e.ActivityId, e.ActivityType, 1, null, e.ActivityId is null ? null : $"Workflow1:{e.ActivityId}",
            e.At, n + 1, e.Event, e.Message, e.ActivityType ?? "workflow", null));
        return TypedResults.Ok(new ElsaPage<ElsaExecutionLogRecord>([.. records.Skip(skip ?? 0).Take(take ?? int.MaxValue)], journal.Count));
    }

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteAsync(string id, PostgresInstanceStore store, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken) is not { } instance)
        {
            return TypedResults.NotFound();
        }

        return await store.DeleteEndedAsync(id, cancellationToken) ? TypedResults.NoContent() : StillRunning(instance);
    }

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> CancelAsync(string id, WorkflowRuntime runtime, PostgresInstanceStore store, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        return await runtime.CancelAsync(id, "cancelled through the Elsa API", cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "與目前狀態衝突", detail: $"執行個體「{id}」已經結束，不能取消。");
    }

    public static async Task<Results<Ok<ElsaBulkCancelResponse>, ValidationProblem>> BulkCancelAsync(ElsaInstanceIdsRequest request, WorkflowRuntime runtime, CancellationToken cancellationToken)
    {
        if (request.Ids is null)
        {
            return ApiProblems.Field("$.ids", "ids 必須是執行個體代碼的清單。");
        }

        var cancelled = 0;
        foreach (var id in request.Ids.Distinct(StringComparer.Ordinal))
        {
            cancelled += await runtime.CancelAsync(id, "cancelled through the Elsa API", cancellationToken) ? 1 : 0;
        }

        return TypedResults.Ok(new ElsaBulkCancelResponse(cancelled));
    }

    public static async Task<Results<Ok<ElsaBulkDeleteResponse>, ValidationProblem>> BulkDeleteAsync(ElsaInstanceIdsRequest request, PostgresInstanceStore store, CancellationToken cancellationToken)
    {
        if (request.Ids is null)
        {
            return ApiProblems.Field("$.ids", "ids 必須是執行個體代碼的清單。");
        }

        var deleted = 0;
        foreach (var id in request.Ids.Distinct(StringComparer.Ordinal))
        {
            deleted += await store.DeleteEndedAsync(id, cancellationToken) ? 1 : 0;
        }

        return TypedResults.Ok(new ElsaBulkDeleteResponse(deleted));
    }

    /// <summary>Elsa's task completion: <c>{"result": ...}</c>; the task's bookmark is resumed with it.</summary>
    public static async Task<Results<NoContent, NotFound, ProblemHttpResult, ValidationProblem>> CompleteTaskAsync(string taskId, HttpRequest request, WorkflowRuntime runtime, CancellationToken cancellationToken)
    {
        var (body, problem) = await ElsaApiExtensions.ReadOptionalObjectAsync(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var completion = await runtime.CompleteTaskAsync(taskId, body!["result"]?.DeepClone(), cancellationToken);
        return completion.Result switch
        {
            ResumeResult.Resumed => TypedResults.NoContent(),
            ResumeResult.AlreadyResumed => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "與目前狀態衝突", detail: $"工作「{taskId}」已經完成或取消。"),
            _ => TypedResults.NotFound(),
        };
    }

    /// <summary>Elsa's event trigger: <c>{"correlationId", "input"}</c>; answers which instances it resumed.</summary>
    public static async Task<Results<Ok<ElsaEventTriggered>, ValidationProblem>> TriggerEventAsync(string eventName, HttpRequest request, WorkflowRuntime runtime, CancellationToken cancellationToken)
    {
        var (body, problem) = await ElsaApiExtensions.ReadOptionalObjectAsync(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (body!["correlationId"] is { } c && (c is not JsonValue || c.GetValueKind() != System.Text.Json.JsonValueKind.String))
        {
            return ApiProblems.Field("$.correlationId", "correlationId 必須是字串。");
        }

        var resumed = await runtime.TriggerEventAsync(eventName, body["correlationId"]?.GetValue<string>(), (body["input"] ?? body["payload"])?.DeepClone(), cancellationToken);
        return TypedResults.Ok(new ElsaEventTriggered(resumed));
    }

    public static ElsaWorkflowStatus Status(WorkflowStatus status) =>
        status is WorkflowStatus.Running or WorkflowStatus.Suspended ? ElsaWorkflowStatus.Running : ElsaWorkflowStatus.Finished;

    public static ElsaWorkflowSubStatus SubStatus(WorkflowStatus status) => status switch
    {
        WorkflowStatus.Running => ElsaWorkflowSubStatus.Executing,
        WorkflowStatus.Suspended => ElsaWorkflowSubStatus.Suspended,
        WorkflowStatus.Finished => ElsaWorkflowSubStatus.Finished,
        WorkflowStatus.Cancelled => ElsaWorkflowSubStatus.Cancelled,
        _ => ElsaWorkflowSubStatus.Faulted,
    };

    public static ElsaWorkflowState State(WorkflowInstance i)
    {
        var bookmarks = i.Bookmarks.Select(b => new ElsaBookmark(b.Id, BookmarkName(b), b.Id, BookmarkPayload(b), b.ActivityId, $"Workflow1:{b.ActivityId}", b.CorrelationId, b.CreatedAt)).ToList();
        IReadOnlyList<ElsaIncident> incidents = i.Fault is null ? [] : [new ElsaIncident(string.Empty, null, i.Fault, i.UpdatedAt)];
        var variables = new JsonObject();
        foreach (var (name, value) in i.State.Variables)
        {
            variables[name] = value?.DeepClone();
        }

        return new ElsaWorkflowState(i.Id, i.DefinitionId, i.DefinitionVersionId, i.Version, i.CorrelationId, Status(i.Status), SubStatus(i.Status), bookmarks, incidents,
            (JsonObject)i.State.Input.DeepClone(), (JsonObject)i.State.Output.DeepClone(), new JsonObject { ["variables"] = variables }, i.CreatedAt, i.UpdatedAt, i.FinishedAt,
            i.Parent?.InstanceId);
    }

    private static string BookmarkName(Bookmark b) => b.Kind switch
    {
        BookmarkKind.Task => "Elsa.RunTask",
        BookmarkKind.Event => "Elsa.Event",
        BookmarkKind.Workflow => JsonValues.AsString(b.Payload?["activityType"]) ?? "Elsa.ExecuteWorkflow",
        _ => "Elsa.Timer",
    };

    /// <summary>Elsa's bookmark payloads: a task's id and name, an event's name, a timer's due time.</summary>
    private static JsonObject BookmarkPayload(Bookmark b) => b.Kind switch
    {
        BookmarkKind.Task => new JsonObject { ["taskId"] = b.TaskId, ["taskName"] = b.Name },
        BookmarkKind.Event => new JsonObject { ["eventName"] = b.Name },
        BookmarkKind.Workflow => new JsonObject { ["workflowInstanceId"] = b.Name },
        _ => new JsonObject { ["resumeAt"] = b.DueAt?.ToString("O", CultureInfo.InvariantCulture) },
    };

    private static IEnumerable<WorkflowStatus> Statuses(ElsaListInstancesRequest request)
    {
        var fromSub = (request.SubStatuses ?? []).Select(s => s switch
        {
            ElsaWorkflowSubStatus.Suspended => WorkflowStatus.Suspended,
            ElsaWorkflowSubStatus.Finished => WorkflowStatus.Finished,
            ElsaWorkflowSubStatus.Cancelled => WorkflowStatus.Cancelled,
            ElsaWorkflowSubStatus.Faulted => WorkflowStatus.Faulted,
            _ => WorkflowStatus.Running,
        });
        return fromSub.Distinct();
    }

    private static ProblemHttpResult StillRunning(WorkflowInstance instance) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "與目前狀態衝突",
            detail: $"執行個體「{instance.Id}」仍在執行或等待中：請先取消（POST /elsa/api/cancel/workflow-instances/{instance.Id}）再刪除。");

    /// <summary>Elsa's execute and dispatch body: <c>{"input": {...}, "correlationId": "..."}</c>, optional.</summary>
    private static async Task<(JsonObject? Input, string? CorrelationId, ValidationProblem? Problem)> StartArgumentsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (body, problem) = await ElsaApiExtensions.ReadOptionalObjectAsync(request, cancellationToken);
        if (problem is not null)
        {
            return (null, null, problem);
        }

        if (body!["input"] is { } input && input is not JsonObject)
        {
            return (null, null, ApiProblems.Field("$.input", "input 必須是 JSON 物件。"));
        }

        if (body["correlationId"] is { } correlation && (correlation is not JsonValue || correlation.GetValueKind() != System.Text.Json.JsonValueKind.String))
        {
            return (null, null, ApiProblems.Field("$.correlationId", "correlationId 必須是字串。"));
        }

        return ((JsonObject?)body["input"]?.DeepClone(), body["correlationId"]?.GetValue<string>(), null);
    }
}
