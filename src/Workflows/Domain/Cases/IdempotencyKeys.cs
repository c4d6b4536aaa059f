namespace AntiDrugFlow.Workflows.Cases;

/// <summary>
/// The Idempotency-Key rules every request that takes one shares (a notification, a counselling session, a re-test): a key is
/// 1 to 100 visible ASCII characters, is the user's own, and stands for one request, told by a fingerprint of its fields; the
/// same key with the same request answers what the first one made, the same key with another request is a conflict.
/// </summary>
public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";

    /// <summary>
    /// How long a key answers its first request: a retry within it returns what the first one made; after it the key is
    /// forgotten (its row deleted when the next key is stored) and makes a new one.
    /// </summary>
    public static readonly TimeSpan Kept = TimeSpan.FromDays(30);

    /// <summary>Refuses a malformed key (400 on <see cref="Header"/>); null is no key.</summary>
    public static void Check(string? key)
    {
        if (key is not null && (key.Length is 0 or > 100 || key.Any(c => c is < '!' or > '~')))
        {
            throw new CaseRequestException(Header, "Idempotency-Key 須為 1 至 100 個可見 ASCII 字元。");
        }
    }

    /// <summary>A hash of the request's fields, names included; stored encrypted, as even a hash of a name tells of a minor.</summary>
    public static string Fingerprint<T>(T request) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(request)));

    /// <summary>The key came with another request than the one it was first used for; <paramref name="what"/> names the request (zh-TW).</summary>
    public static CaseConflictException Reused(string key, string what) =>
        new($"Idempotency-Key「{key}」已用於另一份不同內容的{what}；重送同一份{what}請用相同內容，新的{what}請用新的 Idempotency-Key。");

    /// <summary>Whether a failed insert is the same key stored at the same moment by a concurrent request (into <paramref name="table"/>).</summary>
    public static bool IsCollision(Exception? exception, string table) =>
        exception is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation } postgres
            ? postgres.TableName == table
            : exception is not null && IsCollision(exception.InnerException, table);
}

/// <summary>An Idempotency-Key a user sent, the id of what its request made (a case, a counselling record) and the request's fingerprint (encrypted).</summary>
public sealed record IdempotencyRequest(string UserId, string IdempotencyKey, string MadeId, string FingerprintProtected, DateTimeOffset CreatedAt);

/// <summary>
/// A table of Idempotency-Keys: one row per user and key, naming what the first request made in <see cref="MadeColumn"/>;
/// the row commits with what it names, or not at all, and a key stored already is a unique violation on <see cref="Name"/>.
/// </summary>
public sealed record IdempotencyTable(string Name, string MadeColumn)
{
    /// <summary>Notifications (migration 0411): the case a key made.</summary>
    public static readonly IdempotencyTable Notifications = new("notification_requests", "case_id");

    /// <summary>Counselling sessions and re-tests (migration 0460): the record a key stored.</summary>
    public static readonly IdempotencyTable Counselling = new("counselling_requests", "record_id");

    private string PurgeSql => $"DELETE FROM {Name} WHERE created_at < $1";

    private string InsertSql => $"INSERT INTO {Name} (user_id, idempotency_key, {MadeColumn}, fingerprint_protected, created_at) VALUES ($1, $2, $3, $4, $5)";

    /// <summary>
    /// The statements that forget the keys older than <see cref="IdempotencyKeys.Kept"/> and store <paramref name="request"/>,
    /// for a writer that sends them in its own batch.
    /// </summary>
    public IEnumerable<Npgsql.NpgsqlBatchCommand> InsertCommands(IdempotencyRequest request) =>
    [
        Persistence.Sql.BatchCommand(PurgeSql, request.CreatedAt - IdempotencyKeys.Kept),
        Persistence.Sql.BatchCommand(InsertSql, request.UserId, request.IdempotencyKey, request.MadeId, request.FingerprintProtected, request.CreatedAt),
    ];

    /// <summary>Forgets the keys older than <see cref="IdempotencyKeys.Kept"/> and stores <paramref name="request"/>, in the caller's transaction.</summary>
    public async Task InsertAsync(IdempotencyRequest request, Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var batch = new Npgsql.NpgsqlBatch(connection, transaction);
        foreach (var command in InsertCommands(request))
        {
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The user's earlier request with this key, if it is younger than <see cref="IdempotencyKeys.Kept"/> at <paramref name="now"/>; else null.</summary>
    public async Task<IdempotencyRequest?> FindAsync(Npgsql.NpgsqlDataSource dataSource, string userId, string idempotencyKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {MadeColumn}, fingerprint_protected, created_at FROM {Name} WHERE user_id = $1 AND idempotency_key = $2 AND created_at >= $3");
        command.Parameters.Add(Persistence.Sql.Parameter(userId));
        command.Parameters.Add(Persistence.Sql.Parameter(idempotencyKey));
        command.Parameters.Add(Persistence.Sql.Parameter(now - IdempotencyKeys.Kept));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new IdempotencyRequest(userId, idempotencyKey, reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2))
            : null;
    }
}
