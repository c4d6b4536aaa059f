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

    private static readonly RowShape InstanceRow = new(
        ("id", "text"), ("definition_id", "text"), ("definition_version_id", "text"), ("version", "integer"), ("status", "text"), ("correlation_id", "text"),
        ("fault", "text"), ("state", "jsonb"), ("created_at", "timestamptz"), ("updated_at", "timestamptz"), ("finished_at", "timestamptz"),
        ("parent_instance_id", "text"), ("parent_activity_id", "text"), ("parent_waits", "text"));

    /// <summary>An instance's row with the published version its start ran on, which the INSERT checks and does not write.</summary>
    private static readonly RowShape StartRow = InstanceRow.With(("published_version_id", "text"), ("published_at", "timestamptz"));

    private static readonly RowShape BookmarkRow = new(
        ("id", "text"), ("instance_id", "text"), ("activity_id", "text"), ("kind", "text"), ("name", "text"), ("correlation_id", "text"),
        ("due_at", "timestamptz"), ("task_id", "text"), ("payload", "jsonb"), ("created_at", "timestamptz"));

    private static readonly RowShape TaskRow = new(
        ("id", "text"), ("instance_id", "text"), ("bookmark_id", "text"), ("activity_id", "text"), ("task_name", "text"), ("payload", "jsonb"),
        ("status", "text"), ("created_at", "timestamptz"), ("closed_at", "timestamptz"), ("result", "jsonb"));

    private static readonly RowShape JournalRow = new(("instance_id", "text"), ("lines", "json"));

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
        AddSteps(batch, [RowsOf(step, startedOn)]);
        foreach (var command in also ?? [])
        {
            batch.BatchCommands.Add(command);
        }

        await ExecuteStepAsync(batch, cancellationToken);
    }

    /// <summary>
    /// Writes the first steps of several starts, each with its caller's rows and the proof of its version's publication, in
    /// one round trip as one implicit transaction on a connection of its own (<see cref="StartGroups"/>): all of them or,
    /// when any command fails, none.
    /// </summary>
    public async Task SaveStartsAsync(IReadOnlyList<StartWrite> starts, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        AddSteps(batch, [.. starts.Select(s => s.Rows)]);
        foreach (var command in starts.SelectMany(s => s.Also))
        {
            batch.BatchCommands.Add(command);
        }

        try
        {
            await ExecuteStepAsync(batch, cancellationToken);
        }
        finally
        {
            // The caller's commands leave this batch: a start of a refused group is written again on its own, in a new one.
            batch.BatchCommands.Clear();
        }
    }

    /// <summary>Writes several steps (of different instances) in one round trip, as <see cref="SaveStepAsync"/> writes one.</summary>
    public async Task SaveStepsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ExecutionStep> steps, CancellationToken cancellationToken)
    {
        if (steps.Count == 0)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        AddSteps(batch, [.. steps.Select(s => RowsOf(s))]);

        await ExecuteStepAsync(batch, cancellationToken);
    }

    /// <summary>
    /// Sends a step's writes with the generic plans of their prepared statements. The engine's connections prepare what
    /// they send over and over (<see cref="EngineExtensions.EngineConnectionString"/>) and plan each call for its own values
    /// (<c>plan_cache_mode = force_custom_plan</c>), which keeps the host's filtered reads ("parameter IS NULL OR …") on the
    /// plan made for their values; a step's writes (and what its caller batched with them: rows inserted, rows found by
    /// key) have one good plan whatever the values, so for the step's own transaction the first statement makes
    /// PostgreSQL reuse it instead of planning each statement again (docs/BENCHMARKS.md: durable starts 1,007 →
    /// 1,400–1,500/s from one caller). Forced, not left to PostgreSQL's choice (<c>auto</c>): a group's starts, checked
    /// against their published version row by row, looked dearer on the generic plan than on one made for a group of two
    /// or three, and were planned again for most groups (0.3 ms each).
    /// </summary>
    private static async Task ExecuteStepAsync(NpgsqlBatch batch, CancellationToken cancellationToken)
    {
        batch.BatchCommands.Insert(0, new NpgsqlBatchCommand(ReuseGenericPlans));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Makes the rest of the transaction run prepared statements on their generic plans.</summary>
    internal const string ReuseGenericPlans = "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)";

    /// <summary>
    /// The rows <paramref name="step"/> writes, made on the caller's thread (its JSON serialised, the trace its messages
    /// continue captured), so a writer of several steps only puts them together (<see cref="StartGroups"/>). A start passes
    /// the version it ran on as <paramref name="startedOn"/> (see <see cref="SaveStepAsync"/>).
    /// </summary>
    public static StepRows RowsOf(ExecutionStep step, PublishedStamp? startedOn = null)
    {
        var instance = step.Instance;
        var rows = new StepRows();
        object?[] row =
        [
            instance.Id, instance.DefinitionId, instance.DefinitionVersionId, instance.Version, instance.Status.ToString(), instance.CorrelationId, instance.Fault,
            new Jsonb(JsonSerializer.Serialize(instance.State, StateJson)), instance.CreatedAt, instance.UpdatedAt, instance.FinishedAt,
            instance.Parent?.InstanceId, instance.Parent?.ActivityId, instance.Parent is { Waits: not ParentWaits.None } parent ? parent.Waits.ToString() : null,
        ];
        if (startedOn is null)
        {
            rows.Resumed.Add(row);
        }
        else
        {
            rows.Starts.Add([.. row, startedOn.VersionId, startedOn.CreatedAt]);
        }

        var addedIds = step.AddedBookmarks.Select(b => b.Id).ToHashSet(StringComparer.Ordinal);
        var removedIds = step.RemovedBookmarks.Select(b => b.Id).ToHashSet(StringComparer.Ordinal);
        rows.RemovedBookmarks.AddRange(removedIds.Where(id => !addedIds.Contains(id)));
        rows.Bookmarks.AddRange(step.AddedBookmarks.Where(b => !removedIds.Contains(b.Id)).Select(b => new object?[]
        {
            b.Id, b.InstanceId, b.ActivityId, b.Kind.ToString(), b.Name, b.CorrelationId, b.DueAt, b.TaskId, new Jsonb(b.Payload?.ToJsonString()), b.CreatedAt,
        }));

        // A task opened and closed in the same step is written closed.
        var closed = step.ClosedTasks.ToDictionary(c => c.TaskId, StringComparer.Ordinal);
        rows.Tasks.AddRange(step.NewTasks
            .Select(t => closed.Remove(t.Id, out var c) ? t with { Status = c.Status, ClosedAt = c.At, Result = c.Result } : t)
            .Select(t => new object?[]
            {
                t.Id, t.InstanceId, t.BookmarkId, t.ActivityId, t.TaskName, new Jsonb(t.Payload?.ToJsonString()), t.Status.ToString(), t.CreatedAt, t.ClosedAt,
                new Jsonb(t.Result?.ToJsonString()),
            }));
        rows.Closures.AddRange(closed.Values);
        if (step.Journal.Count > 0)
        {
            rows.Journal.Add([instance.Id, JournalLines.Write(step.Journal)]);
        }

        rows.Outbox.AddRange(PostgresOutboxStore.MessageRows(step.Outbox));
        return rows;
    }

    /// <summary>
    /// Adds the writes of several steps (of different instances) to the batch, one statement per table whatever their
    /// number: the instances (a start's new row, written only while its version is the published one; another step's as
    /// an upsert), bookmark changes, tasks, task closures, journal and outbox rows. Internal for the durable benchmark,
    /// which has PostgreSQL's own client send a start's writes as the engine sends them (its floor reference).
    /// </summary>
    internal static void AddSteps(NpgsqlBatch batch, IReadOnlyList<StepRows> steps)
    {
        List<T> All<T>(Func<StepRows, List<T>> rows) => steps.Count == 1 ? rows(steps[0]) : [.. steps.SelectMany(rows)];
        var starts = All(s => s.Starts);
        if (starts.Count > 0)
        {
            // A start's row is new (no upsert), and is written only while its version is the published one: the check
            // is this statement's, whose snapshot is taken once the statement holds its lock on workflow_instances, so a
            // definition's deletion that held the table (PostgresDefinitionStore's DefinitionChange.DeleteAsync) has
            // committed and is seen. workflow_not_published raises WF001; it is called only when the version is not.
            var command = new NpgsqlBatchCommand();
            command.CommandText = $"""
                INSERT INTO workflow_instances ({InstanceRow.Names})
                SELECT {InstanceRow.Names} FROM ({StartRow.Source(command, starts)}) AS s ({StartRow.Names})
                WHERE EXISTS (SELECT 1 FROM workflow_definitions WHERE id = s.published_version_id AND is_published AND created_at = s.published_at)
                   OR workflow_not_published(s.published_version_id)
                """;
            batch.BatchCommands.Add(command);
        }

        if (All(s => s.Resumed) is { Count: > 0 } resumed)
        {
            batch.BatchCommands.Add(InstanceRow.Insert("workflow_instances", resumed,
                "ON CONFLICT (id) DO UPDATE SET status = excluded.status, fault = excluded.fault, state = excluded.state, updated_at = excluded.updated_at, finished_at = excluded.finished_at, parent_waits = excluded.parent_waits"));
        }

        if (All(s => s.RemovedBookmarks) is { Count: > 0 } removed)
        {
            batch.BatchCommands.Add(Sql.BatchCommand("DELETE FROM workflow_bookmarks WHERE id = ANY($1)", (object)removed.ToArray()));
        }

        if (All(s => s.Bookmarks) is { Count: > 0 } bookmarks)
        {
            batch.BatchCommands.Add(BookmarkRow.Insert("workflow_bookmarks", bookmarks));
        }

        if (All(s => s.Tasks) is { Count: > 0 } tasks)
        {
            batch.BatchCommands.Add(TaskRow.Insert("workflow_tasks", tasks));
        }

        foreach (var closure in steps.SelectMany(s => s.Closures))
        {
            batch.BatchCommands.Add(Sql.BatchCommand("UPDATE workflow_tasks SET status = $2, closed_at = $3, result = $4 WHERE id = $1 AND status = 'Pending'",
                closure.TaskId, closure.Status.ToString(), closure.At, new Jsonb(closure.Result?.ToJsonString())));
        }

        if (All(s => s.Journal) is { Count: > 0 } journal)
        {
            batch.BatchCommands.Add(JournalRow.Insert("workflow_journal", journal));
        }

        if (All(s => s.Outbox) is { Count: > 0 } outbox)
        {
            batch.BatchCommands.Add(PostgresOutboxStore.EnqueueCommand(outbox));
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

/// <summary>The rows one step writes, per table, as <see cref="PostgresInstanceStore.RowsOf"/> made them.</summary>
public sealed class StepRows
{
    internal List<object?[]> Starts { get; } = [];

    internal List<object?[]> Resumed { get; } = [];

    internal List<string> RemovedBookmarks { get; } = [];

    internal List<object?[]> Bookmarks { get; } = [];

    internal List<object?[]> Tasks { get; } = [];

    internal List<TaskClosure> Closures { get; } = [];

    internal List<object?[]> Journal { get; } = [];

    internal List<object?[]> Outbox { get; } = [];
}
