using System.Text.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Runtime;
using Npgsql;

namespace AntiDrugFlow.Workflows.Persistence;

public sealed record InstanceSummary(string Id, string DefinitionId, int Version, WorkflowStatus Status, string? CorrelationId, string? Fault, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FinishedAt);

public sealed record InstanceFilter(string? DefinitionId = null, WorkflowStatus? Status = null, string? CorrelationId = null, int Page = 0, int PageSize = 50);

/// <summary>A bookmark found by a lookup (event, task, timer), with the instance it belongs to.</summary>
public sealed record BookmarkRef(string InstanceId, string BookmarkId);

/// <summary>All SQL for instances, bookmarks, tasks, journal and outbox rows written by steps.</summary>
public sealed class PostgresInstanceStore(NpgsqlDataSource dataSource) : IWorkflowInstanceQueries, IHumanTaskQueries, ITimerBookmarkQueries
{
    private static readonly JsonSerializerOptions StateJson = new(JsonSerializerDefaults.Web);

    private const string InstanceInsertColumns = "id, definition_id, definition_version_id, version, status, correlation_id, fault, state, created_at, updated_at, finished_at, parent_instance_id, parent_activity_id, parent_waits";

    private const string BookmarkInsertColumns = "id, instance_id, activity_id, kind, name, correlation_id, due_at, task_id, payload, created_at";

    private const string TaskInsertColumns = "id, instance_id, bookmark_id, activity_id, task_name, payload, status, created_at, closed_at, result";

    private const string InstanceColumns = "id, definition_id, definition_version_id, version, status, correlation_id, fault, state::text, created_at, updated_at, finished_at, parent_instance_id, parent_activity_id, parent_waits";

    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>Locks an instance row for this transaction and loads it with its bookmarks; null when it does not exist.</summary>
    public Task<WorkflowInstance?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string instanceId, bool skipLocked, CancellationToken cancellationToken) =>
        ReadAsync(connection, transaction, instanceId, skipLocked ? " FOR UPDATE SKIP LOCKED" : " FOR UPDATE", cancellationToken);

    /// <summary>Serialises transactions on a key until they end (e.g. two starts of the same idempotent instance).</summary>
    public async Task LockKeyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string key, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction, "SELECT pg_advisory_xact_lock(hashtext($1))", key);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Writes one step: the instance, bookmark changes, tasks, journal and outbox, then the caller's <paramref name="also"/>
    /// commands (<see cref="WorkflowTransaction.Batch"/>), in one round trip. Without a <paramref name="transaction"/> the
    /// batch is one implicit transaction that commits as it ends: all of it or, when any command fails, none.
    /// A start passes the version it ran on as <paramref name="startedOn"/>: its new instance row is written only while that
    /// version is the published one, else the batch fails with <see cref="PostgresDefinitionStore.NotPublishedState"/>.
    /// </summary>
    public async Task SaveStepAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, ExecutionStep step, CancellationToken cancellationToken, IReadOnlyList<NpgsqlBatchCommand>? also = null, PublishedStamp? startedOn = null)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        AddStep(batch, step, startedOn);
        foreach (var command in also ?? [])
        {
            batch.BatchCommands.Add(command);
        }

        await ExecuteStepAsync(batch, cancellationToken);
    }

    /// <summary>Writes several steps (of different instances) in one round trip, as <see cref="SaveStepAsync"/> writes one.</summary>
    public async Task SaveStepsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ExecutionStep> steps, CancellationToken cancellationToken)
    {
        if (steps.Count == 0)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var step in steps)
        {
            AddStep(batch, step);
        }

        await ExecuteStepAsync(batch, cancellationToken);
    }

    /// <summary>
    /// Sends a step's writes with the generic plans of their prepared statements. The engine's connections prepare what
    /// they send over and over (<see cref="EngineExtensions.EngineConnectionString"/>) and plan each call for its own values
    /// (<c>plan_cache_mode = force_custom_plan</c>), which keeps the host's filtered reads ("parameter IS NULL OR …") on the
    /// plan made for their values; a step's INSERTs have one good plan whatever the values, so for the step's own
    /// transaction the first statement lets PostgreSQL reuse it instead of planning each INSERT again
    /// (docs/BENCHMARKS.md: durable starts 1,007 → 1,400–1,500/s from one caller).
    /// </summary>
    private static async Task ExecuteStepAsync(NpgsqlBatch batch, CancellationToken cancellationToken)
    {
        batch.BatchCommands.Insert(0, new NpgsqlBatchCommand(ReuseGenericPlans));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Lets the rest of the transaction run prepared statements on their generic plans.</summary>
    internal const string ReuseGenericPlans = "SELECT set_config('plan_cache_mode', 'auto', true)";

    private static void AddStep(NpgsqlBatch batch, ExecutionStep step, PublishedStamp? startedOn = null)
    {
        var instance = step.Instance;
        object?[] row =
        [
            instance.Id, instance.DefinitionId, instance.DefinitionVersionId, instance.Version, instance.Status.ToString(), Sql.Text(instance.CorrelationId), Sql.Text(instance.Fault),
            new Jsonb(JsonSerializer.Serialize(instance.State, StateJson)), instance.CreatedAt, instance.UpdatedAt, Sql.Time(instance.FinishedAt),
            Sql.Text(instance.Parent?.InstanceId), Sql.Text(instance.Parent?.ActivityId), Sql.Text(instance.Parent is { Waits: not ParentWaits.None } parent ? parent.Waits.ToString() : null),
        ];
        batch.BatchCommands.Add(startedOn is null
            ? Sql.BatchCommand($"""
                INSERT INTO workflow_instances ({InstanceInsertColumns})
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                ON CONFLICT (id) DO UPDATE SET status = excluded.status, fault = excluded.fault, state = excluded.state, updated_at = excluded.updated_at, finished_at = excluded.finished_at, parent_waits = excluded.parent_waits
                """, row)
            // A start's row is new (no upsert), and is written only while its version is the published one: the check
            // is this statement's, whose snapshot is taken once the statement holds its lock on workflow_instances, so a
            // definition's deletion that held the table (PostgresDefinitionStore's DefinitionChange.DeleteAsync) has
            // committed and is seen. workflow_not_published raises WF001; it is called only when the version is not.
            : Sql.BatchCommand($"""
                INSERT INTO workflow_instances ({InstanceInsertColumns})
                SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14
                WHERE EXISTS (SELECT 1 FROM workflow_definitions WHERE id = $15 AND is_published AND created_at = $16) OR workflow_not_published($15)
                """, [.. row, startedOn.VersionId, startedOn.CreatedAt]));

        var addedIds = step.AddedBookmarks.Select(b => b.Id).ToHashSet(StringComparer.Ordinal);
        var removedIds = step.RemovedBookmarks.Select(b => b.Id).ToHashSet(StringComparer.Ordinal);
        var removed = removedIds.Where(id => !addedIds.Contains(id)).ToArray();
        var added = step.AddedBookmarks.Where(b => !removedIds.Contains(b.Id)).ToList();
        if (removed.Length > 0)
        {
            batch.BatchCommands.Add(Sql.BatchCommand("DELETE FROM workflow_bookmarks WHERE id = ANY($1)", (object)removed));
        }

        // One row (a start's usual case) goes as VALUES: unnest's function scan costs PostgreSQL more than the row itself.
        if (added.Count == 1)
        {
            var b = added[0];
            batch.BatchCommands.Add(Sql.BatchCommand($"""
                INSERT INTO workflow_bookmarks ({BookmarkInsertColumns})
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                """,
                b.Id, b.InstanceId, b.ActivityId, b.Kind.ToString(), b.Name, Sql.Text(b.CorrelationId), Sql.Time(b.DueAt), Sql.Text(b.TaskId), new Jsonb(b.Payload?.ToJsonString()), b.CreatedAt));
        }
        else if (added.Count > 1)
        {
            batch.BatchCommands.Add(Sql.BatchCommand($"""
                INSERT INTO workflow_bookmarks ({BookmarkInsertColumns})
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::jsonb[], $10::timestamptz[])
                """,
                added.Select(b => b.Id).ToArray(), added.Select(b => b.InstanceId).ToArray(), added.Select(b => b.ActivityId).ToArray(),
                added.Select(b => b.Kind.ToString()).ToArray(), added.Select(b => b.Name).ToArray(), added.Select(b => b.CorrelationId).ToArray(),
                added.Select(b => b.DueAt?.UtcDateTime).ToArray(), added.Select(b => b.TaskId).ToArray(), added.Select(b => b.Payload?.ToJsonString()).ToArray(),
                added.Select(b => b.CreatedAt.UtcDateTime).ToArray()));
        }

        var closures = step.ClosedTasks.ToDictionary(c => c.TaskId, StringComparer.Ordinal);
        if (step.NewTasks.Count > 0)
        {
            var tasks = step.NewTasks.Select(t => closures.Remove(t.Id, out var c) ? t with { Status = c.Status, ClosedAt = c.At, Result = c.Result } : t).ToList();
            if (tasks.Count == 1)
            {
                var t = tasks[0];
                batch.BatchCommands.Add(Sql.BatchCommand($"""
                    INSERT INTO workflow_tasks ({TaskInsertColumns})
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                    """,
                    t.Id, t.InstanceId, t.BookmarkId, t.ActivityId, t.TaskName, new Jsonb(t.Payload?.ToJsonString()), t.Status.ToString(), t.CreatedAt, Sql.Time(t.ClosedAt),
                    new Jsonb(t.Result?.ToJsonString())));
            }
            else
            {
                batch.BatchCommands.Add(Sql.BatchCommand($"""
                    INSERT INTO workflow_tasks ({TaskInsertColumns})
                    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::jsonb[])
                    """,
                    tasks.Select(t => t.Id).ToArray(), tasks.Select(t => t.InstanceId).ToArray(), tasks.Select(t => t.BookmarkId).ToArray(), tasks.Select(t => t.ActivityId).ToArray(),
                    tasks.Select(t => t.TaskName).ToArray(), tasks.Select(t => t.Payload?.ToJsonString()).ToArray(), tasks.Select(t => t.Status.ToString()).ToArray(),
                    tasks.Select(t => t.CreatedAt.UtcDateTime).ToArray(), tasks.Select(t => t.ClosedAt?.UtcDateTime).ToArray(), tasks.Select(t => t.Result?.ToJsonString()).ToArray()));
            }
        }

        foreach (var closure in closures.Values)
        {
            batch.BatchCommands.Add(Sql.BatchCommand("UPDATE workflow_tasks SET status = $2, closed_at = $3, result = $4 WHERE id = $1 AND status = 'Pending'",
                closure.TaskId, closure.Status.ToString(), closure.At, new Jsonb(closure.Result?.ToJsonString())));
        }

        if (step.Journal.Count > 0)
        {
            batch.BatchCommands.Add(Sql.BatchCommand("INSERT INTO workflow_journal (instance_id, lines) VALUES ($1, $2)",
                instance.Id, Sql.Json(JournalLines.Write(step.Journal))));
        }

        if (step.Outbox.Count > 0)
        {
            batch.BatchCommands.Add(PostgresOutboxStore.EnqueueCommand(step.Outbox));
        }
    }

    public async Task<IReadOnlyList<BookmarkRef>> FindEventBookmarksAsync(string eventName, string? correlationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var sql = correlationId is null
            ? "SELECT instance_id, id FROM workflow_bookmarks WHERE kind = 'Event' AND name = $1 ORDER BY created_at"
            : "SELECT instance_id, id FROM workflow_bookmarks WHERE kind = 'Event' AND name = $1 AND correlation_id = $2 ORDER BY created_at";
        object?[] parameters = correlationId is null ? [eventName] : [eventName, correlationId];
        return await ReadRefsAsync(connection, sql, cancellationToken, parameters);
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> timers due by <paramref name="now"/> for this transaction: the bookmark rows
    /// are locked until it ends, and rows another transaction holds are skipped, so hosts claiming at once get disjoint batches.
    /// </summary>
    public async Task<IReadOnlyList<BookmarkRef>> ClaimDueTimersAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction, """
            SELECT instance_id, id FROM workflow_bookmarks
            WHERE due_at IS NOT NULL AND due_at <= $1
            ORDER BY due_at, id
            LIMIT $2
            FOR UPDATE SKIP LOCKED
            """, now, limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var claimed = new List<BookmarkRef>();
        while (await reader.ReadAsync(cancellationToken))
        {
            claimed.Add(new BookmarkRef(reader.GetString(0), reader.GetString(1)));
        }

        return claimed;
    }

    /// <summary>Locks those of the instances no other transaction holds; returns the ids locked.</summary>
    public async Task<IReadOnlySet<string>> LockInstancesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<string> instanceIds, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction, "SELECT id FROM workflow_instances WHERE id = ANY($1) FOR UPDATE SKIP LOCKED", (object)instanceIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var locked = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            locked.Add(reader.GetString(0));
        }

        return locked;
    }

    /// <summary>Loads instances whose rows this transaction already holds, with their bookmarks, in two queries.</summary>
    public async Task<IReadOnlyDictionary<string, WorkflowInstance>> ReadLockedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<string> instanceIds, CancellationToken cancellationToken)
    {
        var ids = instanceIds.ToArray();
        var instances = new Dictionary<string, WorkflowInstance>(StringComparer.Ordinal);
        await using (var command = Sql.Command(connection, transaction, "SELECT " + InstanceColumns + " FROM workflow_instances WHERE id = ANY($1)", (object)ids))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var instance = ReadInstance(reader);
                instances[instance.Id] = instance;
            }
        }

        await using (var command = Sql.Command(connection, transaction, "SELECT id, instance_id, activity_id, kind, name, correlation_id, due_at, task_id, payload::text, created_at FROM workflow_bookmarks WHERE instance_id = ANY($1) ORDER BY created_at, id", (object)ids))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                instances[reader.GetString(1)].Bookmarks.Add(ReadBookmark(reader));
            }
        }

        return instances;
    }

    /// <summary>Removes timer bookmarks left behind by ended instances (nothing would ever resume them).</summary>
    public async Task DeleteBookmarksAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<string> bookmarkIds, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction, "DELETE FROM workflow_bookmarks WHERE id = ANY($1)", (object)bookmarkIds.ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<DateTimeOffset?> NextTimerDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "SELECT least((SELECT min(due_at) FROM workflow_bookmarks WHERE due_at IS NOT NULL), (SELECT min(next_due_at) FROM workflow_trigger_schedules))");
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
    }

    public async Task<IReadOnlyList<TimerBookmark>> ListTimerBookmarksAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "SELECT instance_id, id, due_at FROM workflow_bookmarks WHERE kind = 'Timer' AND due_at IS NOT NULL");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<TimerBookmark>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new TimerBookmark(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }

        return result;
    }

    public async Task<IReadOnlyList<string>> RunningInstanceIdsAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "SELECT id FROM workflow_instances WHERE status = 'Running' ORDER BY updated_at LIMIT $1", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public async Task<HumanTask?> GetTaskAsync(string taskId, CancellationToken cancellationToken)
    {
        var tasks = await QueryTasksAsync("WHERE id = $1", cancellationToken, taskId);
        return tasks.FirstOrDefault();
    }

    public async Task<IReadOnlyList<HumanTask>> GetTasksAsync(IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken) =>
        taskIds.Count == 0 ? [] : await QueryTasksAsync("WHERE id = ANY($1)", cancellationToken, (object)taskIds.ToArray());

    public Task<IReadOnlyList<HumanTask>> ListTasksAsync(HumanTaskStatus? status, string? instanceId, CancellationToken cancellationToken) =>
        QueryTasksAsync("WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR instance_id = $2) ORDER BY created_at LIMIT 500", cancellationToken, status?.ToString(), instanceId);

    public async Task<HumanTaskPage> ListTasksForAgencyAsync(string agencyId, HumanTaskStatus status, int offset, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var page = await QueryTasksAsync(
            "WHERE payload->>'agencyId' = $1 AND status = $2 ORDER BY (payload->>'dueAt')::timestamptz NULLS LAST, id OFFSET $3 LIMIT $4",
            cancellationToken, agencyId, status.ToString(), offset, limit);
        if (page.Count > 0 && page.Count < limit)
        {
            // The last page says how many there are without counting again.
            return new HumanTaskPage(page, offset + page.Count);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var count = Sql.Command(connection, null, "SELECT count(*) FROM workflow_tasks WHERE payload->>'agencyId' = $1 AND status = $2", agencyId, status.ToString());
        return new HumanTaskPage(page, Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture));
    }

    public async Task<IReadOnlyList<InstanceSummary>> ListInstancesAsync(InstanceFilter filter, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT id, definition_id, version, status, correlation_id, fault, created_at, updated_at, finished_at FROM workflow_instances
            WHERE ($1::text IS NULL OR definition_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR correlation_id = $3)
            ORDER BY created_at DESC, id LIMIT $4 OFFSET $5
            """, filter.DefinitionId, filter.Status?.ToString(), filter.CorrelationId, filter.PageSize, filter.Page * filter.PageSize);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<InstanceSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(ReadSummary(reader));
        }

        return result;
    }

    /// <summary>The instances an instance started as sub-workflows, oldest first.</summary>
    public async Task<IReadOnlyList<InstanceSummary>> ListChildrenAsync(string parentInstanceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT id, definition_id, version, status, correlation_id, fault, created_at, updated_at, finished_at FROM workflow_instances
            WHERE parent_instance_id = $1 ORDER BY created_at, id LIMIT 500
            """, parentInstanceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<InstanceSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(ReadSummary(reader));
        }

        return result;
    }

    /// <summary>How many instances a filter matches, ignoring its page.</summary>
    public async Task<int> CountInstancesAsync(InstanceFilter filter, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT count(*) FROM workflow_instances
            WHERE ($1::text IS NULL OR definition_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR correlation_id = $3)
            """, filter.DefinitionId, filter.Status?.ToString(), filter.CorrelationId);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Deletes an ended instance with its bookmarks, tasks and journal, in one statement (they have no foreign key to
    /// cascade from: migration 0013). An instance still running or waiting is kept: it must be cancelled first, so no
    /// timer or task is left pointing at nothing.
    /// </summary>
    public async Task<bool> DeleteEndedAsync(string instanceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            WITH gone AS (DELETE FROM workflow_instances WHERE id = $1 AND status IN ('Finished', 'Faulted', 'Cancelled') RETURNING id),
                 bookmarks AS (DELETE FROM workflow_bookmarks WHERE instance_id IN (SELECT id FROM gone)),
                 tasks AS (DELETE FROM workflow_tasks WHERE instance_id IN (SELECT id FROM gone)),
                 journal AS (DELETE FROM workflow_journal WHERE instance_id IN (SELECT id FROM gone))
            SELECT count(*) FROM gone
            """, instanceId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>Reads an instance without locking it (for display).</summary>
    public async Task<WorkflowInstance?> GetAsync(string instanceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var instance = await ReadAsync(connection, transaction, instanceId, string.Empty, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return instance;
    }

    /// <summary>
    /// The instance row (locked as <paramref name="lockClause"/> says) and its bookmarks in one round trip: the statements run
    /// in order, so the bookmarks are read once the row is locked.
    /// </summary>
    private static async Task<WorkflowInstance?> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string instanceId, string lockClause, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                Sql.BatchCommand("SELECT " + InstanceColumns + " FROM workflow_instances WHERE id = $1" + lockClause, instanceId),
                Sql.BatchCommand("SELECT id, instance_id, activity_id, kind, name, correlation_id, due_at, task_id, payload::text, created_at FROM workflow_bookmarks WHERE instance_id = $1 ORDER BY created_at, id", instanceId),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var instance = ReadInstance(reader);
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            instance.Bookmarks.Add(ReadBookmark(reader));
        }

        return instance;
    }

    public async Task<IReadOnlyList<JournalEntry>> JournalAsync(string instanceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "SELECT lines FROM workflow_journal WHERE instance_id = $1 ORDER BY id", instanceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<JournalEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            JournalLines.Read(instanceId, reader.GetString(0), result);
        }

        return result;
    }

    private async Task<IReadOnlyList<HumanTask>> QueryTasksAsync(string where, CancellationToken cancellationToken, params object?[] parameters)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "SELECT id, instance_id, bookmark_id, activity_id, task_name, payload::text, status, created_at, closed_at, result::text FROM workflow_tasks " + where, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<HumanTask>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new HumanTask(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : JsonNode.Parse(reader.GetString(5)), Enum.Parse<HumanTaskStatus>(reader.GetString(6)), reader.GetFieldValue<DateTimeOffset>(7),
                reader.NullableTime(8), reader.IsDBNull(9) ? null : JsonNode.Parse(reader.GetString(9))));
        }

        return result;
    }

    private static async Task<IReadOnlyList<BookmarkRef>> ReadRefsAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        await using var command = Sql.Command(connection, null, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<BookmarkRef>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new BookmarkRef(reader.GetString(0), reader.GetString(1)));
        }

        return result;
    }

    private static InstanceSummary ReadSummary(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetInt32(2), Enum.Parse<WorkflowStatus>(reader.GetString(3)), reader.NullableString(4),
        reader.NullableString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7), reader.NullableTime(8));

    private static Bookmark ReadBookmark(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), Enum.Parse<BookmarkKind>(reader.GetString(3)), reader.GetString(4),
        reader.NullableString(5), reader.NullableTime(6), reader.NullableString(7), reader.IsDBNull(8) ? null : JsonNode.Parse(reader.GetString(8)), reader.GetFieldValue<DateTimeOffset>(9));

    private static WorkflowInstance ReadInstance(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetString(0),
        DefinitionId = reader.GetString(1),
        DefinitionVersionId = reader.GetString(2),
        Version = reader.GetInt32(3),
        Status = Enum.Parse<WorkflowStatus>(reader.GetString(4)),
        CorrelationId = reader.NullableString(5),
        Fault = reader.NullableString(6),
        State = JsonSerializer.Deserialize<InstanceState>(reader.GetString(7), StateJson)!,
        CreatedAt = reader.GetFieldValue<DateTimeOffset>(8),
        UpdatedAt = reader.GetFieldValue<DateTimeOffset>(9),
        FinishedAt = reader.NullableTime(10),
        Parent = reader.NullableString(11) is { } parentId
            ? new ParentLink(parentId, reader.GetString(12), reader.NullableString(13) is { } waits ? Enum.Parse<ParentWaits>(waits) : ParentWaits.None)
            : null,
    };
}
