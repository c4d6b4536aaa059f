using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AntiDrugFlow.Host.Access;

/// <summary>
/// Signs a request in with <c>Authorization: ApiKey {key}</c>, as Elsa's API client and Elsa Studio send
/// it. The key's roles become role claims, so the same policies apply as to a person with those roles.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, PostgresApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    /// <summary>The claim that marks a principal signed in by a key (its value is the key's id).</summary>
    public const string ApiKeyClaim = "adf:api-key";

    public static bool IsApiKeyRequest(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith(SchemeName + " ", StringComparison.OrdinalIgnoreCase);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!IsApiKeyRequest(Request))
        {
            return AuthenticateResult.NoResult();
        }

        var key = Request.Headers.Authorization.ToString()[(SchemeName.Length + 1)..].Trim();
        var found = key.Length == 0 ? null : await keys.FindActiveAsync(PostgresApiKeyStore.Hash(key), Context.RequestAborted);
        if (found is null)
        {
            return AuthenticateResult.Fail("The API key is unknown or revoked.");
        }

        var identity = new ClaimsIdentity(SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, "api-key:" + found.Id));
        identity.AddClaim(new Claim(ClaimTypes.Name, found.Name));
        identity.AddClaim(new Claim(AccountClaims.AgencyId, found.AgencyId));
        identity.AddClaim(new Claim(ApiKeyClaim, found.Id));
        foreach (var role in found.Roles)
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, role));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        AccessExtensions.WriteProblemAsync(Context, StatusCodes.Status401Unauthorized, "API 金鑰無效", "這把 API 金鑰不存在或已被撤銷。");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        AccessExtensions.WriteProblemAsync(Context, StatusCodes.Status403Forbidden, "沒有權限", "這把 API 金鑰的角色不能使用這項功能。");
}

public static class ApiKeyExtensions
{
    /// <summary>
    /// The key store and the ApiKey scheme. The site's cookie scheme stays the default and hands a request
    /// that carries an API key to this scheme, so every policy accepts either without naming schemes.
    /// </summary>
    public static IServiceCollection AddApiKeys(this IServiceCollection services)
    {
        services.AddSingleton<PostgresApiKeyStore>();
        services.AddScoped<ApiKeyAdministration>();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.PostConfigure<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme, o =>
            o.ForwardDefaultSelector = context => ApiKeyAuthenticationHandler.IsApiKeyRequest(context.Request) ? ApiKeyAuthenticationHandler.SchemeName : null);
        return services;
    }

    /// <summary>True when the request was signed in with an API key rather than a person's session.</summary>
    public static bool IsApiKey(this ClaimsPrincipal principal) => principal.HasClaim(c => c.Type == ApiKeyAuthenticationHandler.ApiKeyClaim);
}
