using System.Text;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Services;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AntiDrugFlow.Host.Apis.Elsa;

/// <summary>Elsa 3's workflow-definition endpoints, on <see cref="WorkflowDefinitionService"/>.</summary>
public static class ElsaWorkflowDefinitionsApi
{
    private static readonly string[] OrderFields = ["Name", "Version", "CreatedAt"];

    public static IEndpointRouteBuilder MapElsaWorkflowDefinitionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/workflow-definitions").WithTags("Elsa: workflow definitions");
        api.MapGet("/", ListAsync);
        api.MapGet("/by-definition-id/{definitionId}", ByDefinitionIdAsync);
        api.MapGet("/by-id/{id}", ByIdAsync);
        api.MapGet("/query/count", CountAsync);
        api.MapGet("/validation/is-name-unique", IsNameUniqueAsync);
        api.MapPost("/", SaveAsync);
        api.MapPost("/import", ImportAsync);
        api.MapGet("/{definitionId}/export", ExportAsync);
        api.MapPost("/{definitionId}/publish", PublishAsync);
        api.MapPost("/{definitionId}/retract", RetractAsync);
        api.MapDelete("/{definitionId}", DeleteAsync);
        var bulk = app.MapGroup("/bulk-actions").WithTags("Elsa: workflow definitions");
        bulk.MapPost("/publish/workflow-definitions/by-definition-ids", BulkPublishAsync);
        bulk.MapPost("/retract/workflow-definitions/by-definition-ids", BulkRetractAsync);
        bulk.MapPost("/delete/workflow-definitions/by-definition-id", BulkDeleteAsync);
        return app;
    }

    public static async Task<Results<Ok<ElsaPage<ElsaWorkflowDefinitionSummary>>, ValidationProblem>> ListAsync(
        int? page, int? pageSize, string? searchTerm, string? versionOptions, string? orderBy, string? orderDirection, string[]? definitionIds,
        WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        if (!VersionOptions.TryParse(versionOptions, VersionOptions.Latest, out var options))
        {
            return ApiProblems.Field("versionOptions", VersionOptions.Invalid(versionOptions));
        }

        if (page < 0 || pageSize is < 1 or > 1000)
        {
            return page < 0 ? ApiProblems.Field("page", "page 從 0 起算，不能是負數。") : ApiProblems.Field("pageSize", "pageSize 必須介於 1 到 1000 之間。");
        }

        if (orderBy is { Length: > 0 } && !OrderFields.Contains(orderBy, StringComparer.OrdinalIgnoreCase))
        {
            return ApiProblems.Field("orderBy", $"排序欄位「{orderBy}」無效：請用 Name、Version 或 CreatedAt。");
        }

        IEnumerable<DefinitionVersionSummary> versions = (await definitions.Store.ListVersionsAsync(cancellationToken)).Where(options.Matches);
        if (definitionIds is { Length: > 0 })
        {
            versions = versions.Where(v => definitionIds.Contains(v.DefinitionId, StringComparer.Ordinal));
        }

        if (!string.IsNullOrWhiteSpace(searchTerm))
        {
            var term = searchTerm.Trim();
            versions = versions.Where(v => v.Name.Contains(term, StringComparison.OrdinalIgnoreCase) || v.DefinitionId.Contains(term, StringComparison.OrdinalIgnoreCase)
                || v.Id.Contains(term, StringComparison.OrdinalIgnoreCase) || (v.Description?.Contains(term, StringComparison.OrdinalIgnoreCase) ?? false));
        }

        var descending = string.Equals(orderDirection, "Descending", StringComparison.OrdinalIgnoreCase);
        versions = (orderBy?.ToLowerInvariant()) switch
        {
            "name" => descending ? versions.OrderByDescending(v => v.Name, StringComparer.Ordinal) : versions.OrderBy(v => v.Name, StringComparer.Ordinal),
            "version" => descending ? versions.OrderByDescending(v => v.Version) : versions.OrderBy(v => v.Version),
            "createdat" => descending ? versions.OrderByDescending(v => v.CreatedAt) : versions.OrderBy(v => v.CreatedAt),
            _ => versions,
        };

        var all = versions.ToList();
        var selected = pageSize is null ? all : all.Skip((page ?? 0) * pageSize.Value).Take(pageSize.Value).ToList();
        return TypedResults.Ok(new ElsaPage<ElsaWorkflowDefinitionSummary>([.. selected.Select(Summary)], all.Count));
    }

    public static async Task<Results<Ok<JsonObject>, NotFound, ValidationProblem>> ByDefinitionIdAsync(
        string definitionId, string? versionOptions, WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        if (!VersionOptions.TryParse(versionOptions, VersionOptions.Latest, out var options))
        {
            return ApiProblems.Field("versionOptions", VersionOptions.Invalid(versionOptions));
        }

        var found = await FindAsync(definitions, definitionId, options, cancellationToken);
        return found is null ? TypedResults.NotFound() : TypedResults.Ok(Model(found));
    }

    public static async Task<Results<Ok<JsonObject>, NotFound>> ByIdAsync(string id, WorkflowDefinitionService definitions, CancellationToken cancellationToken) =>
        await definitions.Store.GetByIdAsync(id, cancellationToken) is { } found ? TypedResults.Ok(Model(found)) : TypedResults.NotFound();

    public static async Task<Ok<ElsaCountResponse>> CountAsync(WorkflowDefinitionService definitions, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ElsaCountResponse((await definitions.Store.ListAsync(cancellationToken)).Count));

    public static async Task<Results<Ok<ElsaIsNameUniqueResponse>, ValidationProblem>> IsNameUniqueAsync(
        string? name, string? definitionId, WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return ApiProblems.Field("name", "請給要檢查的名稱 name。");
        }

        var taken = (await definitions.Store.ListAsync(cancellationToken))
            .Any(d => d.DefinitionId != definitionId && string.Equals(d.Name, name.Trim(), StringComparison.Ordinal));
        return TypedResults.Ok(new ElsaIsNameUniqueResponse(!taken));
    }

    /// <summary>Elsa's save: <c>{"model": {...}, "publish": bool}</c>; 201 for a new definition, 200 for a new or updated draft of one.</summary>
    public static async Task<Results<Created<JsonObject>, Ok<JsonObject>, ValidationProblem>> SaveAsync(HttpRequest request, WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiProblems.ReadObjectAsync(request, required: true, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (body!["model"] is not JsonObject model)
        {
            return ApiProblems.Field("$.model", "model 必須是工作流程定義（JSON 物件）。");
        }

        if (body["publish"] is { } publishNode && publishNode.GetValueKind() is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False))
        {
            return ApiProblems.Field("$.publish", "publish 必須是 true 或 false。");
        }

        var definitionId = EnsureDefinitionId(model);
        var isNew = await definitions.Store.FindAsync(definitionId, "latest", cancellationToken) is null;
        var saved = body["publish"]?.GetValue<bool>() == true
            ? await definitions.SaveAndPublishAsync(model, cancellationToken)
            : (await definitions.SaveDraftAsync(model, cancellationToken)).Version;
        var answer = Model(saved);
        return isNew ? TypedResults.Created($"{request.PathBase}/elsa/api/workflow-definitions/by-id/{Uri.EscapeDataString(saved.Id)}", answer) : TypedResults.Ok(answer);
    }

    /// <summary>
    /// Elsa's import (a definition as exported). A model marked published is published when it differs from
    /// the published version (an unchanged one is left as it is); any other is saved as the latest draft.
    /// </summary>
    public static async Task<Results<Ok<JsonObject>, ValidationProblem>> ImportAsync(HttpRequest request, WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiProblems.ReadObjectAsync(request, required: true, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        EnsureDefinitionId(body!);
        var imported = body!["isPublished"] is JsonValue published && published.GetValueKind() == System.Text.Json.JsonValueKind.True
            ? (await definitions.ImportAsync(body, cancellationToken)).Version
            : (await definitions.SaveDraftAsync(body, cancellationToken)).Version;
        return TypedResults.Ok(Model(imported));
    }

    public static async Task<Results<FileContentHttpResult, NotFound, ValidationProblem>> ExportAsync(
        string definitionId, string? versionOptions, WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        if (!VersionOptions.TryParse(versionOptions, VersionOptions.Latest, out var options))
        {
            return ApiProblems.Field("versionOptions", VersionOptions.Invalid(versionOptions));
        }

        var found = await FindAsync(definitions, definitionId, options, cancellationToken);
        if (found is null)
        {
            return TypedResults.NotFound();
        }

        var json = WorkflowDefinitionService.Export(found).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        return TypedResults.File(Encoding.UTF8.GetBytes(json), "application/json", $"{found.DefinitionId}.json");
    }

    public static async Task<Ok<JsonObject>> PublishAsync(string definitionId, WorkflowDefinitionService definitions, CancellationToken cancellationToken) =>
        TypedResults.Ok(Model(await definitions.PublishAsync(definitionId, cancellationToken)));

    public static async Task<Results<Ok<JsonObject>, NotFound, ValidationProblem>> RetractAsync(string definitionId, WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        if (await definitions.Store.FindAsync(definitionId, "published", cancellationToken) is null)
        {
            return await definitions.Store.FindAsync(definitionId, "latest", cancellationToken) is null
                ? TypedResults.NotFound()
                : ApiProblems.Field("definitionId", $"工作流程定義「{definitionId}」沒有已發布的版本，無法撤回。");
        }

        await definitions.RetractAsync(definitionId, cancellationToken);
        return TypedResults.Ok(Model((await definitions.Store.FindAsync(definitionId, "latest", cancellationToken))!));
    }

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteAsync(string definitionId, WorkflowDefinitionService definitions, CancellationToken cancellationToken) =>
        await definitions.DeleteAsync(definitionId, cancellationToken) switch
        {
            DefinitionDeletion.Deleted => TypedResults.NoContent(),
            DefinitionDeletion.NotFound => TypedResults.NotFound(),
            _ => HasInstances(definitionId),
        };

    public static async Task<Results<Ok<ElsaBulkPublishResponse>, ValidationProblem>> BulkPublishAsync(ElsaDefinitionIdsRequest request, WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        if (request.DefinitionIds is null)
        {
            return ApiProblems.Field("$.definitionIds", "definitionIds 必須是定義代碼的清單。");
        }

        List<string> published = [], already = [], notFound = [], skipped = [];
        foreach (var id in request.DefinitionIds.Distinct(StringComparer.Ordinal))
        {
            var latest = await definitions.Store.FindAsync(id, "latest", cancellationToken);
            if (latest is null)
            {
                notFound.Add(id);
            }
            else if (latest.IsPublished)
            {
                already.Add(id);
            }
            else
            {
                try
                {
                    await definitions.PublishAsync(id, cancellationToken);
                    published.Add(id);
                }
                catch (DefinitionValidationException)
                {
                    // Elsa reports a definition it could not publish as skipped; its errors come from publishing it alone.
                    skipped.Add(id);
                }
            }
        }

        return TypedResults.Ok(new ElsaBulkPublishResponse(published, already, notFound, skipped, []));
    }

    public static async Task<Results<Ok<ElsaBulkRetractResponse>, ValidationProblem>> BulkRetractAsync(ElsaDefinitionIdsRequest request, WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        if (request.DefinitionIds is null)
        {
            return ApiProblems.Field("$.definitionIds", "definitionIds 必須是定義代碼的清單。");
        }

        List<string> retracted = [], already = [], notFound = [];
        foreach (var id in request.DefinitionIds.Distinct(StringComparer.Ordinal))
        {
            if (await definitions.Store.FindAsync(id, "latest", cancellationToken) is null)
            {
                notFound.Add(id);
            }
            else if (await definitions.RetractAsync(id, cancellationToken))
            {
                retracted.Add(id);
            }
            else
            {
                already.Add(id);
            }
        }

        return TypedResults.Ok(new ElsaBulkRetractResponse(retracted, already, notFound, []));
    }

    public static async Task<Results<Ok<ElsaBulkDeleteResponse>, ValidationProblem>> BulkDeleteAsync(ElsaDefinitionIdsRequest request, WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        if (request.DefinitionIds is null)
        {
            return ApiProblems.Field("$.definitionIds", "definitionIds 必須是定義代碼的清單。");
        }

        var deleted = 0;
        foreach (var id in request.DefinitionIds.Distinct(StringComparer.Ordinal))
        {
            // A definition with instances is kept, as with a single delete.
            if (await definitions.DeleteAsync(id, cancellationToken) == DefinitionDeletion.Deleted)
            {
                deleted++;
            }
        }

        return TypedResults.Ok(new ElsaBulkDeleteResponse(deleted));
    }

    /// <summary>The version that <paramref name="options"/> selects: the highest version among those that match.</summary>
    private static async Task<DefinitionVersion?> FindAsync(WorkflowDefinitionService definitions, string definitionId, VersionOptions options, CancellationToken cancellationToken) =>
        (await definitions.Store.VersionsAsync(definitionId, cancellationToken))
            .FirstOrDefault(v => options.Matches(new DefinitionVersionSummary(v.Id, v.DefinitionId, v.Version, v.Name, null, v.IsPublished, v.IsLatest, v.CreatedAt, v.PublishedAt)));

    /// <summary>Elsa's workflow definition: the stored Elsa-shaped document with the version's flags and its creation time.</summary>
    public static JsonObject Model(DefinitionVersion version)
    {
        var model = WorkflowDefinitionService.Export(version);
        model["createdAt"] = version.CreatedAt;
        model["name"] ??= version.Name;
        return model;
    }

    private static ElsaWorkflowDefinitionSummary Summary(DefinitionVersionSummary v) =>
        new(v.Id, v.DefinitionId, v.Name, v.Description, v.Version, null, v.IsLatest, v.IsPublished, "Default", "Json", v.CreatedAt);

    /// <summary>Elsa creates a definition id when a new model has none; the model's id is then a version id of nothing and is dropped.</summary>
    private static string EnsureDefinitionId(JsonObject model)
    {
        if (model["definitionId"] is JsonValue given && given.TryGetValue<string>(out var text) && text.Length > 0)
        {
            return text;
        }

        var created = Guid.NewGuid().ToString("N");
        model["definitionId"] = created;
        model.Remove("id");
        return created;
    }

    private static ProblemHttpResult HasInstances(string definitionId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "與目前狀態衝突",
            detail: $"工作流程定義「{definitionId}」已有執行個體，刪除會讓它們失去所用的版本：請改為撤回（retract）。");
}
