using Microsoft.AspNetCore.Http.HttpResults;

namespace AntiDrugFlow.Host.Access;

/// <summary>What an administrator asks for: a name, the roles the key acts with, and optionally its agency (else the administrator's).</summary>
public sealed record NewApiKey(string? Name, IReadOnlyList<string>? Roles, string? AgencyId);

/// <summary>A created key: the only answer that carries the key itself.</summary>
public sealed record CreatedApiKey(string Id, string Name, string KeyPrefix, IReadOnlyList<string> Roles, string AgencyId, DateTimeOffset CreatedAt, string Key);

/// <summary>Administrators create, list and revoke API keys for machine clients; the checks and the audit are <see cref="ApiKeyAdministration"/>'s, shared with the page.</summary>
public static class ApiKeysApi
{
    public const string Created = ApiKeyAdministration.Created;
    public const string Revoked = ApiKeyAdministration.Revoked;

    public static IEndpointRouteBuilder MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/api/api-keys").WithTags("API keys").RequireAuthorization(Policies.Administrator);
        keys.MapGet("/", ListAsync);
        keys.MapPost("/", CreateAsync);
        keys.MapDelete("/{id}", RevokeAsync);
        return app;
    }

    public static async Task<Ok<IReadOnlyList<ApiKey>>> ListAsync(ApiKeyAdministration keys, CancellationToken cancellationToken) =>
        TypedResults.Ok(await keys.ListAsync(cancellationToken));

    public static async Task<Results<Created<CreatedApiKey>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        NewApiKey request, HttpContext http, ApiKeyAdministration keys, CancellationToken cancellationToken)
    {
        try
        {
            var created = await keys.CreateAsync(http.User, request, cancellationToken);
            return TypedResults.Created($"/api/api-keys/{created.Id}", created);
        }
        catch (ApiKeyRequestException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>(ex.Errors), title: "API 金鑰未建立");
        }
        catch (ApiKeyActionRefusedException ex)
        {
            return Forbidden(ex);
        }
    }

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> RevokeAsync(string id, HttpContext http, ApiKeyAdministration keys, CancellationToken cancellationToken)
    {
        try
        {
            return await keys.RevokeAsync(http.User, id, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();
        }
        catch (ApiKeyActionRefusedException ex)
        {
            return Forbidden(ex);
        }
    }

    private static ProblemHttpResult Forbidden(ApiKeyActionRefusedException refusal) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "沒有權限", detail: refusal.Message);
}
