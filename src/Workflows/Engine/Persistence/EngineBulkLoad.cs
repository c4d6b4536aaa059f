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
        EngineTable.Journal => "instance_id, at, activity_id, activity_type, event, message",
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

    /// <summary>Gathers the planner's statistics of the engine's tables, as autovacuum does on a live database.</summary>
    public static async Task AnalyzeAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, null, "ANALYZE " + string.Join(", ", Enum.GetValues<EngineTable>().Select(TableName)));
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
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
