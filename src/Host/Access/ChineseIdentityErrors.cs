using Microsoft.AspNetCore.Identity;

namespace AntiDrugFlow.Host.Access;

/// <summary>Identity's messages in Traditional Chinese, since they reach the administrators' screens.</summary>
public sealed class ChineseIdentityErrors : IdentityErrorDescriber
{
    public override IdentityError DefaultError() => new() { Code = nameof(DefaultError), Description = "發生未知的錯誤。" };

    public override IdentityError ConcurrencyFailure() => new() { Code = nameof(ConcurrencyFailure), Description = "帳號已被其他人同時修改，請重新整理後再試。" };

    public override IdentityError PasswordMismatch() => new() { Code = nameof(PasswordMismatch), Description = "密碼不正確。" };

    public override IdentityError InvalidUserName(string? userName) => new() { Code = nameof(InvalidUserName), Description = $"帳號「{userName}」含有不允許的字元：只能使用小寫英文字母、數字、句點、連字號與底線。" };

    public override IdentityError DuplicateUserName(string userName) => new() { Code = nameof(DuplicateUserName), Description = $"帳號「{userName}」已有人使用。" };

    public override IdentityError UserAlreadyInRole(string role) => new() { Code = nameof(UserAlreadyInRole), Description = $"帳號已有「{RoleDisplay(role)}」角色。" };

    public override IdentityError UserNotInRole(string role) => new() { Code = nameof(UserNotInRole), Description = $"帳號沒有「{RoleDisplay(role)}」角色。" };

    public override IdentityError UserLockoutNotEnabled() => new() { Code = nameof(UserLockoutNotEnabled), Description = "這個帳號未啟用鎖定功能。" };

    public override IdentityError PasswordTooShort(int length) => new() { Code = nameof(PasswordTooShort), Description = $"密碼至少需要 {length} 個字元。" };

    public override IdentityError PasswordRequiresUniqueChars(int uniqueChars) => new() { Code = nameof(PasswordRequiresUniqueChars), Description = $"密碼至少需要 {uniqueChars} 個不同的字元。" };

    public override IdentityError PasswordRequiresNonAlphanumeric() => new() { Code = nameof(PasswordRequiresNonAlphanumeric), Description = "密碼需要至少一個英數字以外的符號。" };

    public override IdentityError PasswordRequiresDigit() => new() { Code = nameof(PasswordRequiresDigit), Description = "密碼需要至少一個數字（0-9）。" };

    public override IdentityError PasswordRequiresLower() => new() { Code = nameof(PasswordRequiresLower), Description = "密碼需要至少一個小寫英文字母（a-z）。" };

    public override IdentityError PasswordRequiresUpper() => new() { Code = nameof(PasswordRequiresUpper), Description = "密碼需要至少一個大寫英文字母（A-Z）。" };

    private static string RoleDisplay(string role) =>
        AntiDrugFlow.Workflows.Access.RoleNames.All.FirstOrDefault(r => string.Equals(r, role, StringComparison.OrdinalIgnoreCase)) is { } known
            ? AntiDrugFlow.Workflows.Access.RoleNames.DisplayName(known)
            : role;
}
