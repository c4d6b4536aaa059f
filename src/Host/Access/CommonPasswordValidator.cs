using System.Collections.Frozen;
using Microsoft.AspNetCore.Identity;

namespace AntiDrugFlow.Host.Access;

/// <summary>
/// Refuses passwords from the shipped list of common and breached-pattern passwords (common-passwords.txt),
/// compared without case, as typed and with leading and trailing digits and symbols removed, so that
/// "Password12" and "Aa123456789" are refused like "password" and "aa".
/// </summary>
public sealed class CommonPasswordValidator : IPasswordValidator<Account>
{
    /// <summary>The zh-TW message shown next to the password field.</summary>
    public const string Message = "這組密碼太常見或容易被猜到，請改用較長且不易猜到的密碼（例如幾個不相關的詞組成的句子）。";

    private static readonly FrozenSet<string> Common = Load();

    public Task<IdentityResult> ValidateAsync(UserManager<Account> manager, Account user, string? password) =>
        Task.FromResult(password is not null && IsCommon(password)
            ? IdentityResult.Failed(new IdentityError { Code = "PasswordTooCommon", Description = Message })
            : IdentityResult.Success);

    /// <summary>Whether the password, or its letters once the digits and symbols around them are removed, is on the list.</summary>
    public static bool IsCommon(string password)
    {
        var lower = password.ToLowerInvariant();
        if (Common.Contains(lower))
        {
            return true;
        }

        var core = lower.Trim().TrimStart(NotLetters).TrimEnd(NotLetters);
        return core.Length > 0 && Common.Contains(core);
    }

    private static readonly char[] NotLetters = [.. "0123456789!@#$%^&*()-_=+[]{};:'\",.<>/?\\|`~ "];

    private static FrozenSet<string> Load()
    {
        using var stream = typeof(CommonPasswordValidator).Assembly.GetManifestResourceStream("AntiDrugFlow.Host.Access.common-passwords.txt")
            ?? throw new InvalidOperationException("The common-password list is not embedded in the host assembly.");
        using var reader = new StreamReader(stream);
        var entries = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            var entry = line.Trim();
            if (entry.Length > 0 && !entry.StartsWith('#'))
            {
                entries.Add(entry.ToLowerInvariant());
            }
        }

        return entries.ToFrozenSet(StringComparer.Ordinal);
    }
}
