using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Services;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AntiDrugFlow.Host.Apis.Elsa;

/// <summary>Elsa 3's version history of one definition: list its versions, and revert to an earlier one.</summary>
public static class ElsaWorkflowDefinitionVersionsApi
{
    public static IEndpointRouteBuilder MapElsaWorkflowDefinitionVersionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/workflow-definitions").WithTags("Elsa: workflow definitions");
        api.MapGet("/{definitionId}/versions", ListAsync);
        api.MapPost("/{definitionId}/revert/{version:int}", RevertAsync);
        return app;
    }

    /// <summary>Every version, newest first, as Elsa answers it: an array of definitions; 404 when the definition has none.</summary>
    public static async Task<Results<Ok<JsonObject[]>, NotFound>> ListAsync(string definitionId, WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        var versions = await definitions.Store.VersionsAsync(definitionId, cancellationToken);
        return versions.Count == 0
            ? TypedResults.NotFound()
            : TypedResults.Ok(versions.OrderByDescending(v => v.Version).Select(ElsaWorkflowDefinitionsApi.Model).ToArray());
    }

    /// <summary>
    /// Elsa's revert: the chosen version's document becomes the latest draft (a new version when the latest is
    /// published, else over the draft), to be published like any draft. Versions already run stay as they are.
    /// </summary>
    public static async Task<Results<Ok<JsonObject>, NotFound>> RevertAsync(string definitionId, int version, WorkflowDefinitionService definitions, CancellationToken cancellationToken)
    {
        var chosen = (await definitions.Store.VersionsAsync(definitionId, cancellationToken)).FirstOrDefault(v => v.Version == version);
        if (chosen is null)
        {
            return TypedResults.NotFound();
        }

        var draft = await definitions.SaveDraftAsync(WorkflowDefinitionService.Export(chosen), cancellationToken);
        return TypedResults.Ok(ElsaWorkflowDefinitionsApi.Model(draft.Version));
    }
}
