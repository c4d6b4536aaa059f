using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AntiDrugFlow.Host.Access;

/// <summary>The sessions ended by signing out, kept server-side so a copied cookie of one stops working.</summary>
public sealed class EndedSessions(NpgsqlDataSource dataSource)
{
    /// <summary>The claim naming a sign-in: it stays the same when the cookie is renewed, and is ended at sign-out.</summary>
    public const string SessionIdClaim = "adf:session";

    public async Task EndAsync(string sessionId, DateTimeOffset at, TimeSpan keep, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO ended_sessions (session_id, ended_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        {
            Parameters = { new() { Value = sessionId }, new() { Value = at.ToUniversalTime() } },
        });
        // Past a session's lifetime its cookie is refused anyway.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM ended_sessions WHERE ended_at < $1") { Parameters = { new() { Value = (at - keep).ToUniversalTime() } } });
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> IsEndedAsync(string sessionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM ended_sessions WHERE session_id = $1)");
        command.Parameters.Add(new NpgsqlParameter { Value = sessionId });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}

/// <summary>
/// Identity's periodic session check (every Security:SessionCheckSeconds) with one more condition: the
/// session was not ended by signing out. A cookie without a session id (made before there were any) is refused.
/// </summary>
public sealed class SessionValidator(
    IOptions<SecurityStampValidatorOptions> options, SignInManager<Account> signInManager, ILoggerFactory logger, EndedSessions ended)
    : SecurityStampValidator<Account>(options, signInManager, logger)
{
    protected override async Task<Account?> VerifySecurityStamp(ClaimsPrincipal? principal)
    {
        var account = await base.VerifySecurityStamp(principal);
        return account is not null
            && principal?.FindFirstValue(EndedSessions.SessionIdClaim) is { } session
            && !await ended.IsEndedAsync(session, CancellationToken.None)
                ? account
                : null;
    }

    /// <summary>A renewed cookie keeps the session id of the one it replaces, so signing out ends every copy.</summary>
    public static Task KeepSessionId(SecurityStampRefreshingPrincipalContext context)
    {
        if (context.CurrentPrincipal?.FindFirst(EndedSessions.SessionIdClaim) is { } current && context.NewPrincipal?.Identity is ClaimsIdentity identity)
        {
            foreach (var fresh in identity.FindAll(EndedSessions.SessionIdClaim).ToList())
            {
                identity.RemoveClaim(fresh);
            }

            identity.AddClaim(new Claim(EndedSessions.SessionIdClaim, current.Value));
        }

        return Task.CompletedTask;
    }
}
