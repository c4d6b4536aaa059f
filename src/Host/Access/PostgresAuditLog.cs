using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Persistence;
using Npgsql;

namespace AntiDrugFlow.Host.Access;

/// <summary>What an administrator asks the audit log for; every part is optional.</summary>
public sealed record AuditQuery(string? UserId = null, string? CaseId = null, DateTimeOffset? From = null, DateTimeOffset? To = null, int Limit = 200);

/// <summary>The audit_log table: rows are inserted, never changed, and read newest first.</summary>
public sealed class PostgresAuditLog(NpgsqlDataSource dataSource) : IAuditLog
{
    /// <summary>The actions this host records; the chains add their own (case.read, case.changed, …).</summary>
    public static class Actions
    {
        public const string SignedIn = "account.signed-in";
        public const string SignInFailed = "account.sign-in-failed";
        public const string LockedOut = "account.locked-out";
        public const string SignInWhileLockedOut = "account.sign-in-while-locked-out";
        public const string SignInThrottled = "account.sign-in-throttled";
        public const string SignedOut = "account.signed-out";
        public const string UserCreated = "user.created";
        public const string UserLocked = "user.locked";
        public const string UserUnlocked = "user.unlocked";
        public const string PasswordReset = "user.password-reset";
        public const string PasswordChanged = "account.password-changed";
        public const string PasswordChangeFailed = "account.password-change-failed";
        public const string AuditQueried = "audit.queried";
        public const string MilestoneCycleShifted = "milestone.cycle-shifted";
        public const string MilestoneProgressRecorded = "milestone.progress-recorded";
    }

    public async Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await InsertAsync(entry, connection, null, cancellationToken);
        if (entry.Action is Actions.SignInFailed or Actions.SignInWhileLockedOut or Actions.SignInThrottled)
        {
            Diagnostics.HostTelemetry.SignInFailed(entry.Action);
        }
    }

    public Task RecordAsync(AuditEntry entry, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        InsertAsync(entry, connection, transaction, cancellationToken);

    public void Record(AuditEntry entry, WorkflowTransaction transaction) =>
        transaction.Batch(Sql.BatchCommand(InsertSql, Values(entry)));

    /// <summary>The latest successful sign-in of each of the given accounts; an account that never signed in is left out.</summary>
    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> LastSignInsAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        var signIns = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        if (userIds.Count == 0)
        {
            return signIns;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT u.id, (SELECT max(l.at) FROM audit_log l WHERE l.user_id = u.id AND l.action = $2)
            FROM unnest($1::text[]) AS u(id)
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = userIds.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = Actions.SignedIn });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!reader.IsDBNull(1))
            {
                signIns[reader.GetString(0)] = reader.GetFieldValue<DateTimeOffset>(1);
            }
        }

        return signIns;
    }

    public async Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT at, user_id, agency_id, action, case_id, details
            FROM audit_log
            WHERE ($1::text IS NULL OR user_id = $1)
              AND ($2::text IS NULL OR case_id = $2)
              AND ($3::timestamptz IS NULL OR at >= $3)
              AND ($4::timestamptz IS NULL OR at < $4)
            ORDER BY at DESC, id DESC
            LIMIT $5
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.UserId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.CaseId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.From?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.To?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = query.Limit });
        var entries = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new AuditEntry(
                reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return entries;
    }

    /// <summary>Inserts an entry within a transaction of the caller's, so a change and its record commit together.</summary>
    internal static async Task InsertAsync(AuditEntry entry, NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction, InsertSql, Values(entry));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private const string InsertSql = "INSERT INTO audit_log (at, user_id, agency_id, action, case_id, details) VALUES ($1, $2, $3, $4, $5, $6)";

    private static object?[] Values(AuditEntry entry) => [entry.At, entry.UserId, entry.AgencyId, entry.Action, entry.CaseId, entry.Details];
}
