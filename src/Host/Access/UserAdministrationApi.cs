using System.Text.RegularExpressions;
using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Agencies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace AntiDrugFlow.Host.Access;

public sealed record CreateUserRequest(string? UserName, string? AgencyId, IReadOnlyList<string>? Roles, string? Password);

public sealed record ResetPasswordRequest(string? NewPassword);

public sealed record UserView(
    string Id, string UserName, string AgencyId, string? AgencyName, IReadOnlyList<RoleView> Roles,
    bool IsLockedOut, DateTimeOffset? LockoutEnd, int AccessFailedCount, DateTimeOffset CreatedAt)
{
    public static UserView From(Account account, AgencyDirectory directory, DateTimeOffset now)
    {
        directory.TryGet(account.AgencyId, out var agency);
        return new UserView(
            account.Id, account.UserName, account.AgencyId, agency?.Name, [.. account.Roles.Select(RoleView.From)],
            account.LockoutEnabled && account.LockoutEnd > now, account.LockoutEnd, account.AccessFailedCount, account.CreatedAt);
    }
}

/// <summary>Administrators manage accounts: list, create, lock, unlock, reset a password. Every change is audited.</summary>
public static partial class UserAdministrationApi
{
    public static IEndpointRouteBuilder MapUserAdministrationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/admin/users").WithTags("User administration").RequireAuthorization(Policies.Administrator);
        api.MapGet("/", ListAsync);
        api.MapPost("/", CreateAsync);
        api.MapPost("/{id}/lock", LockAsync);
        api.MapPost("/{id}/unlock", UnlockAsync);
        api.MapPost("/{id}/reset-password", ResetPasswordAsync);
        return app;
    }

    public static async Task<Ok<IReadOnlyList<UserView>>> ListAsync(string? agencyId, PostgresAccountStore store, AgencyDirectoryProvider agencies, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var accounts = await store.ListAsync(string.IsNullOrWhiteSpace(agencyId) ? null : agencyId.Trim(), cancellationToken);
        return TypedResults.Ok<IReadOnlyList<UserView>>([.. accounts.Select(a => UserView.From(a, agencies.Current, now))]);
    }

    public static async Task<Results<Created<UserView>, ValidationProblem>> CreateAsync(
        CreateUserRequest request, HttpContext http, UserManager<Account> users, AgencyDirectoryProvider agencies, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var userName = request.UserName?.Trim() ?? string.Empty;
        if (userName.Length == 0)
        {
            errors["$.userName"] = ["請輸入帳號。"];
        }
        else if (!UserNamePattern().IsMatch(userName))
        {
            errors["$.userName"] = ["帳號須為 3 到 64 個字元，只能使用小寫英文字母、數字、句點、連字號與底線，並以字母或數字開頭。"];
        }
        else if (await users.FindByNameAsync(userName) is not null)
        {
            errors["$.userName"] = [$"帳號「{userName}」已有人使用。"];
        }

        var agencyId = request.AgencyId?.Trim() ?? string.Empty;
        if (agencyId.Length == 0)
        {
            errors["$.agencyId"] = ["請指定所屬機關。"];
        }
        else if (!agencies.Current.TryGet(agencyId, out _))
        {
            errors["$.agencyId"] = [$"機關代碼「{agencyId}」不在機關名錄中。"];
        }

        var roles = request.Roles ?? [];
        if (roles.Count == 0)
        {
            errors["$.roles"] = [$"至少需要一個角色：{string.Join("、", RoleNames.All)}。"];
        }

        for (var i = 0; i < roles.Count; i++)
        {
            if (!RoleNames.All.Contains(roles[i], StringComparer.Ordinal))
            {
                errors[$"$.roles[{i}]"] = [$"「{roles[i]}」不是已知的角色；可用的角色：{string.Join("、", RoleNames.All)}。"];
            }
        }

        var account = new Account { UserName = userName, AgencyId = agencyId };
        account.Roles.UnionWith(roles.Where(r => RoleNames.All.Contains(r, StringComparer.Ordinal)));
        var passwordErrors = await PasswordErrorsAsync(users, account, request.Password);
        if (passwordErrors.Length > 0)
        {
            errors["$.password"] = passwordErrors;
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "請求內容有誤");
        }

        var created = await users.CreateAsync(account, request.Password!);
        if (!created.Succeeded)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["$.userName"] = [.. created.Errors.Select(e => e.Description)] }, title: "請求內容有誤");
        }

        await RecordAsync(http, audit, time, PostgresAuditLog.Actions.UserCreated, account, $"roles={string.Join(',', account.Roles)}", cancellationToken);
        return TypedResults.Created($"/api/admin/users/{account.Id}", UserView.From(account, agencies.Current, time.GetUtcNow()));
    }

    /// <summary>Locks until an administrator unlocks, and ends the account's sessions at their next check.</summary>
    public static async Task<Results<Ok<UserView>, NotFound, ValidationProblem>> LockAsync(
        string id, HttpContext http, UserManager<Account> users, AgencyDirectoryProvider agencies, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var account = await users.FindByIdAsync(id);
        if (account is null)
        {
            return TypedResults.NotFound();
        }

        if (account.Id == http.Actor().UserId)
        {
            return Apis.ApiProblems.Field("id", "不能鎖定自己的帳號。");
        }

        account.LockoutEnabled = true;
        account.LockoutEnd = DateTimeOffset.MaxValue;
        // A new security stamp invalidates the cookies already handed out.
        EnsureSucceeded(await users.UpdateSecurityStampAsync(account));
        await RecordAsync(http, audit, time, PostgresAuditLog.Actions.UserLocked, account, null, cancellationToken);
        return TypedResults.Ok(UserView.From(account, agencies.Current, time.GetUtcNow()));
    }

    public static async Task<Results<Ok<UserView>, NotFound>> UnlockAsync(
        string id, HttpContext http, UserManager<Account> users, AgencyDirectoryProvider agencies, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var account = await users.FindByIdAsync(id);
        if (account is null)
        {
            return TypedResults.NotFound();
        }

        account.LockoutEnd = null;
        account.AccessFailedCount = 0;
        EnsureSucceeded(await users.UpdateAsync(account));
        await RecordAsync(http, audit, time, PostgresAuditLog.Actions.UserUnlocked, account, null, cancellationToken);
        return TypedResults.Ok(UserView.From(account, agencies.Current, time.GetUtcNow()));
    }

    /// <summary>Sets a new password chosen by the administrator; the account's other sessions end.</summary>
    public static async Task<Results<NoContent, NotFound, ValidationProblem>> ResetPasswordAsync(
        string id, ResetPasswordRequest request, HttpContext http, UserManager<Account> users, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var account = await users.FindByIdAsync(id);
        if (account is null)
        {
            return TypedResults.NotFound();
        }

        var passwordErrors = await PasswordErrorsAsync(users, account, request.NewPassword);
        if (passwordErrors.Length > 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["$.newPassword"] = passwordErrors }, title: "請求內容有誤");
        }

        // Hash and stamp are saved together, so the account never sits without a password.
        account.PasswordHash = users.PasswordHasher.HashPassword(account, request.NewPassword!);
        account.AccessFailedCount = 0;
        EnsureSucceeded(await users.UpdateSecurityStampAsync(account));
        await RecordAsync(http, audit, time, PostgresAuditLog.Actions.PasswordReset, account, null, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<string[]> PasswordErrorsAsync(UserManager<Account> users, Account account, string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            return ["請輸入密碼。"];
        }

        var errors = new List<string>();
        foreach (var validator in users.PasswordValidators)
        {
            var result = await validator.ValidateAsync(users, account, password);
            errors.AddRange(result.Errors.Select(e => e.Description));
        }

        return [.. errors];
    }

    private static void EnsureSucceeded(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }

    private static Task RecordAsync(HttpContext http, IAuditLog audit, TimeProvider time, string action, Account account, string? details, CancellationToken cancellationToken)
    {
        var actor = http.Actor();
        return audit.RecordAsync(new AuditEntry(time.GetUtcNow(), actor.UserId, actor.AgencyId, action, null, $"account={account.Id};userName={account.UserName}" + (details is null ? string.Empty : ";" + details)), cancellationToken);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{2,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex UserNamePattern();
}
