using AntiDrugFlow.Workflows.Access;
using Microsoft.AspNetCore.Identity;

namespace AntiDrugFlow.Host.Access;

/// <summary>
/// A user changing their own password: the current one, the new one and, on the page, the new one again.
/// <paramref name="ConfirmPassword"/> null means not asked (the API); the page always sends it.
/// </summary>
public sealed record PasswordChangeRequest(string? CurrentPassword, string? NewPassword, string? ConfirmPassword = null);

/// <summary>
/// Users change their own password, shared by the page (/account/password) and the API
/// (POST /api/account/password). The change, a new security stamp (the user's other sessions end) and
/// its audit entry are saved in one transaction; the session that made the change gets a new cookie.
/// A wrong current password counts towards the lockout as a wrong sign-in does, so a session left open
/// cannot be used to guess it.
/// </summary>
public sealed class PasswordChange(UserManager<Account> users, SignInManager<Account> signIn, TimeProvider time)
{
    /// <exception cref="AccountRequestException">Some field is wrong (currentPassword, newPassword, confirmPassword); the password is unchanged.</exception>
    /// <exception cref="AccountActionRefusedException">Another change of the account was saved in between.</exception>
    public async Task ChangeAsync(Actor actor, PasswordChangeRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var account = await users.FindByIdAsync(actor.UserId) ?? throw new UnauthorizedAccessException("這項操作需要先登入。");
        var now = time.GetUtcNow();
        switch (AccountStatuses.Of(account, now))
        {
            case AccountStatus.LockedOut:
                throw Invalid("currentPassword", "密碼輸入錯誤次數過多，帳號已暫時鎖定。請稍後再試，或請系統管理者解除鎖定。");
            case AccountStatus.Disabled:
                throw Invalid("currentPassword", "這個帳號已由系統管理者停用，不能變更密碼。");
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var current = request.CurrentPassword ?? string.Empty;
        var currentIsRight = false;
        if (current.Length == 0)
        {
            errors["currentPassword"] = ["請輸入目前的密碼。"];
        }
        else if (account.PasswordHash is null || users.PasswordHasher.VerifyHashedPassword(account, account.PasswordHash, current) == PasswordVerificationResult.Failed)
        {
            errors["currentPassword"] = ["目前的密碼不正確。"];
        }
        else
        {
            currentIsRight = true;
        }

        var next = request.NewPassword ?? string.Empty;
        if (next.Length == 0)
        {
            errors["newPassword"] = ["請輸入新密碼。"];
        }
        else if (await AccountAdministration.PasswordPolicyErrorsAsync(users, account, next) is { Length: > 0 } policy)
        {
            errors["newPassword"] = policy;
        }
        else if (currentIsRight && string.Equals(next, current, StringComparison.Ordinal))
        {
            errors["newPassword"] = ["新密碼不能與目前的密碼相同。"];
        }

        if (request.ConfirmPassword is { } confirm && next.Length > 0)
        {
            if (confirm.Length == 0)
            {
                errors["confirmPassword"] = ["請再輸入一次新密碼。"];
            }
            else if (!string.Equals(confirm, next, StringComparison.Ordinal))
            {
                errors["confirmPassword"] = ["兩次輸入的新密碼不一致，請重新輸入。"];
            }
        }

        if (current.Length > 0 && !currentIsRight)
        {
            await CountWrongPasswordAsync(account, errors, now);
        }

        if (errors.Count > 0)
        {
            throw new AccountRequestException(errors);
        }

        var wasRequired = account.MustChangePassword;
        account.PasswordHash = users.PasswordHasher.HashPassword(account, next);
        account.MustChangePassword = false;
        account.AccessFailedCount = 0;
        account.PendingAudit.Add(Entry(account, PostgresAuditLog.Actions.PasswordChanged, now, wasRequired ? "required" : null));
        // A new security stamp ends the account's other sessions at their next check.
        var saved = await users.UpdateSecurityStampAsync(account);
        if (!saved.Succeeded)
        {
            throw new AccountActionRefusedException(string.Join(" ", saved.Errors.Select(e => e.Description)));
        }

        // This session carries the new stamp (and no longer the mark), so it stays signed in.
        await signIn.RefreshSignInAsync(account);
    }

    /// <summary>Counts the failure and, at the limit, locks the account out, saved with its audit entries.</summary>
    private async Task CountWrongPasswordAsync(Account account, Dictionary<string, string[]> errors, DateTimeOffset now)
    {
        var locksOut = account.LockoutEnabled && account.AccessFailedCount + 1 >= users.Options.Lockout.MaxFailedAccessAttempts;
        account.PendingAudit.Add(Entry(account, PostgresAuditLog.Actions.PasswordChangeFailed, now, "wrong current password"));
        if (locksOut)
        {
            account.PendingAudit.Add(Entry(account, PostgresAuditLog.Actions.LockedOut, now, "wrong current password"));
            errors["currentPassword"] = ["目前的密碼不正確；輸入錯誤次數過多，帳號已暫時鎖定。請稍後再試，或請系統管理者解除鎖定。"];
        }

        // A concurrent save of the account refuses this one; the answer is the same wrong password either way.
        await users.AccessFailedAsync(account);
    }

    private static AccountRequestException Invalid(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>The user acts on their own account; the details name it, never a display name.</summary>
    private static AuditEntry Entry(Account account, string action, DateTimeOffset at, string? details) =>
        new(at, account.Id, account.AgencyId, action, null, AccountAdministration.AuditDetails(account, details));
}
