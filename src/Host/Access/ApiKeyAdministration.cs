using System.Security.Claims;
using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Agencies;

namespace AntiDrugFlow.Host.Access;

/// <summary>A key as the administrators' page lists it: the names of its agency and of the accounts that created and revoked it.</summary>
public sealed record ApiKeyListing(ApiKey Key, string? AgencyName, string? CreatedByName, string? RevokedByName);

/// <summary>Bad input, by field as the API names it: <c>$.name</c>, <c>$.roles</c>, <c>$.roles[i]</c>, <c>$.agencyId</c>. Every message is in Traditional Chinese.</summary>
public sealed class ApiKeyRequestException(IReadOnlyDictionary<string, string[]> errors)
    : Exception(string.Join(" ", errors.SelectMany(e => e.Value)))
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}

/// <summary>A request that may not be made by whoever made it, such as a key creating keys.</summary>
public sealed class ApiKeyActionRefusedException(string message) : Exception(message);

/// <summary>
/// API key administration, shared by the API (/api/api-keys) and the page (/admin/api-keys), so both
/// check the same things, answer the same messages and write the same audit entries. Each change is
/// saved together with its audit entry, under the administrator who made it.
/// </summary>
public sealed class ApiKeyAdministration(
    PostgresApiKeyStore keys, PostgresAccountStore accounts, IAuditLog audit, AgencyDirectoryProvider agencies, TimeProvider time)
{
    public const string Created = "api-key.created";
    public const string Revoked = "api-key.revoked";
    public const int NameMaxLength = 100;

    /// <summary>The roles a key can be given, in the order the page lists them.</summary>
    public static IReadOnlyList<string> Roles => RoleNames.All;

    public Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken) => keys.ListAsync(cancellationToken);

    /// <summary>Every key, newest first, with the names a person reads.</summary>
    public async Task<IReadOnlyList<ApiKeyListing>> ListWithNamesAsync(CancellationToken cancellationToken)
    {
        var all = await keys.ListAsync(cancellationToken);
        var userIds = all.Select(k => k.CreatedBy).Concat(all.Select(k => k.RevokedBy).OfType<string>()).Distinct(StringComparer.Ordinal).ToList();
        var names = await accounts.UserNamesAsync(userIds, cancellationToken);
        var directory = agencies.Current;
        return [.. all.Select(k => new ApiKeyListing(
            k,
            directory.TryGet(k.AgencyId, out var agency) ? agency.Name : null,
            names.TryGetValue(k.CreatedBy, out var creator) ? creator : null,
            k.RevokedBy is { } revoker && names.TryGetValue(revoker, out var revokerName) ? revokerName : null))];
    }

    /// <summary>
    /// Creates a key acting with the given roles for the given agency (its id or its full name; the
    /// administrator's when empty). The answer is the only place the key itself ever appears.
    /// </summary>
    /// <exception cref="ApiKeyRequestException">Some field is wrong; every wrong field is named.</exception>
    /// <exception cref="ApiKeyActionRefusedException">The request was made with an API key.</exception>
    public async Task<CreatedApiKey> CreateAsync(ClaimsPrincipal user, NewApiKey request, CancellationToken cancellationToken)
    {
        var actor = PersonOnly(user);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var name = request.Name?.Trim() ?? string.Empty;
        if (name.Length is 0 or > NameMaxLength)
        {
            errors["$.name"] = [$"名稱必須是 1 到 {NameMaxLength} 個字。"];
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

        var agencyId = ResolveAgency(string.IsNullOrWhiteSpace(request.AgencyId) ? actor.AgencyId : request.AgencyId.Trim());
        if (agencyId is null)
        {
            errors["$.agencyId"] = [$"機關「{request.AgencyId?.Trim()}」不在機關名錄中；請填機關代碼或完整名稱。"];
        }

        if (errors.Count > 0)
        {
            throw new ApiKeyRequestException(errors);
        }

        var now = time.GetUtcNow();
        var (key, hash) = PostgresApiKeyStore.NewKey();
        var created = new ApiKey(Guid.CreateVersion7(now).ToString("N"), name, key[..(PostgresApiKeyStore.KeyPrefix.Length + 6)],
            [.. roles.Distinct(StringComparer.Ordinal)], agencyId!, actor.UserId, now, null, null);
        await keys.InsertAsync(created, hash, new AuditEntry(now, actor.UserId, actor.AgencyId, Created, null,
            $"apiKey={created.Id};roles={string.Join(',', created.Roles)};agency={agencyId}"), audit, cancellationToken);
        return new CreatedApiKey(created.Id, created.Name, created.KeyPrefix, created.Roles, created.AgencyId, created.CreatedAt, key);
    }

    /// <summary>Revokes a key and records it; false when there is no such key or it was revoked already.</summary>
    /// <exception cref="ApiKeyActionRefusedException">The request was made with an API key.</exception>
    public async Task<bool> RevokeAsync(ClaimsPrincipal user, string id, CancellationToken cancellationToken)
    {
        var actor = PersonOnly(user);
        var now = time.GetUtcNow();
        return await keys.RevokeAsync(id, actor.UserId, now, new AuditEntry(now, actor.UserId, actor.AgencyId, Revoked, null, $"apiKey={id}"), audit, cancellationToken);
    }

    // A leaked key must not be able to mint more keys or revoke the one that would replace it.
    private static Actor PersonOnly(ClaimsPrincipal user) =>
        user.IsApiKey()
            ? throw new ApiKeyActionRefusedException("API 金鑰不能建立或撤銷 API 金鑰，請以系統管理者帳號登入。")
            : user.ToActor() ?? throw new UnauthorizedAccessException("這項操作需要先登入。");

    /// <summary>An agency's id from its id or, failing that, its full name when exactly one agency has it.</summary>
    private string? ResolveAgency(string idOrName)
    {
        var directory = agencies.Current;
        if (directory.TryGet(idOrName, out var byId))
        {
            return byId.Id;
        }

        var byName = directory.Agencies.Where(a => string.Equals(a.Name, idOrName, StringComparison.Ordinal)).Take(2).ToList();
        return byName.Count == 1 ? byName[0].Id : null;
    }
}
