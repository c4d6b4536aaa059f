using System.Security.Claims;
using AntiDrugFlow.Workflows.Access;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AntiDrugFlow.Host.Access;

/// <summary>The claims a signed-in user carries in the cookie, and the way back to an <see cref="Actor"/>.</summary>
public static class AccountClaims
{
    /// <summary>The agency the user belongs to (an id of the agency directory).</summary>
    public const string AgencyId = "adf:agency";

    /// <summary>The person's name as administrators entered it, which the pages show instead of the login id.</summary>
    public const string DisplayName = "adf:display-name";

    /// <summary>Present while the password is one an administrator set; see <see cref="PasswordChangeGate"/>.</summary>
    public const string PasswordChangeRequired = "adf:password-change-required";

    /// <summary>The signed-in user must change the password an administrator set before anything else.</summary>
    public static bool MustChangePassword(this ClaimsPrincipal principal) =>
        principal.Identity?.IsAuthenticated == true && principal.HasClaim(PasswordChangeRequired, "true");

    /// <summary>The actor behind a principal, or null when nobody is signed in.</summary>
    public static Actor? ToActor(this ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true
            || principal.FindFirstValue(ClaimTypes.NameIdentifier) is not { } userId
            || principal.FindFirstValue(AgencyId) is not { } agencyId)
        {
            return null;
        }

        var roles = principal.FindAll(ClaimTypes.Role).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        return new Actor(userId, principal.FindFirstValue(ClaimTypes.Name) ?? userId, agencyId, roles);
    }

    /// <summary>The person's name to show (the login id for a session signed in before names were carried).</summary>
    public static string? DisplayNameOf(this ClaimsPrincipal principal) =>
        principal.FindFirstValue(DisplayName) is { Length: > 0 } name ? name : principal.Identity?.Name;

    /// <summary>The signed-in actor of a request, or null for an anonymous one.</summary>
    public static Actor? TryGetActor(this HttpContext context) => context.User.ToActor();

    /// <summary>
    /// The signed-in actor of a request. Endpoints that call it require a signed-in user through a
    /// policy, so an anonymous request reaching it is a wiring mistake rather than a user's.
    /// </summary>
    public static Actor Actor(this HttpContext context) =>
        context.User.ToActor() ?? throw new UnauthorizedAccessException("這項操作需要先登入。");
}

/// <summary>The current request's actor as a service, for code that has no HttpContext at hand.</summary>
public interface ICurrentActor
{
    /// <summary>The signed-in user, or null outside a request or for an anonymous one.</summary>
    Actor? Actor { get; }
}

public sealed class HttpCurrentActor(IHttpContextAccessor accessor) : ICurrentActor
{
    public Actor? Actor => accessor.HttpContext?.User.ToActor();
}

/// <summary>Adds the agency and the roles to Identity's usual claims (id, name, security stamp).</summary>
public sealed class AccountClaimsPrincipalFactory(UserManager<Account> users, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<Account>(users, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(Account user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(AccountClaims.AgencyId, user.AgencyId));
        if (!string.IsNullOrWhiteSpace(user.DisplayName))
        {
            identity.AddClaim(new Claim(AccountClaims.DisplayName, user.DisplayName));
        }
        // A new sign-in is a new session; a renewal keeps the old id (SessionValidator.KeepSessionId).
        identity.AddClaim(new Claim(EndedSessions.SessionIdClaim, Guid.NewGuid().ToString("N")));
        if (user.MustChangePassword)
        {
            // Only an administrator's create or reset sets the mark, and both give the account a new
            // security stamp, so a cookie made before them cannot lack the claim for longer than a session check.
            identity.AddClaim(new Claim(AccountClaims.PasswordChangeRequired, "true"));
        }

        foreach (var role in user.Roles)
        {
            identity.AddClaim(new Claim(Options.ClaimsIdentity.RoleClaimType, role));
        }

        return identity;
    }
}
