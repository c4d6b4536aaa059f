using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using Npgsql;

namespace AntiDrugFlow.Workflows.Outbox;

/// <param name="ClaimToken">Set while a host holds the message; only that claim may record the outcome.</param>
/// <param name="NextAttemptAt">When the message is due (its place in the queue); a claim does not move it.</param>
/// <param name="TraceParent">The W3C traceparent of the trace that queued the message, which its delivery continues.</param>
/// <param name="LeasedUntil">The end of the current claim's lease; no other host claims the message before it.</param>
public sealed record OutboxItem(Guid Id, string? InstanceId, string Kind, string IdempotencyKey, JsonObject Payload, string Status, int Attempts, DateTimeOffset NextAttemptAt, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? SentAt, Guid? ClaimToken = null, string? TraceParent = null, DateTimeOffset? LeasedUntil = null);

/// <summary>An administrator's decision on a dead letter.</summary>
public sealed record OutboxAuditEntry(Guid MessageId, string Action, string Actor, string? Reason, DateTimeOffset At);

public static class OutboxStatuses
{
    public const string Pending = "Pending";
    public const string Sent = "Sent";
    public const string DeadLettered = "DeadLettered";
    public const string Dropped = "Dropped";
}

/// <summary>
/// Messages waiting: the pending ones with the age of the oldest, and those due now (not claimed, not waiting for a retry)
/// with how long the earliest has been due. The second grows only when no host delivers. Read from the pending messages
/// due first, at most <see cref="PostgresOutboxStore.BacklogWindow"/> of them, so a reading costs the same however many
/// wait: beyond that the counts stop at it and the oldest age is that of the oldest among them (a message older still,
/// waiting for a retry behind them, is not seen); how long the earliest due has waited is always exact.
/// <see cref="Window"/> is the most the reading looked at: a count that reached it means that many or more.
/// </summary>
public sealed record OutboxBacklog(long Pending, TimeSpan OldestAge, long Due, TimeSpan OldestDueFor, int Window)
{
    public static readonly OutboxBacklog Empty = new(0, TimeSpan.Zero, 0, TimeSpan.Zero, PostgresOutboxStore.BacklogWindow);
}

/// <summary>Which outbox messages to list; every field left null matches all.</summary>
public sealed record OutboxFilter(string? Status = null, string? InstanceId = null, string? Kind = null, string? IdempotencyKey = null);

/// <summary>
/// The one writer of outbox messages: steps, jobs and services enqueue inside the transaction that makes
/// the message true, so it is sent if and only if that transaction commits.
/// </summary>
public interface IOutbox
{
    /// <summary>Queues messages in <paramref name="transaction"/>. A message whose idempotency key is queued already is skipped: the first write wins.</summary>
    Task EnqueueAsync(NpgsqlTransaction transaction, IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken);
}

/// <summary>What the dispatcher and the dead-letter API need from the outbox table.</summary>
public interface IOutboxStore
{
    /// <summary>Claims due messages for a lease; another host takes one over only after the lease ends.</summary>
    Task<IReadOnlyList<OutboxItem>> ClaimAsync(DateTimeOffset now, TimeSpan lease, int limit, string owner, CancellationToken cancellationToken);

    /// <summary>Records deliveries in one statement; returns the ids whose claim was still current (only those are recorded; a claim is lost when its lease ran out and another host took the message).</summary>
    Task<IReadOnlySet<Guid>> MarkSentAsync(IReadOnlyCollection<(OutboxItem Claimed, DateTimeOffset At)> sent, CancellationToken cancellationToken);

    /// <summary>Schedules another attempt at <paramref name="retryAt"/>, or dead-letters when it is null.</summary>
    Task<bool> MarkFailedAsync(OutboxItem claimed, string error, DateTimeOffset? retryAt, CancellationToken cancellationToken);

    /// <summary>
    /// Hands claimed messages back untried, without counting an attempt (their receiver is busy, or the host is stopping),
    /// in one statement: each is due again at <paramref name="nextAttemptAt"/>, behind the messages due before it, so a
    /// busy receiver's messages do not stay at the head of the queue ahead of other receivers'.
    /// </summary>
    Task ReleaseAsync(IReadOnlyCollection<OutboxItem> claimed, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken);

    Task<IReadOnlyList<OutboxItem>> ListAsync(string? status, CancellationToken cancellationToken);

    /// <summary>The messages matching <paramref name="filter"/>, oldest first (at most 500).</summary>
    Task<IReadOnlyList<OutboxItem>> ListAsync(OutboxFilter filter, CancellationToken cancellationToken);

    Task<OutboxItem?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Sends a dead letter again and records who decided. False when it is not dead-lettered.</summary>
    Task<bool> RequeueAsync(Guid id, string actor, string? reason, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Gives up on a dead letter for good and records who decided. False when it is not dead-lettered.</summary>
    Task<bool> DropAsync(Guid id, string actor, string? reason, DateTimeOffset now, CancellationToken cancellationToken);

    Task<IReadOnlyList<OutboxAuditEntry>> AuditAsync(Guid id, CancellationToken cancellationToken);
}

/// <summary>All SQL of the outbox table: queuing, claiming due messages, recording the outcome, dead letters and their audit.</summary>
public sealed class PostgresOutboxStore(NpgsqlDataSource dataSource) : IOutboxStore, IOutbox
{
    private const string Columns = "id, instance_id, kind, idempotency_key, payload::text, status, attempts, next_attempt_at, last_error, created_at, sent_at, claim_token, traceparent, leased_until";

    public async Task EnqueueAsync(NpgsqlTransaction transaction, IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(transaction.Connection, transaction);
        batch.BatchCommands.Add(EnqueueCommand(messages));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The statement that queues <paramref name="messages"/>, for a writer that sends it in its own batch (a step's
    /// one round trip). A replayed step or job produces the same keys; the first write wins. Each message keeps the
    /// trace it was queued in (the current activity's W3C id), so its delivery continues that trace.
    /// </summary>
    internal static NpgsqlBatchCommand EnqueueCommand(IReadOnlyList<OutboxMessage> messages) => EnqueueCommand([.. MessageRows(messages)]);

    /// <summary>The rows of <paramref name="messages"/>, each with the trace it is queued in (the caller's, made where the caller runs).</summary>
    internal static IEnumerable<object?[]> MessageRows(IReadOnlyList<OutboxMessage> messages)
    {
        var traceParent = System.Diagnostics.Activity.Current is { IdFormat: System.Diagnostics.ActivityIdFormat.W3C } current ? current.Id : null;
        return messages.Select(m => new object?[] { m.Id, m.InstanceId, m.Kind, m.IdempotencyKey, new Jsonb(m.Payload.ToJsonString()), m.CreatedAt, m.CreatedAt, traceParent });
    }

    /// <summary>The statement that queues messages given as <see cref="MessageRows"/>.</summary>
    internal static NpgsqlBatchCommand EnqueueCommand(IReadOnlyList<object?[]> rows) =>
        MessageRow.Insert("outbox_messages", rows, "ON CONFLICT (idempotency_key) DO NOTHING");

    private static readonly RowShape MessageRow = new(
        ("id", "uuid"), ("instance_id", "text"), ("kind", "text"), ("idempotency_key", "text"), ("payload", "jsonb"), ("next_attempt_at", "timestamptz"),
        ("created_at", "timestamptz"), ("traceparent", "text"));

    /// <summary>
    /// Claims due messages for a lease: the lease's end is written beside the due time (which keeps the message's place
    /// in the queue and is not rewritten, so the claim writes no index entry) and a fresh token marks the claim, so
    /// another host takes them over only if this one dies before recording the outcome. The claims of other hosts at
    /// the head of the queue are passed over; there are at most as many as the hosts hold.
    /// </summary>
    public Task<IReadOnlyList<OutboxItem>> ClaimAsync(DateTimeOffset now, TimeSpan lease, int limit, string owner, CancellationToken cancellationToken) =>
        QueryAsync($"""
            UPDATE outbox_messages
            SET attempts = attempts + 1, leased_until = $2, claim_token = gen_random_uuid(), claimed_by = $4, claimed_at = $1
            WHERE id IN (
                SELECT id FROM outbox_messages
                WHERE status = 'Pending' AND next_attempt_at <= $1 AND (leased_until IS NULL OR leased_until <= $1)
                ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
            RETURNING {Columns}
            """, cancellationToken, now, now + lease, limit, owner);

    public async Task<IReadOnlySet<Guid>> MarkSentAsync(IReadOnlyCollection<(OutboxItem Claimed, DateTimeOffset At)> sent, CancellationToken cancellationToken)
    {
        var recorded = new HashSet<Guid>();
        if (sent.Count == 0)
        {
            return recorded;
        }

        await using var command = dataSource.CreateCommand("""
            UPDATE outbox_messages m SET status = 'Sent', sent_at = r.at, last_error = NULL, claim_token = NULL
            FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS r(id, claim_token, at)
            WHERE m.id = r.id AND m.claim_token = r.claim_token AND m.status = 'Pending'
            RETURNING m.id
            """);
        command.Parameters.Add(Sql.Parameter(sent.Select(s => s.Claimed.Id).ToArray()));
        command.Parameters.Add(Sql.Parameter(sent.Select(s => s.Claimed.ClaimToken ?? Guid.Empty).ToArray()));
        command.Parameters.Add(Sql.Parameter(sent.Select(s => s.At.ToUniversalTime()).ToArray()));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            recorded.Add(reader.GetGuid(0));
        }

        return recorded;
    }

    public async Task<bool> MarkFailedAsync(OutboxItem claimed, string error, DateTimeOffset? retryAt, CancellationToken cancellationToken) =>
        (retryAt is null
            ? await ExecuteAsync(
                "UPDATE outbox_messages SET status = 'DeadLettered', last_error = $3, claim_token = NULL, leased_until = NULL WHERE id = $1 AND claim_token = $2 AND status = 'Pending'",
                cancellationToken, claimed.Id, claimed.ClaimToken, error)
            : await ExecuteAsync(
                "UPDATE outbox_messages SET last_error = $3, next_attempt_at = $4, claim_token = NULL, leased_until = NULL WHERE id = $1 AND claim_token = $2 AND status = 'Pending'",
                cancellationToken, claimed.Id, claimed.ClaimToken, error, retryAt)) > 0;

    public async Task ReleaseAsync(IReadOnlyCollection<OutboxItem> claimed, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken)
    {
        if (claimed.Count > 0)
        {
            await ExecuteAsync("""
                UPDATE outbox_messages m SET attempts = GREATEST(attempts - 1, 0), leased_until = NULL, next_attempt_at = $3, claim_token = NULL
                FROM unnest($1::uuid[], $2::uuid[]) AS r(id, claim_token)
                WHERE m.id = r.id AND m.claim_token = r.claim_token AND m.status = 'Pending'
                """, cancellationToken, claimed.Select(c => c.Id).ToArray(), claimed.Select(c => c.ClaimToken ?? Guid.Empty).ToArray(), nextAttemptAt);
        }
    }

    /// <summary>The most pending messages a backlog reading looks at (see <see cref="OutboxBacklog"/>).</summary>
    public const int BacklogWindow = 10_000;

    /// <summary>
    /// The backlog at <paramref name="now"/>, from the pending messages' partial index in due order: the first
    /// <paramref name="window"/> of them (<see cref="BacklogWindow"/> unless given; counting 60,000 whole took a third of a
    /// second of the server's CPU, every gauge sample and readiness probe).
    /// </summary>
    public async Task<OutboxBacklog> BacklogAsync(DateTimeOffset now, CancellationToken cancellationToken, int window = BacklogWindow)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT count(*), min(created_at), count(*) FILTER (WHERE due), min(next_attempt_at) FILTER (WHERE due)
            FROM (SELECT created_at, next_attempt_at, next_attempt_at <= $1 AND (leased_until IS NULL OR leased_until <= $1) AS due
                  FROM outbox_messages WHERE status = 'Pending' ORDER BY next_attempt_at LIMIT $2) pending
            """);
        command.Parameters.Add(Sql.Parameter(now));
        command.Parameters.Add(Sql.Parameter(window));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        TimeSpan Since(int column) => reader.IsDBNull(column) ? TimeSpan.Zero : NotNegative(now - reader.GetFieldValue<DateTimeOffset>(column));
        return new OutboxBacklog(reader.GetInt64(0), Since(1), reader.GetInt64(2), Since(3), window);
    }

    private static TimeSpan NotNegative(TimeSpan value) => value < TimeSpan.Zero ? TimeSpan.Zero : value;

    public Task<IReadOnlyList<OutboxItem>> ListAsync(string? status, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {Columns} FROM outbox_messages WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at DESC LIMIT 500", cancellationToken, status);

    public Task<IReadOnlyList<OutboxItem>> ListAsync(OutboxFilter filter, CancellationToken cancellationToken) =>
        QueryAsync($"""
            SELECT {Columns} FROM outbox_messages
            WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR instance_id = $2) AND ($3::text IS NULL OR kind = $3) AND ($4::text IS NULL OR idempotency_key = $4)
            ORDER BY created_at, id LIMIT 500
            """, cancellationToken, filter.Status, filter.InstanceId, filter.Kind, filter.IdempotencyKey);

    public async Task<OutboxItem?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {Columns} FROM outbox_messages WHERE id = $1", cancellationToken, id)).FirstOrDefault();

    // One statement changes the message and writes the audit row, so neither happens without the other.
    public async Task<bool> RequeueAsync(Guid id, string actor, string? reason, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ExecuteAsync("""
            WITH changed AS (
                UPDATE outbox_messages SET status = 'Pending', attempts = 0, next_attempt_at = $2, claim_token = NULL, leased_until = NULL
                WHERE id = $1 AND status = 'DeadLettered'
                RETURNING id)
            INSERT INTO outbox_audit (message_id, action, actor, reason, at) SELECT id, 'Resent', $3, $4, $2 FROM changed
            """, cancellationToken, id, now, actor, reason) > 0;

    public async Task<bool> DropAsync(Guid id, string actor, string? reason, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ExecuteAsync("""
            WITH changed AS (
                UPDATE outbox_messages SET status = 'Dropped', claim_token = NULL
                WHERE id = $1 AND status = 'DeadLettered'
                RETURNING id)
            INSERT INTO outbox_audit (message_id, action, actor, reason, at) SELECT id, 'Dropped', $3, $4, $2 FROM changed
            """, cancellationToken, id, now, actor, reason) > 0;

    public async Task<IReadOnlyList<OutboxAuditEntry>> AuditAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT message_id, action, actor, reason, at FROM outbox_audit WHERE message_id = $1 ORDER BY id");
        command.Parameters.Add(Sql.Parameter(id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<OutboxAuditEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new OutboxAuditEntry(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return result;
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(Sql.Parameter(parameter));
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<OutboxItem>> QueryAsync(string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(Sql.Parameter(parameter));
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<OutboxItem>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new OutboxItem(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetString(3),
                JsonNode.Parse(reader.GetString(4))!.AsObject(), reader.GetString(5), reader.GetInt32(6), reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetFieldValue<DateTimeOffset>(9), reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
                reader.IsDBNull(11) ? null : reader.GetGuid(11), reader.IsDBNull(12) ? null : reader.GetString(12),
                reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13)));
        }

        return result;
    }
}
