using System.Text.Json;
using AntiDrugFlow.Workflows.Persistence;
using Npgsql;

namespace AntiDrugFlow.Workflows.Operations;

/// <summary>
/// The long_operations table. A running operation belongs to the <see cref="OperationLease"/> that began
/// it: one connection holding a session advisory lock on the operation's id, through which its progress
/// and end are written. When that connection goes (the host stops or dies), the lock goes with it, and
/// <see cref="MarkAbandonedAsync"/> on any host turns the row into 'interrupted'.
/// </summary>
public sealed class PostgresOperationStore(NpgsqlDataSource dataSource)
{
    // The two-key advisory lock space, apart from the engine's one-key locks; the second key is the id.
    internal const int LockClass = 0x4F505253; // "OPRS"

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Columns =
        "id, kind, title, started_by_user, started_by_agency, started_at, updated_at, finished_at, status, done, total, stage, result, error";

    /// <summary>Inserts the operation as running and takes its lock in the same transaction, so no other host ever sees it running without an owner.</summary>
    public async Task<OperationLease> BeginAsync(OperationStart start, DateTimeOffset now, string stage, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            long id;
            await using (var insert = Sql.Command(connection, transaction, """
                INSERT INTO long_operations (kind, title, started_by_user, started_by_agency, started_at, updated_at, status, stage)
                VALUES ($1, $2, $3, $4, $5, $5, 'running', $6)
                RETURNING id
                """, start.Kind, start.Title, start.UserId, start.AgencyId, now, stage))
            {
                id = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
            }

            await using (var lockCommand = Sql.Command(connection, transaction, "SELECT pg_advisory_lock($1, $2)", LockClass, LockKey(id)))
            {
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return new OperationLease(id, connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Inserts the operation as running (stage <paramref name="stage"/>, waiting for its job) with its input, in one
    /// transaction, without a lock: the job that runs it takes the lock.
    /// </summary>
    public async Task<long> CreateQueuedAsync(OperationStart start, string inputJson, DateTimeOffset now, string stage, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long id;
        await using (var insert = Sql.Command(connection, transaction, """
            INSERT INTO long_operations (kind, title, started_by_user, started_by_agency, started_at, updated_at, status, stage)
            VALUES ($1, $2, $3, $4, $5, $5, 'running', $6)
            RETURNING id
            """, start.Kind, start.Title, start.UserId, start.AgencyId, now, stage))
        {
            id = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
        }

        await using (var input = Sql.Command(connection, transaction,
            "INSERT INTO long_operation_inputs (operation_id, kind, input) VALUES ($1, $2, $3)", id, start.Kind, new Jsonb(inputJson)))
        {
            await input.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return id;
    }

    /// <summary>Records the background job that runs the operation.</summary>
    public async Task SetJobAsync(long id, string jobId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "UPDATE long_operation_inputs SET job_id = $2 WHERE operation_id = $1", id, jobId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The kind and stored input of a queued operation, and its job, or null when it has none.</summary>
    public async Task<(string Kind, JsonElement Input, string? JobId)?> InputAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "SELECT kind, input::text, job_id FROM long_operation_inputs WHERE operation_id = $1", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        using var document = JsonDocument.Parse(reader.GetString(1));
        return (reader.GetString(0), document.RootElement.Clone(), reader.NullableString(2));
    }

    /// <summary>
    /// Takes a queued operation to run it: its lock, if no one holds it, and only while it is still running. Null when it
    /// has ended (a job run twice) or another host's job holds it.
    /// </summary>
    public async Task<OperationLease?> TryTakeAsync(long id, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var lease = new OperationLease(id, connection);
        try
        {
            await using (var tryLock = Sql.Command(connection, null, "SELECT pg_try_advisory_lock($1, $2)", LockClass, LockKey(id)))
            {
                if (!(bool)(await tryLock.ExecuteScalarAsync(cancellationToken))!)
                {
                    await lease.DisposeAsync();
                    return null;
                }
            }

            await using (var check = Sql.Command(connection, null, "SELECT status = 'running' FROM long_operations WHERE id = $1", id))
            {
                if (await check.ExecuteScalarAsync(cancellationToken) is not true)
                {
                    await lease.DisposeAsync();
                    return null;
                }
            }

            return lease;
        }
        catch
        {
            await lease.DisposeAsync();
            throw;
        }
    }

    public async Task<LongOperation?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, $"SELECT {Columns} FROM long_operations WHERE id = $1", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>The most recent operations, newest first, optionally of one kind.</summary>
    public async Task<IReadOnlyList<LongOperation>> ListAsync(int limit, CancellationToken cancellationToken, string? kind = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, $"""
            SELECT {Columns} FROM long_operations
            WHERE ($1::text IS NULL OR kind = $1)
            ORDER BY started_at DESC, id DESC
            LIMIT $2
            """, kind, limit);
        command.Parameters[0].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var operations = new List<LongOperation>();
        while (await reader.ReadAsync(cancellationToken))
        {
            operations.Add(Read(reader));
        }

        return operations;
    }

    /// <summary>
    /// Marks as interrupted every running operation whose lock nobody holds: its host is gone. An
    /// operation another live host is running keeps its lock and is left alone. Returns the ids marked.
    /// </summary>
    public async Task<IReadOnlyList<long>> MarkAbandonedAsync(string message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var running = new List<long>();
        // An operation with a background job belongs to the job scheduler, which runs it again after a host is gone; one
        // whose job was never recorded (its host died between the two writes) is abandoned once it is a minute old.
        await using (var query = Sql.Command(connection, null, """
            SELECT o.id FROM long_operations o
            LEFT JOIN long_operation_inputs i ON i.operation_id = o.id
            WHERE o.status = 'running' AND (i.operation_id IS NULL OR (i.job_id IS NULL AND o.started_at < $1 - interval '1 minute'))
            ORDER BY o.id
            """, now))
        await using (var reader = await query.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                running.Add(reader.GetInt64(0));
            }
        }

        var marked = new List<long>();
        foreach (var id in running)
        {
            await using (var tryLock = Sql.Command(connection, null, "SELECT pg_try_advisory_lock($1, $2)", LockClass, LockKey(id)))
            {
                if (!(bool)(await tryLock.ExecuteScalarAsync(cancellationToken))!)
                {
                    continue;
                }
            }

            try
            {
                await using var update = Sql.Command(connection, null, """
                    UPDATE long_operations SET status = 'interrupted', error = $2, finished_at = $3, updated_at = $3
                    WHERE id = $1 AND status = 'running'
                    """, id, message, now);
                if (await update.ExecuteNonQueryAsync(cancellationToken) == 1)
                {
                    marked.Add(id);
                }
            }
            finally
            {
                // The pool does not reset connections (NoResetOnClose), so the lock is let go by hand.
                await using var unlock = Sql.Command(connection, null, "SELECT pg_advisory_unlock($1, $2)", LockClass, LockKey(id));
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }

        return marked;
    }

    internal static int LockKey(long id) => (int)(id % int.MaxValue);

    private static LongOperation Read(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetString(3),
        reader.GetString(4),
        reader.GetFieldValue<DateTimeOffset>(5),
        reader.GetFieldValue<DateTimeOffset>(6),
        reader.NullableTime(7),
        ParseStatus(reader.GetString(8)),
        reader.GetInt64(9),
        reader.IsDBNull(10) ? null : reader.GetInt64(10),
        reader.GetString(11),
        reader.IsDBNull(12) ? null : JsonSerializer.Deserialize<OperationResult>(reader.GetString(12), Json),
        reader.NullableString(13));

    internal static string StatusText(OperationStatus status) => status switch
    {
        OperationStatus.Running => "running",
        OperationStatus.Succeeded => "succeeded",
        OperationStatus.Failed => "failed",
        OperationStatus.Interrupted => "interrupted",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    private static OperationStatus ParseStatus(string text) => text switch
    {
        "running" => OperationStatus.Running,
        "succeeded" => OperationStatus.Succeeded,
        "failed" => OperationStatus.Failed,
        "interrupted" => OperationStatus.Interrupted,
        _ => throw new InvalidOperationException($"unknown operation status '{text}'"),
    };
}

/// <summary>
/// A running operation's hold on its row: the connection with the operation's lock. Progress and the
/// end go through it; disposing it lets the lock go, and a row not finished by then counts as abandoned.
/// </summary>
public sealed class OperationLease : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private bool _finished;

    internal OperationLease(long id, NpgsqlConnection connection)
    {
        Id = id;
        _connection = connection;
    }

    public long Id { get; }

    public async Task WriteProgressAsync(string stage, long done, long? total, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(_connection, null, """
            UPDATE long_operations SET stage = $2, done = $3, total = $4, updated_at = $5
            WHERE id = $1 AND status = 'running'
            """, Id, stage, done, total, now);
        command.Parameters[3].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Writes the end (succeeded, failed or interrupted) with the last counts, once.</summary>
    public async Task FinishAsync(
        OperationStatus status, string stage, long done, long? total, OperationResult? result, string? error, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (status == OperationStatus.Running)
        {
            throw new ArgumentException("an operation cannot finish as running", nameof(status));
        }

        await using var command = Sql.Command(_connection, null, """
            UPDATE long_operations
            SET status = $2, stage = $3, done = $4, total = $5, result = $6, error = $7, finished_at = $8, updated_at = $8
            WHERE id = $1 AND status = 'running'
            """,
            Id, PostgresOperationStore.StatusText(status), stage, done, total,
            new Jsonb(result is null ? null : JsonSerializer.Serialize(result, PostgresOperationStore.Json)), error, now);
        command.Parameters[4].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint;
        command.Parameters[6].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
        await command.ExecuteNonQueryAsync(cancellationToken);
        _finished = true;
    }

    public bool IsFinished => _finished;

    public async ValueTask DisposeAsync()
    {
        try
        {
            // The pool keeps session state (NoResetOnClose), so the lock is let go explicitly before the connection returns.
            if (_connection.State == System.Data.ConnectionState.Open)
            {
                await using var unlock = Sql.Command(_connection, null, "SELECT pg_advisory_unlock_all()");
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
        catch (NpgsqlException)
        {
            // A broken connection has lost its lock with its session already.
        }
        finally
        {
            await _connection.DisposeAsync();
        }
    }
}
