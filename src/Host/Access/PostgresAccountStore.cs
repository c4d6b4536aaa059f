using AntiDrugFlow.Workflows.Access;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace AntiDrugFlow.Host.Access;

/// <summary>
/// ASP.NET Core Identity's user store on the accounts and account_roles tables. Roles live on the
/// <see cref="Account"/> object until Identity saves it, so an account and its roles are written in one transaction.
/// </summary>
public sealed class PostgresAccountStore(NpgsqlDataSource dataSource, TimeProvider time) :
    IUserPasswordStore<Account>, IUserRoleStore<Account>, IUserLockoutStore<Account>, IUserSecurityStampStore<Account>
{
    private const string SelectAccounts = """
        SELECT a.id, a.user_name, a.normalized_user_name, a.agency_id, a.password_hash, a.security_stamp,
               a.concurrency_stamp, a.lockout_enabled, a.lockout_end, a.access_failed_count, a.created_at,
               coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM account_roles r WHERE r.account_id = a.id), '{}'),
               a.display_name, a.must_change_password
        FROM accounts a
        """;

    public async Task<IdentityResult> CreateAsync(Account user, CancellationToken cancellationToken)
    {
        user.CreatedAt = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = Command(connection, transaction, """
            INSERT INTO accounts (id, user_name, normalized_user_name, agency_id, password_hash, security_stamp,
                                  concurrency_stamp, lockout_enabled, lockout_end, access_failed_count, created_at, display_name, must_change_password)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            ON CONFLICT (normalized_user_name) DO NOTHING
            """,
            user.Id, user.UserName, user.NormalizedUserName, user.AgencyId, user.PasswordHash, user.SecurityStamp,
            user.ConcurrencyStamp, user.LockoutEnabled, user.LockoutEnd, user.AccessFailedCount, user.CreatedAt, user.DisplayName, user.MustChangePassword))
        {
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return IdentityResult.Failed(new ChineseIdentityErrors().DuplicateUserName(user.UserName));
            }
        }

        await WriteRolesAsync(connection, transaction, user, cancellationToken);
        await WritePendingAuditAsync(connection, transaction, user, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        user.PendingAudit.Clear();
        return IdentityResult.Success;
    }

    public async Task<IdentityResult> UpdateAsync(Account user, CancellationToken cancellationToken)
    {
        var expected = user.ConcurrencyStamp;
        var next = Guid.NewGuid().ToString("N");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var update = Command(connection, transaction, """
            UPDATE accounts
            SET user_name = $2, normalized_user_name = $3, agency_id = $4, password_hash = $5, security_stamp = $6,
                concurrency_stamp = $7, lockout_enabled = $8, lockout_end = $9, access_failed_count = $10, display_name = $12,
                must_change_password = $13
            WHERE id = $1 AND concurrency_stamp = $11
            """,
            user.Id, user.UserName, user.NormalizedUserName, user.AgencyId, user.PasswordHash, user.SecurityStamp,
            next, user.LockoutEnabled, user.LockoutEnd, user.AccessFailedCount, expected, user.DisplayName, user.MustChangePassword))
        {
            if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return IdentityResult.Failed(new ChineseIdentityErrors().ConcurrencyFailure());
            }
        }

        await WriteRolesAsync(connection, transaction, user, cancellationToken);
        await WritePendingAuditAsync(connection, transaction, user, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        user.ConcurrencyStamp = next;
        user.PendingAudit.Clear();
        return IdentityResult.Success;
    }

    public async Task<IdentityResult> DeleteAsync(Account user, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var delete = Command(connection, null, "DELETE FROM accounts WHERE id = $1", user.Id);
        await delete.ExecuteNonQueryAsync(cancellationToken);
        return IdentityResult.Success;
    }

    public Task<Account?> FindByIdAsync(string userId, CancellationToken cancellationToken) =>
        FindOneAsync("WHERE a.id = $1", userId, cancellationToken);

    public Task<Account?> FindByNameAsync(string normalizedUserName, CancellationToken cancellationToken) =>
        FindOneAsync("WHERE a.normalized_user_name = $1", normalizedUserName, cancellationToken);

    /// <summary>User names by account id, for the given ids (the audit log records ids); unknown ids are left out.</summary>
    public async Task<IReadOnlyDictionary<string, string>> UserNamesAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return names;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT id, user_name FROM accounts WHERE id = ANY($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            names[reader.GetString(0)] = reader.GetString(1);
        }

        return names;
    }

    /// <summary>The name people read for each account (its display name, else its user name); an id of no account is left out.</summary>
    public async Task<IReadOnlyDictionary<string, string>> DisplayNamesAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return names;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT id, coalesce(nullif(display_name, ''), user_name) FROM accounts WHERE id = ANY($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            names[reader.GetString(0)] = reader.GetString(1);
        }

        return names;
    }

    /// <summary>
    /// The accounts of an agency whose user name or display name contains the given text, ignoring case
    /// (either filter may be null), by user name, for the administrators' list.
    /// </summary>
    public async Task<IReadOnlyList<Account>> ListAsync(string? agencyId, string? nameContains, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, SelectAccounts + """
             WHERE ($1::text IS NULL OR a.agency_id = $1)
               AND ($2::text IS NULL OR strpos(lower(a.user_name), lower($2)) > 0 OR strpos(lower(a.display_name), lower($2)) > 0)
             ORDER BY a.user_name
            """, agencyId, nameContains);
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<IList<Account>> GetUsersInRoleAsync(string normalizedRoleName, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Command(connection, null,
            SelectAccounts + " WHERE EXISTS (SELECT 1 FROM account_roles r WHERE r.account_id = a.id AND r.role = $1) ORDER BY a.user_name",
            Canonical(normalizedRoleName));
        return [.. await ReadAsync(command, cancellationToken)];
    }

    public Task AddToRoleAsync(Account user, string roleName, CancellationToken cancellationToken)
    {
        user.Roles.Add(Canonical(roleName));
        return Task.CompletedTask;
    }

    public Task RemoveFromRoleAsync(Account user, string roleName, CancellationToken cancellationToken)
    {
        user.Roles.Remove(Canonical(roleName));
        return Task.CompletedTask;
    }

    public Task<IList<string>> GetRolesAsync(Account user, CancellationToken cancellationToken) =>
        Task.FromResult<IList<string>>([.. user.Roles]);

    public Task<bool> IsInRoleAsync(Account user, string roleName, CancellationToken cancellationToken) =>
        Task.FromResult(user.Roles.Contains(roleName, StringComparer.OrdinalIgnoreCase));

    public Task<string> GetUserIdAsync(Account user, CancellationToken cancellationToken) => Task.FromResult(user.Id);

    public Task<string?> GetUserNameAsync(Account user, CancellationToken cancellationToken) => Task.FromResult<string?>(user.UserName);

    public Task SetUserNameAsync(Account user, string? userName, CancellationToken cancellationToken)
    {
        user.UserName = userName ?? string.Empty;
        return Task.CompletedTask;
    }

    public Task<string?> GetNormalizedUserNameAsync(Account user, CancellationToken cancellationToken) => Task.FromResult<string?>(user.NormalizedUserName);

    public Task SetNormalizedUserNameAsync(Account user, string? normalizedName, CancellationToken cancellationToken)
    {
        user.NormalizedUserName = normalizedName ?? string.Empty;
        return Task.CompletedTask;
    }

    public Task SetPasswordHashAsync(Account user, string? passwordHash, CancellationToken cancellationToken)
    {
        user.PasswordHash = passwordHash;
        return Task.CompletedTask;
    }

    public Task<string?> GetPasswordHashAsync(Account user, CancellationToken cancellationToken) => Task.FromResult(user.PasswordHash);

    public Task<bool> HasPasswordAsync(Account user, CancellationToken cancellationToken) => Task.FromResult(user.PasswordHash is not null);

    public Task<DateTimeOffset?> GetLockoutEndDateAsync(Account user, CancellationToken cancellationToken) => Task.FromResult(user.LockoutEnd);

    public Task SetLockoutEndDateAsync(Account user, DateTimeOffset? lockoutEnd, CancellationToken cancellationToken)
    {
        user.LockoutEnd = lockoutEnd;
        return Task.CompletedTask;
    }

    public Task<int> IncrementAccessFailedCountAsync(Account user, CancellationToken cancellationToken) => Task.FromResult(++user.AccessFailedCount);

    public Task ResetAccessFailedCountAsync(Account user, CancellationToken cancellationToken)
    {
        user.AccessFailedCount = 0;
        return Task.CompletedTask;
    }

    public Task<int> GetAccessFailedCountAsync(Account user, CancellationToken cancellationToken) => Task.FromResult(user.AccessFailedCount);

    public Task<bool> GetLockoutEnabledAsync(Account user, CancellationToken cancellationToken) => Task.FromResult(user.LockoutEnabled);

    public Task SetLockoutEnabledAsync(Account user, bool enabled, CancellationToken cancellationToken)
    {
        user.LockoutEnabled = enabled;
        return Task.CompletedTask;
    }

    public Task SetSecurityStampAsync(Account user, string stamp, CancellationToken cancellationToken)
    {
        user.SecurityStamp = stamp;
        return Task.CompletedTask;
    }

    public Task<string?> GetSecurityStampAsync(Account user, CancellationToken cancellationToken) => Task.FromResult<string?>(user.SecurityStamp);

    public void Dispose()
    {
        // The data source is shared and owned by the container.
    }

    /// <summary>Identity hands roles over upper-cased; the tables keep the names RoleNames defines.</summary>
    private static string Canonical(string roleName) =>
        RoleNames.All.FirstOrDefault(r => string.Equals(r, roleName, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"「{roleName}」不是已知的角色。", nameof(roleName));

    private static async Task WriteRolesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Account user, CancellationToken cancellationToken)
    {
        await using var replace = Command(connection, transaction, """
            WITH wanted AS (SELECT unnest($2::text[]) AS role),
                 removed AS (DELETE FROM account_roles WHERE account_id = $1 AND role <> ALL ($2::text[]))
            INSERT INTO account_roles (account_id, role)
            SELECT $1, role FROM wanted
            ON CONFLICT DO NOTHING
            """, user.Id, user.Roles.ToArray());
        await replace.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task WritePendingAuditAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Account user, CancellationToken cancellationToken)
    {
        foreach (var entry in user.PendingAudit)
        {
            await PostgresAuditLog.InsertAsync(entry, connection, transaction, cancellationToken);
        }
    }

    private async Task<Account?> FindOneAsync(string where, string value, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, SelectAccounts + " " + where, value);
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    private static async Task<IReadOnlyList<Account>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var accounts = new List<Account>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var account = new Account
            {
                Id = reader.GetString(0),
                UserName = reader.GetString(1),
                NormalizedUserName = reader.GetString(2),
                AgencyId = reader.GetString(3),
                PasswordHash = reader.IsDBNull(4) ? null : reader.GetString(4),
                SecurityStamp = reader.GetString(5),
                ConcurrencyStamp = reader.GetString(6),
                LockoutEnabled = reader.GetBoolean(7),
                LockoutEnd = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                AccessFailedCount = reader.GetInt32(9),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(10),
                DisplayName = reader.GetString(12),
                MustChangePassword = reader.GetBoolean(13),
            };
            account.Roles.UnionWith(reader.GetFieldValue<string[]>(11));
            accounts.Add(account);
        }

        return accounts;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params object?[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in parameters)
        {
            command.Parameters.Add(value switch
            {
                null => new NpgsqlParameter { Value = DBNull.Value },
                DateTimeOffset at => new NpgsqlParameter { Value = at.ToUniversalTime() },
                _ => new NpgsqlParameter { Value = value },
            });
        }

        return command;
    }
}
