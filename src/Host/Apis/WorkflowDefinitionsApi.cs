using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Services;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AntiDrugFlow.Host.Apis;

public sealed record DefinitionVersionView(string Id, string DefinitionId, int Version, string Name, bool IsPublished, bool IsLatest, DateTimeOffset CreatedAt, DateTimeOffset? PublishedAt, DateTimeOffset? RetractedAt)
{
    public static DefinitionVersionView From(DefinitionVersion v) => new(v.Id, v.DefinitionId, v.Version, v.Name, v.IsPublished, v.IsLatest, v.CreatedAt, v.PublishedAt, v.RetractedAt);
}

public sealed record SavedDefinition(DefinitionVersionView Version, IReadOnlyList<DefinitionError> ValidationErrors);

public sealed record StartedInstance(string Id, string DefinitionId, int Version, string Status, string? CorrelationId, string? Fault);

/// <summary>Elsa-shaped definition endpoints: list, get, create, update draft, publish, retract, export, import, versions, run.</summary>
public static class WorkflowDefinitionsApi
{
    public static IEndpointRouteBuilder MapWorkflowDefinitionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/workflow-definitions").WithTags("Workflow definitions");
        api.MapGet("/", ListAsync);
        api.MapGet("/{definitionId}", GetAsync);
        api.MapGet("/{definitionId}/versions", VersionsAsync);
        api.MapGet("/{definitionId}/export", ExportAsync);
        api.MapPost("/", CreateAsync);
        api.MapPost("/validate", ValidateAsync);
        api.MapPost("/import", ImportAsync);
        api.MapPut("/{definitionId}", UpdateDraftAsync);
        api.MapPost("/{definitionId}/publish", PublishAsync);
        api.MapPost("/{definitionId}/retract", RetractAsync);
        api.MapPost("/{definitionId}/execute", ExecuteAsync);
        api.MapPost("/{definitionId}/dispatch", DispatchAsync);
        return app;
    }

    public static async Task<Ok<IReadOnlyList<DefinitionSummary>>> ListAsync(WorkflowDefinitionService definitions, CancellationToken cancellationToken) =>
        TypedResults.Ok(await definitions.Store.ListAsync(cancellationToken));

    public static async Task<Results<Ok<JsonObject>, NotFound, ValidationProblem>> GetAsync(string definitionId, string? version, WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        if (!IsSelector(version ?? "latest"))
        {
            return ApiProblems.Field("version", $"版本「{version}」無效：請用 latest、published 或版本號碼。");
        }

        var found = await definitions.Store.FindAsync(definitionId, version ?? "latest", cancellationToken);
        return found is null ? TypedResults.NotFound() : TypedResults.Ok(WorkflowDefinitionService.Export(found));
    }

    public static async Task<Ok<IEnumerable<DefinitionVersionView>>> VersionsAsync(string definitionId, WorkflowDefinitionService definitions, CancellationToken cancellationToken) =>
        TypedResults.Ok((await definitions.Store.VersionsAsync(definitionId, cancellationToken)).Select(DefinitionVersionView.From));

    public static Task<Results<Ok<JsonObject>, NotFound, ValidationProblem>> ExportAsync(string definitionId, string? version, WorkflowDefinitionService definitions, CancellationToken cancellationToken) =>
        GetAsync(definitionId, version ?? "latest", definitions, cancellationToken);

    /// <summary>Saves a new definition or a new draft; with ?publish=true it is validated and published.</summary>
    public static async Task<Results<Created<SavedDefinition>, ValidationProblem>> CreateAsync(HttpRequest request, bool? publish, WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiProblems.ReadObjectAsync(request, required: true, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var saved = await SaveAsync(body!, publish == true, definitions, cancellationToken);
        return TypedResults.Created($"/api/workflow-definitions/{saved.Version.DefinitionId}", saved);
    }

    public static async Task<Results<Ok<IReadOnlyList<DefinitionError>>, ValidationProblem>> ValidateAsync(HttpRequest request, DefinitionValidator validator, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiProblems.ReadObjectAsync(request, required: true, cancellationToken);
        return problem is not null ? problem : TypedResults.Ok(validator.Load(body!).Errors);
    }

    public static async Task<Results<Ok<DefinitionVersionView>, ValidationProblem>> ImportAsync(HttpRequest request, WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiProblems.ReadObjectAsync(request, required: true, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var (version, _) = await definitions.ImportAsync(body!, cancellationToken);
        return TypedResults.Ok(DefinitionVersionView.From(version));
    }

    public static async Task<Results<Ok<SavedDefinition>, ValidationProblem>> UpdateDraftAsync(string definitionId, HttpRequest request, bool? publish, WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiProblems.ReadObjectAsync(request, required: true, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (body!["definitionId"] is JsonValue given && given.ToString() != definitionId)
        {
            return ApiProblems.Invalid([DefinitionErrorKinds.DefinitionIdChanged.At("$.definitionId", definitionId, given.ToString())]);
        }

        body["definitionId"] = definitionId;
        return TypedResults.Ok(await SaveAsync(body, publish == true, definitions, cancellationToken));
    }

    public static async Task<Ok<DefinitionVersionView>> PublishAsync(string definitionId, WorkflowDefinitionService definitions, CancellationToken cancellationToken) =>
        TypedResults.Ok(DefinitionVersionView.From(await definitions.PublishAsync(definitionId, cancellationToken)));

    public static async Task<Results<NoContent, NotFound>> RetractAsync(string definitionId, WorkflowDefinitionService definitions, CancellationToken cancellationToken) =>
        await definitions.RetractAsync(definitionId, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    /// <summary>Starts an instance and runs it to its first wait before answering.</summary>
    public static async Task<Results<Ok<StartedInstance>, ValidationProblem>> ExecuteAsync(string definitionId, HttpRequest request, WorkflowRuntime runtime, CancellationToken cancellationToken)
    {
        var (input, correlationId, problem) = await StartArgumentsAsync(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var instance = await runtime.StartAsync(definitionId, input, correlationId, cancellationToken);
        return TypedResults.Ok(new StartedInstance(instance.Id, instance.DefinitionId, instance.Version, instance.Status.ToString(), instance.CorrelationId, instance.Fault));
    }

    /// <summary>Accepts an instance durably and answers at once; a background runner runs it.</summary>
    public static async Task<Results<Accepted<StartedInstance>, ValidationProblem>> DispatchAsync(string definitionId, HttpRequest request, WorkflowRuntime runtime, CancellationToken cancellationToken)
    {
        var (input, correlationId, problem) = await StartArgumentsAsync(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var instance = await runtime.DispatchAsync(definitionId, input, correlationId, cancellationToken);
        return TypedResults.Accepted($"/api/workflow-instances/{instance.Id}", new StartedInstance(instance.Id, instance.DefinitionId, instance.Version, instance.Status.ToString(), instance.CorrelationId, null));
    }

    /// <summary>The optional body of execute and dispatch: <c>{"input": {...}, "correlationId": "..."}</c>.</summary>
    private static async Task<(JsonObject? Input, string? CorrelationId, ValidationProblem? Problem)> StartArgumentsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiProblems.ReadObjectAsync(request, required: false, cancellationToken);
        if (problem is not null)
        {
            return (null, null, problem);
        }

        if (body!["input"] is { } input && input is not JsonObject)
        {
            return (null, null, ApiProblems.Field("$.input", $"input 必須是 JSON 物件，不能是{JsonValues.KindName(input)}。"));
        }

        if (body["correlationId"] is { } correlation && (correlation is not JsonValue || correlation.GetValueKind() != System.Text.Json.JsonValueKind.String))
        {
            return (null, null, ApiProblems.Field("$.correlationId", "correlationId 必須是字串。"));
        }

        return (body["input"] as JsonObject, body["correlationId"]?.GetValue<string>(), null);
    }

    private static async Task<SavedDefinition> SaveAsync(JsonObject body, bool publish, WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        if (publish)
        {
            var published = await definitions.SaveAndPublishAsync(body, cancellationToken);
            return new SavedDefinition(DefinitionVersionView.From(published), []);
        }

        var draft = await definitions.SaveDraftAsync(body, cancellationToken);
        return new SavedDefinition(DefinitionVersionView.From(draft.Version), draft.Errors);
    }

    private static bool IsSelector(string selector) => selector is "latest" or "published" || int.TryParse(selector, out _);
}
