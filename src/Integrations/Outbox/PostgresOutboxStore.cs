using System.Text.Json.Nodes;
using Npgsql;

namespace AntiDrugFlow.Integrations.Outbox;

public sealed record OutboxItem(Guid Id, string? InstanceId, string Kind, string IdempotencyKey, JsonObject Payload, string Status, int Attempts, DateTimeOffset NextAttemptAt, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? SentAt);

/// <summary>All SQL of outbox delivery: claiming due messages, recording the outcome, dead letters.</summary>
public sealed class PostgresOutboxStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, instance_id, kind, idempotency_key, payload::text, status, attempts, next_attempt_at, last_error, created_at, sent_at";

    /// <summary>
    /// Claims due messages for a lease: their next attempt moves past the lease, so another host takes
    /// them over only if this one dies before recording the outcome.
    /// </summary>
    public Task<IReadOnlyList<OutboxItem>> ClaimAsync(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken) =>
        QueryAsync($"""
            UPDATE outbox_messages SET attempts = attempts + 1, next_attempt_at = $2
            WHERE id IN (SELECT id FROM outbox_messages WHERE status = 'Pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
            RETURNING {Columns}
            """, cancellationToken, now, now + lease, limit);

    public async Task MarkSentAsync(Guid id, DateTimeOffset at, CancellationToken cancellationToken) =>
        await ExecuteAsync("UPDATE outbox_messages SET status = 'Sent', sent_at = $2, last_error = NULL WHERE id = $1", cancellationToken, id, at);

    public async Task MarkFailedAsync(Guid id, string error, DateTimeOffset? retryAt, CancellationToken cancellationToken) =>
        await ExecuteAsync(retryAt is null
            ? "UPDATE outbox_messages SET status = 'DeadLettered', last_error = $2 WHERE id = $1"
            : "UPDATE outbox_messages SET last_error = $2, next_attempt_at = $3 WHERE id = $1", cancellationToken, id, error, retryAt);

    public Task<IReadOnlyList<OutboxItem>> ListAsync(string? status, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {Columns} FROM outbox_messages WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at DESC LIMIT 500", cancellationToken, status);

    /// <summary>Sends a dead letter again: back to Pending with its attempts reset. False when it is not dead-lettered.</summary>
    public async Task<bool> RequeueAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken) =>
        await ExecuteAsync("UPDATE outbox_messages SET status = 'Pending', attempts = 0, next_attempt_at = $2 WHERE id = $1 AND status = 'DeadLettered'", cancellationToken, id, now) > 0;

    public async Task<bool> DropAsync(Guid id, CancellationToken cancellationToken) =>
        await ExecuteAsync("UPDATE outbox_messages SET status = 'Dropped' WHERE id = $1 AND status = 'DeadLettered'", cancellationToken, id) > 0;

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(Parameter(parameter));
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<OutboxItem>> QueryAsync(string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(Parameter(parameter));
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<OutboxItem>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new OutboxItem(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetString(3),
                JsonNode.Parse(reader.GetString(4))!.AsObject(), reader.GetString(5), reader.GetInt32(6), reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetFieldValue<DateTimeOffset>(9), reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10)));
        }

        return result;
    }

    private static NpgsqlParameter Parameter(object? value) => value switch
    {
        null => new NpgsqlParameter { Value = DBNull.Value },
        DateTimeOffset at => new NpgsqlParameter { Value = at.ToUniversalTime() },
        _ => new NpgsqlParameter { Value = value },
    };
}
