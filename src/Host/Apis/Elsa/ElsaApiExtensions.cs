using System.Text.Json.Nodes;
using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Workflows.Definitions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AntiDrugFlow.Host.Apis.Elsa;

/// <summary>Elsa 3's REST API under <c>/elsa/api</c>, so Elsa Studio and Elsa's API client can manage this engine.</summary>
public static class ElsaApiExtensions
{
    public const string BasePath = "/elsa/api";

    /// <summary>The CORS policy of the Elsa routes; it admits only the origins in <c>ElsaApi:Cors:Origins</c> (none by default).</summary>
    public const string CorsPolicy = "elsa-studio";

    public static WebApplicationBuilder AddElsaApi(this WebApplicationBuilder builder)
    {
        var origins = builder.Configuration.GetSection("ElsaApi:Cors:Origins").Get<string[]>() ?? [];
        builder.Services.AddCors(options => options.AddPolicy(CorsPolicy, policy =>
        {
            // A Studio on another origin authenticates with an API key header; the site's cookie is SameSite=Strict and never crosses.
            policy.WithOrigins(origins).AllowAnyHeader().AllowAnyMethod().WithExposedHeaders("Content-Disposition");
        }));
        return builder;
    }

    /// <summary>The Elsa routes, for administrators (the same rule as the engine's own <c>/api</c>).</summary>
    public static WebApplication MapElsaApi(this WebApplication app)
    {
        var elsa = app.MapGroup(BasePath).RequireAuthorization(Policies.EngineAdministration).RequireCors(CorsPolicy);
        elsa.MapElsaWorkflowDefinitionsApi();
        elsa.MapElsaWorkflowDefinitionVersionsApi();
        elsa.MapElsaActivityDescriptorsApi();
        elsa.MapElsaWorkflowInstancesApi();
        return app;
    }

    /// <summary>An optional JSON object body; Elsa's client sends <c>null</c> when it has no request, which counts as none.</summary>
    internal static async Task<(JsonObject? Body, ValidationProblem? Problem)> ReadOptionalObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(text) || text.Trim() == "null")
        {
            return ([], null);
        }

        var (document, errors) = DefinitionReader.ParseObject(text);
        return document is null ? (null, ApiProblems.Invalid(errors, "請求內容有誤")) : (document, null);
    }
}
