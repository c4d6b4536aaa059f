using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using AntiDrugFlow.Host.Apis;
using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Agencies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace AntiDrugFlow.Host.Access;

public sealed record LoginRequest(string? UserName, string? Password);

public sealed record RoleView(string Name, string DisplayName)
{
    public static RoleView From(string role) => new(role, RoleNames.DisplayName(role));
}

/// <summary>
/// The signed-in user as the pages and the API clients see it. <c>MustChangePassword</c>: the password was
/// set by an administrator, and every other call answers 403 until POST /api/account/password changes it.
/// </summary>
public sealed record MeView(
    string UserId, string UserName, string AgencyId, string? AgencyName, string? AgencyKind, string? CountyCode, IReadOnlyList<RoleView> Roles,
    bool MustChangePassword)
{
    public static MeView From(Actor actor, AgencyDirectory directory, bool mustChangePassword)
    {
        directory.TryGet(actor.AgencyId, out var agency);
        return new MeView(
            actor.UserId, actor.UserName, actor.AgencyId, agency?.Name, agency?.Kind.DisplayName(), agency?.CountyCode,
            [.. RoleNames.All.Where(actor.IsIn).Select(RoleView.From)], mustChangePassword);
    }
}

/// <summary>
/// Sign-in, sign-out, who am I and a change of one's own password, with a session cookie; every attempt
/// goes to the audit log.
/// </summary>
public static class AccountsApi
{
    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/account").WithTags("Account");
        api.MapPost("/login", LoginAsync).AllowAnonymous().RequireRateLimiting(AccessExtensions.LoginRateLimit);
        api.MapPost("/logout", LogoutAsync).AllowAnonymous().AllowBeforePasswordChange();
        api.MapGet("/me", Me).RequireAuthorization(Policies.SignedIn).AllowBeforePasswordChange();
        api.MapPost("/password", ChangePasswordAsync).RequireAuthorization(Policies.SignedIn).AllowBeforePasswordChange();
        return app;
    }

    /// <summary>
    /// Signs in with a name and a password. Wrong passwords do not lock the account: <see cref="SignInThrottle"/> makes
    /// further attempts wait (429 with Retry-After), the same for a name no account has.
    /// </summary>
    public static async Task<Results<Ok<MeView>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        LoginRequest request, HttpContext http, SignInManager<Account> signIn, SignInThrottle throttle, IAuditLog audit, AgencyDirectoryProvider agencies,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.UserName))
        {
            errors["$.userName"] = ["請輸入帳號。"];
        }

        if (string.IsNullOrEmpty(request.Password))
        {
            errors["$.password"] = ["請輸入密碼。"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "請求內容有誤");
        }

        var userName = request.UserName!.Trim();
        var address = http.Connection.RemoteIpAddress;
        var account = await signIn.UserManager.FindByNameAsync(userName);
        if (await throttle.RefusedUntilAsync(userName, address, cancellationToken) is { } until)
        {
            // No password is checked and nothing is counted, so the wait ends when it says; the answer names no account.
            await audit.RecordAsync(
                account is null
                    ? new AuditEntry(time.GetUtcNow(), "(unknown)", "(unknown)", PostgresAuditLog.Actions.SignInThrottled, null, $"userName={Shorten(userName)}")
                    : new AuditEntry(time.GetUtcNow(), account.Id, account.AgencyId, PostgresAuditLog.Actions.SignInThrottled, null, null),
                cancellationToken);
            var seconds = (int)Math.Ceiling((until - time.GetUtcNow()).TotalSeconds);
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(
                title: "嘗試次數過多",
                detail: $"登入失敗次數過多，請於 {Math.Max(1, (seconds + 59) / 60)} 分鐘後再試。",
                statusCode: StatusCodes.Status429TooManyRequests);
        }

        if (account is null)
        {
            // Hashing anyway makes an unknown name take as long as a wrong password, so timing does not tell which names exist.
            signIn.UserManager.PasswordHasher.HashPassword(new Account(), request.Password!);
            await throttle.FailedAsync(userName, address, cancellationToken);
            // The attempted name is kept (cut short) so that guessing shows in the log; it is a login name, not a minor's data.
            await audit.RecordAsync(new AuditEntry(time.GetUtcNow(), "(unknown)", "(unknown)", PostgresAuditLog.Actions.SignInFailed, null, $"userName={Shorten(userName)}"), cancellationToken);
            return WrongCredentials();
        }

        // Wrong sign-in passwords are throttled, not counted towards Identity's lockout (which only guessing the current
        // password in a signed-in session, or an administrator, sets).
        var result = await signIn.PasswordSignInAsync(account, request.Password!, isPersistent: false, lockoutOnFailure: false);
        var now = time.GetUtcNow();
        if (result.Succeeded)
        {
            await throttle.SucceededAsync(userName, address, cancellationToken);
            await audit.RecordAsync(new AuditEntry(now, account.Id, account.AgencyId, PostgresAuditLog.Actions.SignedIn, null, null), cancellationToken);
            var actor = new Actor(account.Id, account.UserName, account.AgencyId, account.Roles.ToHashSet(StringComparer.Ordinal));
            return TypedResults.Ok(MeView.From(actor, agencies.Current, account.MustChangePassword));
        }

        if (result.IsLockedOut)
        {
            // Only someone who knows the password learns that the account is locked or disabled: anyone else gets the answer an
            // unknown name gets, so the answer cannot be used to find which names exist. (A locked sign-in checks no password,
            // so this check also keeps its time that of an unknown name's.)
            if (!await signIn.UserManager.CheckPasswordAsync(account, request.Password!))
            {
                await throttle.FailedAsync(userName, address, cancellationToken);
                await audit.RecordAsync(new AuditEntry(now, account.Id, account.AgencyId, PostgresAuditLog.Actions.SignInFailed, null, "wrong password"), cancellationToken);
                return WrongCredentials();
            }

            await audit.RecordAsync(new AuditEntry(now, account.Id, account.AgencyId, PostgresAuditLog.Actions.SignInWhileLockedOut, null, null), cancellationToken);
            if (AccountStatuses.Of(account, now) == AccountStatus.Disabled)
            {
                return TypedResults.Problem(
                    title: "帳號已停用",
                    detail: "這個帳號已由系統管理者停用，無法登入。如需使用，請洽系統管理者。",
                    statusCode: StatusCodes.Status401Unauthorized);
            }

            return TypedResults.Problem(
                title: "帳號已暫時鎖定",
                detail: "變更密碼時目前的密碼輸入錯誤次數過多，帳號已暫時鎖定。請稍後再試，或請系統管理者解除鎖定。",
                statusCode: StatusCodes.Status401Unauthorized);
        }

        await throttle.FailedAsync(userName, address, cancellationToken);
        await audit.RecordAsync(new AuditEntry(now, account.Id, account.AgencyId, PostgresAuditLog.Actions.SignInFailed, null, result.IsNotAllowed ? "not allowed" : "wrong password"), cancellationToken);
        return WrongCredentials();
    }

    public static async Task<NoContent> LogoutAsync(HttpContext http, SignInManager<Account> signIn, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (http.TryGetActor() is { } actor)
        {
            if (http.User.FindFirst(EndedSessions.SessionIdClaim)?.Value is { } session)
            {
                var lifetime = http.RequestServices.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme).ExpireTimeSpan;
                await http.RequestServices.GetRequiredService<EndedSessions>().EndAsync(session, time.GetUtcNow(), lifetime * 2, cancellationToken);
            }

            await signIn.SignOutAsync();
            await audit.RecordAsync(new AuditEntry(time.GetUtcNow(), actor.UserId, actor.AgencyId, PostgresAuditLog.Actions.SignedOut, null, null), cancellationToken);
        }

        return TypedResults.NoContent();
    }

    public static Ok<MeView> Me(HttpContext http, AgencyDirectoryProvider agencies) =>
        TypedResults.Ok(MeView.From(http.Actor(), agencies.Current, http.User.MustChangePassword()));

    /// <summary>
    /// Changes the signed-in user's password (204): <c>{currentPassword, newPassword}</c>, and
    /// <c>confirmPassword</c> when the client asks for the new one twice. The other sessions end; this one
    /// gets a new cookie and is no longer held back by an administrator's password.
    /// </summary>
    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangePasswordAsync(
        PasswordChangeRequest request, HttpContext http, PasswordChange passwords, CancellationToken cancellationToken)
    {
        try
        {
            await passwords.ChangeAsync(http.Actor(), request, cancellationToken);
            return TypedResults.NoContent();
        }
        catch (AccountRequestException ex)
        {
            return TypedResults.ValidationProblem(ex.Errors.ToDictionary(e => "$." + e.Key, e => e.Value), title: "密碼未變更");
        }
        catch (AccountActionRefusedException ex)
        {
            return TypedResults.Problem(title: "密碼未變更", detail: ex.Message, statusCode: StatusCodes.Status409Conflict);
        }
    }

    private static ProblemHttpResult WrongCredentials() =>
        TypedResults.Problem(title: "帳號或密碼不正確", detail: "請確認帳號與密碼後再試一次。", statusCode: StatusCodes.Status401Unauthorized);

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64];
}
