using System.Globalization;
using AntiDrugFlow.Integrations.Postgres;
using Npgsql;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// PostgreSQL's own account of the statements it ran (<c>pg_stat_statements</c>, loaded into a benchmark's private
/// cluster on request; it costs the server a little on every statement, so it is off unless asked for): reset before a
/// measurement, then the statements that took the most execution time, with their calls, rows and mean, and how often
/// and how long the server planned them (<c>pg_stat_statements.track_planning</c>: a prepared statement run on its
/// generic plan is planned once per connection, one planned for each call's values every call).
/// </summary>
public sealed class PostgresStatements(string connectionString)
{
    /// <summary>Loads the module (a restart of the cluster) and creates its view in <paramref name="database"/>.</summary>
    public static async Task<PostgresStatements> LoadAsync(EmbeddedPostgresCluster cluster, string database, CancellationToken cancellationToken)
    {
        await ExecuteAsync(cluster.ConnectionString("postgres"), "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'", cancellationToken);
        NpgsqlConnection.ClearAllPools();
        await cluster.RestartAsync(cancellationToken);
        // The module's settings exist once it is loaded; this one takes effect on reload.
        await ExecuteAsync(cluster.ConnectionString("postgres"), "ALTER SYSTEM SET pg_stat_statements.track_planning = on", cancellationToken);
        // Statements run by triggers and functions are listed too (their time is also in the statement that fired them).
        await ExecuteAsync(cluster.ConnectionString("postgres"), "ALTER SYSTEM SET pg_stat_statements.track = 'all'", cancellationToken);
        await ExecuteAsync(cluster.ConnectionString("postgres"), "SELECT pg_reload_conf()", cancellationToken);
        var statements = new PostgresStatements(cluster.ConnectionString(database));
        await ExecuteAsync(statements._connectionString, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements", cancellationToken);
        return statements;
    }

    private readonly string _connectionString = connectionString;

    public Task ResetAsync(CancellationToken cancellationToken) => ExecuteAsync(_connectionString, "SELECT pg_stat_statements_reset()", cancellationToken);

    /// <summary>The <paramref name="count"/> statements with the most execution time since the reset, and the total, as Markdown.</summary>
    public async Task WriteAsync(TextWriter output, int count, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT calls, rows, total_exec_time, sum(total_exec_time) OVER (), regexp_replace(query, '\s+', ' ', 'g'), plans, total_plan_time, sum(total_plan_time) OVER ()
            FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_%'
            ORDER BY total_exec_time DESC LIMIT $1
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = count });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        output.WriteLine("| statement (first 110 characters) | calls | rows | total ms | mean ms | plans | planning ms |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        var (all, allPlanning) = (0.0, 0.0);
        while (await reader.ReadAsync(cancellationToken))
        {
            var (calls, rows, total, query) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetDouble(2), reader.GetString(4));
            var (plans, planning) = (reader.GetInt64(5), reader.GetDouble(6));
            (all, allPlanning) = (reader.GetDouble(3), reader.GetDouble(7));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| `{(query.Length > 110 ? query[..110] : query).Replace("|", "\\|", StringComparison.Ordinal)}` | {calls} | {rows} | {total:0} | {total / calls:0.000} | {plans} | {planning:0} |"));
        }

        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Every statement together: {all:0} ms of execution (a trigger's statements counted again in the one that fired them), {allPlanning:0} ms of planning."));
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
