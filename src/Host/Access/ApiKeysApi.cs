using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Agencies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AntiDrugFlow.Host.Access;

/// <summary>What an administrator asks for: a name, the roles the key acts with, and optionally its agency (else the administrator's).</summary>
public sealed record NewApiKey(string? Name, IReadOnlyList<string>? Roles, string? AgencyId);

/// <summary>A created key: the only answer that carries the key itself.</summary>
public sealed record CreatedApiKey(string Id, string Name, string KeyPrefix, IReadOnlyList<string> Roles, string AgencyId, DateTimeOffset CreatedAt, string Key);

/// <summary>Administrators create, list and revoke API keys for machine clients; every change is audited.</summary>
public static class ApiKeysApi
{
    public const string Created = "api-key.created";
    public const string Revoked = "api-key.revoked";

    public static IEndpointRouteBuilder MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/api/api-keys").WithTags("API keys").RequireAuthorization(Policies.Administrator);
        keys.MapGet("/", ListAsync);
        keys.MapPost("/", CreateAsync);
        keys.MapDelete("/{id}", RevokeAsync);
        return app;
    }

    public static async Task<Ok<IReadOnlyList<ApiKey>>> ListAsync(PostgresApiKeyStore keys, CancellationToken cancellationToken) =>
        TypedResults.Ok(await keys.ListAsync(cancellationToken));

    public static async Task<Results<Created<CreatedApiKey>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        NewApiKey request, HttpContext http, PostgresApiKeyStore keys, IAuditLog audit, AgencyDirectoryProvider agencies, TimeProvider time, CancellationToken cancellationToken)
    {
        if (http.User.IsApiKey())
        {
            return KeyCannotManageKeys();
        }

        var actor = http.Actor();
        var agencyId = string.IsNullOrWhiteSpace(request.AgencyId) ? actor.AgencyId : request.AgencyId.Trim();
        var errors = new Dictionary<string, string[]>();
        var name = request.Name?.Trim() ?? string.Empty;
        if (name.Length is 0 or > 100)
        {
            errors["$.name"] = ["名稱必須是 1 到 100 個字。"];
        }

        var roles = request.Roles ?? [];
        if (roles.Count == 0)
        {
            errors["$.roles"] = ["至少要指定一個角色。"];
        }

        for (var i = 0; i < roles.Count; i++)
        {
            if (!RoleNames.All.Contains(roles[i]))
            {
                errors[$"$.roles[{i}]"] = [$"「{roles[i]}」不是已知的角色；可用的角色：{string.Join("、", RoleNames.All)}。"];
            }
        }

        if (!agencies.Current.TryGet(agencyId, out _))
        {
            errors["$.agencyId"] = [$"機構代碼「{agencyId}」不在機構名錄中。"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "API 金鑰未建立");
        }

        var now = time.GetUtcNow();
        var (key, hash) = PostgresApiKeyStore.NewKey();
        var created = new ApiKey(Guid.CreateVersion7(now).ToString("N"), name, key[..(PostgresApiKeyStore.KeyPrefix.Length + 6)], [.. roles.Distinct(StringComparer.Ordinal)], agencyId, actor.UserId, now, null, null);
        await keys.InsertAsync(created, hash, new AuditEntry(now, actor.UserId, actor.AgencyId, Created, null,
            $"apiKey={created.Id};roles={string.Join(',', created.Roles)};agency={agencyId}"), audit, cancellationToken);
        return TypedResults.Created($"/api/api-keys/{created.Id}",
            new CreatedApiKey(created.Id, created.Name, created.KeyPrefix, created.Roles, created.AgencyId, created.CreatedAt, key));
    }

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> RevokeAsync(string id, HttpContext http, PostgresApiKeyStore keys, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (http.User.IsApiKey())
        {
            return KeyCannotManageKeys();
        }

        var actor = http.Actor();
        var now = time.GetUtcNow();
        return await keys.RevokeAsync(id, actor.UserId, now, new AuditEntry(now, actor.UserId, actor.AgencyId, Revoked, null, $"apiKey={id}"), audit, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.NotFound();
    }

    // A leaked key must not be able to mint more keys or revoke the one that would replace it.
    private static ProblemHttpResult KeyCannotManageKeys() =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "沒有權限", detail: "API 金鑰不能建立或撤銷 API 金鑰，請以系統管理者帳號登入。");
}
