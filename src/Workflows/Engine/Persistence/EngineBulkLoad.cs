using Npgsql;

namespace AntiDrugFlow.Workflows.Persistence;

/// <summary>The engine's tables that a bulk load may fill.</summary>
public enum EngineTable
{
    Definitions,
    Instances,
    Bookmarks,
    Tasks,
    Journal,
}

/// <summary>
/// Set-based loading for load benchmarks, which need millions of rows in minutes rather than one step at a
/// time. The caller supplies the rows as a SELECT; the engine names its own tables and columns, so no code
/// outside the engine does (EngineTablesBoundaryTests). Nothing in the product calls it.
/// </summary>
public static class EngineBulkLoad
{
    /// <summary>The columns a SELECT must yield, in order, for each table.</summary>
    public static string Columns(EngineTable table) => table switch
    {
        EngineTable.Definitions => "id, definition_id, version, name, is_published, is_latest, document, created_at, published_at",
        EngineTable.Instances => "id, definition_id, definition_version_id, version, status, correlation_id, state, created_at, updated_at, finished_at",
        EngineTable.Bookmarks => "id, instance_id, activity_id, kind, name, due_at, payload, created_at",
        EngineTable.Tasks => "id, instance_id, bookmark_id, activity_id, task_name, payload, status, created_at, closed_at",
        // A row is a step's lines: a json array of {"at", "activityId", "activityType", "event", "message"} (migration 0012).
        EngineTable.Journal => "instance_id, lines",
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, null),
    };

    /// <summary>The table's name, for statistics and size reports of a benchmark.</summary>
    public static string TableName(EngineTable table) => table switch
    {
        EngineTable.Definitions => "workflow_definitions",
        EngineTable.Instances => "workflow_instances",
        EngineTable.Bookmarks => "workflow_bookmarks",
        EngineTable.Tasks => "workflow_tasks",
        EngineTable.Journal => "workflow_journal",
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, null),
    };

    /// <summary>Inserts the rows <paramref name="select"/> yields (the columns of <see cref="Columns"/>, in order); returns how many.</summary>
    public static async Task<int> InsertAsync(NpgsqlConnection connection, EngineTable table, string select, CancellationToken cancellationToken, params object?[] parameters)
    {
        await using var command = Sql.Command(connection, null, $"INSERT INTO {TableName(table)} ({Columns(table)}) {select}", parameters);
        command.CommandTimeout = 0;
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Copies a waiting instance and its bookmarks <paramref name="count"/> times (ids <c>{prefix}{n}</c>), each copy's
    /// timers <c>n</c> seconds later than the template's: a million pending timers in one statement pair.
    /// </summary>
    public static async Task CloneWaitingInstanceAsync(NpgsqlDataSource dataSource, string templateId, int count, string prefix, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await InsertAsync(connection, EngineTable.Instances, """
            SELECT $3 || g, definition_id, definition_version_id, version, status, correlation_id, state, created_at, updated_at, finished_at
            FROM workflow_instances, generate_series(1, $2) g WHERE id = $1
            """, cancellationToken, templateId, count, prefix);
        await InsertAsync(connection, EngineTable.Bookmarks, """
            SELECT $3 || 'b-' || g, $3 || g, activity_id, kind, name, due_at + g * interval '1 second', payload, created_at
            FROM workflow_bookmarks, generate_series(1, $2) g WHERE instance_id = $1
            """, cancellationToken, templateId, count, prefix);
        await AnalyzeAsync(connection, cancellationToken);
    }

    /// <summary>
    /// Copies every instance of one correlation id (e.g. a case's workflows) with its bookmarks and tasks <paramref name="copies"/>
    /// times. In copy g every id of the template (the correlation id, its instances, bookmarks and tasks), wherever it occurs
    /// (columns, state, payloads), becomes <c>{id}-{g}</c>. Timers are copied <see cref="TimerSpread.PerTemplateTimer"/> times each
    /// (a second and later copy of one timer gets <c>~{k}</c> after its id) and only the first <see cref="TimerSpread.Total"/> are kept;
    /// their due times replace the template's: <see cref="TimerSpread.DueSoon"/> of them, scattered over the copies, fall evenly over
    /// [<see cref="TimerSpread.From"/>, + <see cref="TimerSpread.Window"/>), the rest evenly after that up to + <see cref="TimerSpread.Horizon"/>.
    /// Returns the instances and timers written.
    /// </summary>
    public static async Task<(long Instances, long Timers)> CloneCorrelatedAsync(
        NpgsqlDataSource dataSource, string correlationId, int copies, TimerSpread timers, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var ids = new List<string> { correlationId };
        await using (var read = Sql.Command(connection, null, """
            SELECT id FROM workflow_instances WHERE correlation_id = $1
            UNION ALL SELECT b.id FROM workflow_bookmarks b JOIN workflow_instances i ON i.id = b.instance_id WHERE i.correlation_id = $1
            UNION ALL SELECT t.id FROM workflow_tasks t JOIN workflow_instances i ON i.id = t.instance_id WHERE i.correlation_id = $1
            """, correlationId))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetString(0));
            }
        }

        // One pass of one regular expression, longest ids first, so an id that contains another is renamed whole.
        var pattern = "(" + string.Join('|', ids.Distinct(StringComparer.Ordinal).OrderByDescending(i => i.Length)
            .Select(i => string.Concat(i.Select(c => char.IsAsciiLetterOrDigit(c) ? c.ToString() : "\\" + c)))) + ")";
        static string Renamed(string column) => $"regexp_replace({column}, $2, '\\1-' || g, 'g')";
        static string RenamedJson(string column) => $"regexp_replace({column}::text, $2, '\\1-' || g, 'g')::jsonb";
        const string Template = "FROM workflow_instances i, generate_series(1, $3) g WHERE i.correlation_id = $1";

        long instances;
        await using (var command = Sql.Command(connection, null, $"""
            INSERT INTO workflow_instances (id, definition_id, definition_version_id, version, status, correlation_id, fault, state, created_at, updated_at, finished_at, parent_instance_id, parent_activity_id, parent_waits)
            SELECT {Renamed("i.id")}, i.definition_id, i.definition_version_id, i.version, i.status, {Renamed("i.correlation_id")}, i.fault, {RenamedJson("i.state")},
                   i.created_at, i.updated_at, i.finished_at, {Renamed("i.parent_instance_id")}, i.parent_activity_id, i.parent_waits
            {Template}
            """, correlationId, pattern, copies))
        {
            command.CommandTimeout = 0;
            instances = await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var command = Sql.Command(connection, null, $"""
            INSERT INTO workflow_tasks (id, instance_id, bookmark_id, activity_id, task_name, payload, status, created_at, closed_at, result)
            SELECT {Renamed("t.id")}, {Renamed("t.instance_id")}, {Renamed("t.bookmark_id")}, t.activity_id, t.task_name, {RenamedJson("t.payload")}, t.status, t.created_at, t.closed_at, t.result
            FROM workflow_tasks t JOIN workflow_instances i ON i.id = t.instance_id, generate_series(1, $3) g WHERE i.correlation_id = $1
            """, correlationId, pattern, copies))
        {
            command.CommandTimeout = 0;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        const string Bookmark = "{0}, {1}, b.activity_id, b.kind, b.name, {2}, {3}, {4}, {5}, b.created_at";
        await using (var command = Sql.Command(connection, null, $"""
            INSERT INTO workflow_bookmarks (id, instance_id, activity_id, kind, name, correlation_id, due_at, task_id, payload, created_at)
            SELECT {string.Format(System.Globalization.CultureInfo.InvariantCulture, Bookmark, Renamed("b.id"), Renamed("b.instance_id"), Renamed("b.correlation_id"), "NULL", Renamed("b.task_id"), RenamedJson("b.payload"))}
            FROM workflow_bookmarks b JOIN workflow_instances i ON i.id = b.instance_id, generate_series(1, $3) g
            WHERE i.correlation_id = $1 AND b.due_at IS NULL
            """, correlationId, pattern, copies))
        {
            command.CommandTimeout = 0;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        // Timer t (0 … total-1, copy by copy) takes rank (t·p) mod total, p a prime: a permutation that scatters the due-soon ones.
        long timerCount;
        await using (var command = Sql.Command(connection, null, $"""
            WITH template AS (
                SELECT b.*, row_number() OVER (ORDER BY b.id) - 1 AS n, count(*) OVER () AS per_copy
                FROM workflow_bookmarks b JOIN workflow_instances i ON i.id = b.instance_id
                WHERE i.correlation_id = $1 AND b.due_at IS NOT NULL),
            numbered AS (
                SELECT b.*, g, k, ((g - 1) * b.per_copy + b.n) * $4 + (k - 1) AS t
                FROM template b, generate_series(1, $3) g, generate_series(1, $4) k),
            ranked AS (SELECT *, (t * 2147483647) % $5 AS r FROM numbered WHERE t < $5)
            INSERT INTO workflow_bookmarks (id, instance_id, activity_id, kind, name, correlation_id, due_at, task_id, payload, created_at)
            SELECT {string.Format(System.Globalization.CultureInfo.InvariantCulture, Bookmark,
                Renamed("b.id") + " || CASE WHEN k > 1 THEN '~' || k ELSE '' END", Renamed("b.instance_id"), Renamed("b.correlation_id"),
                "CASE WHEN r < $6 THEN $7 + $8 * (r::float8 / greatest($6, 1)) ELSE $7 + $8 + ($9 - $8) * ((r - $6)::float8 / greatest($5 - $6, 1)) END",
                Renamed("b.task_id"), RenamedJson("b.payload"))}
            FROM ranked b
            """, correlationId, pattern, copies, timers.PerTemplateTimer, timers.Total, timers.DueSoon, timers.From, timers.Window, timers.Horizon))
        {
            command.CommandTimeout = 0;
            timerCount = await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await AnalyzeAsync(connection, cancellationToken);
        return (instances, timerCount);
    }

    /// <summary>Gathers the planner's statistics of the engine's tables, as autovacuum does on a live database.</summary>
    public static async Task AnalyzeAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, null, "ANALYZE " + string.Join(", ", Enum.GetValues<EngineTable>().Select(TableName)));
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Moves the pending timers due in [<paramref name="from"/>, <paramref name="to"/>) by <paramref name="by"/>; returns how many.</summary>
    public static async Task<int> ShiftTimersAsync(NpgsqlDataSource dataSource, DateTimeOffset from, DateTimeOffset to, TimeSpan by, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "UPDATE workflow_bookmarks SET due_at = due_at + $3 WHERE due_at >= $1 AND due_at < $2", from, to, by);
        command.CommandTimeout = 0;
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The timers of the template and how many instances it has that have not ended, to size a <see cref="CloneCorrelatedAsync"/>.</summary>
    public static async Task<(int OpenInstances, int Timers)> CorrelatedShapeAsync(NpgsqlDataSource dataSource, string correlationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT (SELECT count(*) FROM workflow_instances WHERE correlation_id = $1 AND finished_at IS NULL)::int,
                   (SELECT count(*) FROM workflow_bookmarks b JOIN workflow_instances i ON i.id = b.instance_id WHERE i.correlation_id = $1 AND b.due_at IS NOT NULL)::int
            """, correlationId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt32(0), reader.GetInt32(1));
    }

    /// <summary>Pending timers due by <paramref name="now"/>: fired late or not yet (the due-claim index answers it).</summary>
    public static async Task<long> CountDueTimersAsync(NpgsqlDataSource dataSource, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "SELECT count(*) FROM workflow_bookmarks WHERE due_at IS NOT NULL AND due_at <= $1", now);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public static async Task<long> CountPendingTimersAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "SELECT count(*) FROM workflow_bookmarks WHERE due_at IS NOT NULL");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>For each finished instance of <paramref name="ids"/>, how long after <paramref name="since"/> it finished, in milliseconds.</summary>
    public static async Task<IReadOnlyList<double>> FinishedAfterAsync(NpgsqlDataSource dataSource, IReadOnlyList<string> ids, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "SELECT extract(epoch FROM finished_at - $2) * 1000 FROM workflow_instances WHERE id = ANY($1) AND status = 'Finished'", ids.ToArray(), since);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<double>(ids.Count);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add((double)reader.GetDecimal(0));
        }

        return result;
    }
}

/// <summary>How <see cref="EngineBulkLoad.CloneCorrelatedAsync"/> multiplies a template's timers and spreads their due times.</summary>
public sealed record TimerSpread(long Total, int PerTemplateTimer, long DueSoon, DateTimeOffset From, TimeSpan Window, TimeSpan Horizon);
