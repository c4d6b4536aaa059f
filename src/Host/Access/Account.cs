using AntiDrugFlow.Workflows.Access;

namespace AntiDrugFlow.Host.Access;

/// <summary>
/// A person who signs in: one agency, some roles. Mutable because ASP.NET Core Identity changes
/// the object and then asks the store to save it.
/// </summary>
public sealed class Account
{
    public string Id { get; set; } = Guid.NewGuid().ToString("N");

    public string UserName { get; set; } = string.Empty;

    public string NormalizedUserName { get; set; } = string.Empty;

    /// <summary>The name people read (a person's name or a post); the user name stays the sign-in key.</summary>
    public string DisplayName { get; set; } = string.Empty;

    public string AgencyId { get; set; } = string.Empty;

    public string? PasswordHash { get; set; }

    public string SecurityStamp { get; set; } = string.Empty;

    public string ConcurrencyStamp { get; set; } = Guid.NewGuid().ToString("N");

    public bool LockoutEnabled { get; set; } = true;

    public DateTimeOffset? LockoutEnd { get; set; }

    public int AccessFailedCount { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// The password was set by an administrator (at creation or a reset), so someone else knows it: the
    /// user must choose their own before doing anything else. The user's own change clears it.
    /// </summary>
    public bool MustChangePassword { get; set; }

    /// <summary>Canonical role names from <see cref="AntiDrugFlow.Workflows.Access.RoleNames"/>; saved with the account.</summary>
    public SortedSet<string> Roles { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Audit entries the store writes in the same transaction as the account's next save, so that a
    /// change and its record of who made it are committed together or not at all.
    /// </summary>
    internal List<AuditEntry> PendingAudit { get; } = [];
}
