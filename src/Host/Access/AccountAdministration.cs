using AntiDrugFlow.Workflows.Messages;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Agencies;
using Microsoft.AspNetCore.Identity;

namespace AntiDrugFlow.Host.Access;

/// <summary>Whether an account can sign in.</summary>
public enum AccountStatus
{
    /// <summary>啟用: signs in normally.</summary>
    Active,

    /// <summary>停用: an administrator locked it; it stays locked until an administrator unlocks it.</summary>
    Disabled,

    /// <summary>鎖定: too many wrong passwords; it unlocks by itself when the lockout ends, or when an administrator unlocks it.</summary>
    LockedOut,
}

public static class AccountStatuses
{
    /// <summary>An administrator's lock lasts until an unlock: Identity reads a lockout end this far away as "for ever".</summary>
    public static readonly DateTimeOffset DisabledUntil = DateTimeOffset.MaxValue;

    public static AccountStatus Of(Account account, DateTimeOffset now) =>
        !account.LockoutEnabled || account.LockoutEnd is not { } end || end <= now ? AccountStatus.Active
        // The database keeps the far end as 'infinity', which reads back as the largest value, give or take its precision.
        : end >= DisabledUntil.AddDays(-1) ? AccountStatus.Disabled
        : AccountStatus.LockedOut;

    public static string DisplayName(this AccountStatus status) => status switch
    {
        AccountStatus.Active => "啟用",
        AccountStatus.Disabled => "停用",
        AccountStatus.LockedOut => "鎖定",
        _ => status.ToString(),
    };

    /// <summary>The code the API uses: active, disabled, locked-out.</summary>
    public static string Code(this AccountStatus status) => status switch
    {
        AccountStatus.Active => "active",
        AccountStatus.Disabled => "disabled",
        AccountStatus.LockedOut => "locked-out",
        _ => status.ToString(),
    };
}

/// <summary>An account as the administrators see it: its agency by name, its status now, and its latest sign-in when the audit log has one.</summary>
public sealed record AccountSummary(
    string Id, string UserName, string DisplayName, string AgencyId, string? AgencyName, IReadOnlyList<string> Roles,
    AccountStatus Status, DateTimeOffset? LockoutEnd, int AccessFailedCount, DateTimeOffset CreatedAt, DateTimeOffset? LastSignedInAt,
    bool MustChangePassword)
{
    public static AccountSummary From(Account account, AgencyDirectory directory, DateTimeOffset now, DateTimeOffset? lastSignedInAt)
    {
        directory.TryGet(account.AgencyId, out var agency);
        return new AccountSummary(
            account.Id, account.UserName, account.DisplayName, account.AgencyId, agency?.Name, [.. account.Roles],
            AccountStatuses.Of(account, now), account.LockoutEnd, account.AccessFailedCount, account.CreatedAt, lastSignedInAt,
            account.MustChangePassword);
    }
}

/// <summary>What an administrator asks for: an agency (its id or its full name) and a part of the user name or display name; both optional.</summary>
public sealed record AccountFilter(string? Agency = null, string? Name = null);

/// <summary>
/// A new account. <paramref name="Agency"/> is an agency's id or its full name in the directory. With
/// <paramref name="GeneratePassword"/> the service makes the initial password and hands it back once.
/// </summary>
public sealed record NewAccount(string? UserName, string? DisplayName, string? Agency, IReadOnlyList<string>? Roles, string? Password, bool GeneratePassword = false);

/// <summary>The account after a change, and the password the service generated for it, if it did (shown once, never stored in clear).</summary>
public sealed record AccountChange(AccountSummary Account, string? GeneratedPassword);

/// <summary>Bad input, by field: userName, displayName, agencyId, roles, roles[i], password, newPassword. Every message is in Traditional Chinese.</summary>
public sealed class AccountRequestException(IReadOnlyDictionary<string, string[]> errors)
    : Exception(string.Join(" ", errors.SelectMany(e => e.Value)))
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}

/// <summary>A well-formed request that cannot be done, such as an administrator locking their own account.</summary>
public sealed class AccountActionRefusedException(string message) : Exception(message);

/// <summary>
/// Account administration, shared by the API (/api/admin/users) and the pages (/admin/users), so
/// the two cannot drift apart: the same checks, the same messages, the same audit entries. Each
/// change is saved together with its audit entry, under the administrator who made it.
/// </summary>
public sealed partial class AccountAdministration(
    UserManager<Account> users, PostgresAccountStore store, PostgresAuditLog audit, AgencyDirectoryProvider agencies, TimeProvider time)
{
    public const int DisplayNameMaxLength = 50;

    /// <summary>The roles an administrator can give, in the order the pages list them.</summary>
    public static IReadOnlyList<string> Roles => RoleNames.All;

    public async Task<IReadOnlyList<AccountSummary>> ListAsync(AccountFilter filter, CancellationToken cancellationToken)
    {
        string? agencyId = null;
        if (!string.IsNullOrWhiteSpace(filter.Agency))
        {
            agencyId = ResolveAgency(filter.Agency, out var error)?.Id ?? throw new AccountRequestException(new Dictionary<string, string[]> { ["agencyId"] = [error!] });
        }

        var name = string.IsNullOrWhiteSpace(filter.Name) ? null : filter.Name.Trim();
        var accounts = await store.ListAsync(agencyId, name, cancellationToken);
        var signIns = await audit.LastSignInsAsync([.. accounts.Select(a => a.Id)], cancellationToken);
        var now = time.GetUtcNow();
        return [.. accounts.Select(a => AccountSummary.From(a, agencies.Current, now, signIns.TryGetValue(a.Id, out var at) ? at : null))];
    }

    /// <summary>One account, or null when there is none with that id.</summary>
    public async Task<AccountSummary?> FindAsync(string id, CancellationToken cancellationToken)
    {
        var account = await users.FindByIdAsync(id);
        return account is null ? null : await SummaryAsync(account, cancellationToken);
    }

    /// <summary>
    /// An agency of the directory by its id or, failing that, by its full name when exactly one agency
    /// has it; otherwise null and a message saying why.
    /// </summary>
    public Agency? ResolveAgency(string? idOrName, out string? error)
    {
        var text = idOrName?.Trim() ?? string.Empty;
        error = null;
        if (text.Length == 0)
        {
            error = "請指定所屬機關。";
            return null;
        }

        var directory = agencies.Current;
        if (directory.TryGet(text, out var byId))
        {
            return byId;
        }

        var byName = directory.Agencies.Where(a => string.Equals(a.Name, text, StringComparison.Ordinal)).Take(2).ToList();
        switch (byName.Count)
        {
            case 1:
                return byName[0];
            case > 1:
                error = $"機關名錄中有不只一個機關名為「{text}」，請改填機關代碼。";
                return null;
            default:
                error = $"機關「{text}」不在機關名錄中；請填機關代碼或完整名稱。";
                return null;
        }
    }

    /// <exception cref="AccountRequestException">Some field is wrong; every wrong field is named.</exception>
    public async Task<AccountChange> CreateAsync(Actor actor, NewAccount request, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var userName = request.UserName?.Trim() ?? string.Empty;
        if (userName.Length == 0)
        {
            errors["userName"] = ["請輸入帳號。"];
        }
        else if (!UserNamePattern().IsMatch(userName))
        {
            errors["userName"] = ["帳號須為 3 到 64 個字元，只能使用小寫英文字母、數字、句點、連字號與底線，並以字母或數字開頭。"];
        }
        else if (await users.FindByNameAsync(userName) is not null)
        {
            errors["userName"] = [$"帳號「{userName}」已有人使用。"];
        }

        var displayName = request.DisplayName?.Trim() ?? string.Empty;
        if (displayName.Length == 0)
        {
            errors["displayName"] = ["請輸入顯示名稱（使用者的姓名或職稱）。"];
        }
        else if (displayName.Length > DisplayNameMaxLength)
        {
            errors["displayName"] = [$"顯示名稱最多 {DisplayNameMaxLength} 個字，目前有 {displayName.Length} 個字。"];
        }
        else if (TextRules.Problem(displayName, TextShape.SingleLine) is { } problem)
        {
            errors["displayName"] = ["顯示名稱" + problem];
        }

        var agency = ResolveAgency(request.Agency, out var agencyError);
        if (agencyError is not null)
        {
            errors["agencyId"] = [agencyError];
        }

        var roles = request.Roles ?? [];
        if (roles.Count == 0)
        {
            errors["roles"] = ["請至少選擇一個角色。"];
        }

        for (var i = 0; i < roles.Count; i++)
        {
            if (!RoleNames.All.Contains(roles[i], StringComparer.Ordinal))
            {
                errors[$"roles[{i}]"] = [$"「{roles[i]}」不是已知的角色；可用的角色：{string.Join("、", RoleNames.All.Select(RoleLabel))}。"];
            }
        }

        // The administrator knows this password, so the user replaces it at the first sign-in.
        var account = new Account { UserName = userName, DisplayName = displayName, AgencyId = agency?.Id ?? string.Empty, MustChangePassword = true };
        account.Roles.UnionWith(roles.Where(r => RoleNames.All.Contains(r, StringComparer.Ordinal)));
        var (password, passwordErrors) = await ChoosePasswordAsync(account, request.Password, request.GeneratePassword);
        if (passwordErrors.Length > 0)
        {
            errors["password"] = passwordErrors;
        }

        if (errors.Count > 0)
        {
            throw new AccountRequestException(errors);
        }

        account.PendingAudit.Add(Entry(actor, PostgresAuditLog.Actions.UserCreated, account, $"roles={string.Join(',', account.Roles)}"));
        var created = await users.CreateAsync(account, password!);
        if (!created.Succeeded)
        {
            // Another administrator took the name a moment ago, or Identity's own checks refused it.
            throw new AccountRequestException(new Dictionary<string, string[]> { ["userName"] = [.. created.Errors.Select(e => e.Description)] });
        }

        return new AccountChange(await SummaryAsync(account, cancellationToken), request.GeneratePassword ? password : null);
    }

    /// <summary>Locks until an administrator unlocks, and ends the account's sessions at their next check. Null when there is no such account.</summary>
    /// <exception cref="AccountActionRefusedException">The administrator tried to lock their own account.</exception>
    public async Task<AccountSummary?> LockAsync(Actor actor, string id, CancellationToken cancellationToken)
    {
        var account = await users.FindByIdAsync(id);
        if (account is null)
        {
            return null;
        }

        if (account.Id == actor.UserId)
        {
            throw new AccountActionRefusedException("不能停用自己正在使用的帳號；請由另一位系統管理者操作。");
        }

        account.LockoutEnabled = true;
        account.LockoutEnd = AccountStatuses.DisabledUntil;
        account.PendingAudit.Add(Entry(actor, PostgresAuditLog.Actions.UserLocked, account, null));
        // A new security stamp invalidates the cookies already handed out.
        EnsureSucceeded(await users.UpdateSecurityStampAsync(account));
        return await SummaryAsync(account, cancellationToken);
    }

    /// <summary>Lifts an administrator's lock or a lockout after wrong passwords. Null when there is no such account.</summary>
    public async Task<AccountSummary?> UnlockAsync(Actor actor, string id, CancellationToken cancellationToken)
    {
        var account = await users.FindByIdAsync(id);
        if (account is null)
        {
            return null;
        }

        account.LockoutEnd = null;
        account.AccessFailedCount = 0;
        account.PendingAudit.Add(Entry(actor, PostgresAuditLog.Actions.UserUnlocked, account, null));
        EnsureSucceeded(await users.UpdateAsync(account));
        return await SummaryAsync(account, cancellationToken);
    }

    /// <summary>
    /// Sets a new password, chosen by the administrator or generated; the account's other sessions end,
    /// and the user must change the password after signing in with it. Null when there is no such account.
    /// </summary>
    /// <exception cref="AccountRequestException">The new password does not meet the policy (field newPassword).</exception>
    public async Task<AccountChange?> ResetPasswordAsync(Actor actor, string id, string? newPassword, bool generate, CancellationToken cancellationToken)
    {
        var account = await users.FindByIdAsync(id);
        if (account is null)
        {
            return null;
        }

        var (password, passwordErrors) = await ChoosePasswordAsync(account, newPassword, generate);
        if (passwordErrors.Length > 0)
        {
            throw new AccountRequestException(new Dictionary<string, string[]> { ["newPassword"] = passwordErrors });
        }

        // Hash and stamp are saved together, so the account never sits without a password.
        account.PasswordHash = users.PasswordHasher.HashPassword(account, password!);
        account.AccessFailedCount = 0;
        account.MustChangePassword = true;
        account.PendingAudit.Add(Entry(actor, PostgresAuditLog.Actions.PasswordReset, account, null));
        EnsureSucceeded(await users.UpdateSecurityStampAsync(account));
        return new AccountChange(await SummaryAsync(account, cancellationToken), generate ? password : null);
    }

    /// <summary>The password policy in words, for the help text next to a password field.</summary>
    public string PasswordRules
    {
        get
        {
            var policy = users.Options.Password;
            var kinds = new List<string>();
            if (policy.RequireUppercase)
            {
                kinds.Add("大寫英文字母");
            }

            if (policy.RequireLowercase)
            {
                kinds.Add("小寫英文字母");
            }

            if (policy.RequireDigit)
            {
                kinds.Add("數字");
            }

            if (policy.RequireNonAlphanumeric)
            {
                kinds.Add("英數字以外的符號");
            }

            var rules = $"至少 {policy.RequiredLength} 個字元";
            if (kinds.Count > 0)
            {
                rules += $"，須含{string.Join("、", kinds)}";
            }

            if (policy.RequiredUniqueChars > 1)
            {
                rules += $"，至少 {policy.RequiredUniqueChars} 種不同的字元";
            }

            return rules + "，不能是常見或容易猜到的密碼。";
        }
    }

    /// <summary>「學校承辦人（school-staff）」: the name people read, and the code the API takes.</summary>
    public static string RoleLabel(string role) => $"{RoleNames.DisplayName(role)}（{role}）";

    private async Task<AccountSummary> SummaryAsync(Account account, CancellationToken cancellationToken)
    {
        var signIns = await audit.LastSignInsAsync([account.Id], cancellationToken);
        return AccountSummary.From(account, agencies.Current, time.GetUtcNow(), signIns.TryGetValue(account.Id, out var at) ? at : null);
    }

    private async Task<(string? Password, string[] Errors)> ChoosePasswordAsync(Account account, string? password, bool generate)
    {
        if (generate)
        {
            // Validated like a typed one, so a change of the policy cannot make the generator hand out a refused password.
            for (var attempt = 0; attempt < 10; attempt++)
            {
                var generated = GeneratedPassword();
                if ((await PasswordErrorsAsync(account, generated)).Length == 0)
                {
                    return (generated, []);
                }
            }

            throw new InvalidOperationException("The password generator cannot meet the password policy; check the Identity password options.");
        }

        if (string.IsNullOrEmpty(password))
        {
            return (null, ["請輸入密碼，或改由系統產生一組密碼。"]);
        }

        return (password, await PasswordErrorsAsync(account, password));
    }

    private Task<string[]> PasswordErrorsAsync(Account account, string password) => PasswordPolicyErrorsAsync(users, account, password);

    /// <summary>Every password validator's messages (ChineseIdentityErrors), empty when the password meets the policy.</summary>
    internal static async Task<string[]> PasswordPolicyErrorsAsync(UserManager<Account> users, Account account, string password)
    {
        var errors = new List<string>();
        foreach (var validator in users.PasswordValidators)
        {
            var result = await validator.ValidateAsync(users, account, password);
            errors.AddRange(result.Errors.Select(e => e.Description));
        }

        return [.. errors];
    }

    /// <summary>16 characters from letters and digits that cannot be mistaken for one another (no 0/O, 1/l/I), with each kind present.</summary>
    private static string GeneratedPassword()
    {
        const string lower = "abcdefghijkmnpqrstuvwxyz";
        const string upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
        const string digits = "23456789";
        const string all = lower + upper + digits;
        var characters = new char[16];
        characters[0] = lower[RandomNumberGenerator.GetInt32(lower.Length)];
        characters[1] = upper[RandomNumberGenerator.GetInt32(upper.Length)];
        characters[2] = digits[RandomNumberGenerator.GetInt32(digits.Length)];
        for (var i = 3; i < characters.Length; i++)
        {
            characters[i] = all[RandomNumberGenerator.GetInt32(all.Length)];
        }

        RandomNumberGenerator.Shuffle(characters.AsSpan());
        return new string(characters);
    }

    private static void EnsureSucceeded(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            // A concurrency failure: another administrator saved the account in between.
            throw new AccountActionRefusedException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }

    private AuditEntry Entry(Actor actor, string action, Account account, string? details) =>
        new(time.GetUtcNow(), actor.UserId, actor.AgencyId, action, null, AuditDetails(account, details));

    /// <summary>How an audit entry about an account names it: its id and user name, never its display name.</summary>
    internal static string AuditDetails(Account account, string? details) =>
        $"account={account.Id};userName={account.UserName}" + (details is null ? string.Empty : ";" + details);

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{2,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex UserNamePattern();
}
