using Npgsql;

namespace AntiDrugFlow.Benchmarks;

/// <summary>Committed and rolled-back transactions of one database, as pg_stat_database counts them.</summary>
public sealed record CommitCount(long Commits, long Rollbacks);

/// <summary>WAL written by the whole cluster: bytes and full-page images (pg_stat_wal).</summary>
public readonly record struct WalVolume(long Bytes, long FullPages)
{
    public static WalVolume operator -(WalVolume after, WalVolume before) => new(after.Bytes - before.Bytes, after.FullPages - before.FullPages);
}

/// <summary>
/// Reads the measured database's transaction counters through a connection to the maintenance database,
/// so that reading them adds no transaction to the figures being read.
/// </summary>
public sealed class CommitCounter(string maintenanceConnectionString, string database) : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(maintenanceConnectionString);

    /// <summary>The cluster's WAL position in bytes and its count of full-page images so far.</summary>
    public async Task<WalVolume> WalAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint, wal_fpi FROM pg_stat_wal");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new WalVolume(reader.GetInt64(0), reader.GetInt64(1));
    }

    public async Task<CommitCount> ReadAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = database });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new CommitCount(reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// Waits until every client backend of the measured database has gone and the counters stop moving.
    /// A backend publishes its counters at most once a second while busy and at the latest when it exits,
    /// so the caller closes its pooled connections first and this waits for their exit.
    /// </summary>
    public async Task<CommitCount> SettledAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            await using var command = _dataSource.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'");
            command.Parameters.Add(new NpgsqlParameter { Value = database });
            if ((long)(await command.ExecuteScalarAsync(cancellationToken))! == 0)
            {
                return await StableAsync(cancellationToken);
            }

            await Task.Delay(50, cancellationToken);
        }

        // Another client's transactions would be counted as the engine's.
        throw new InvalidOperationException($"Clients are still connected to {database} after 5 seconds; the commit count would not be the benchmark's alone.");
    }

    /// <summary>Reads until two readings 300 ms apart agree: a backend leaves pg_stat_activity just before it publishes its counters.</summary>
    public async Task<CommitCount> StableAsync(CancellationToken cancellationToken)
    {
        var previous = await ReadAsync(cancellationToken);
        for (var attempt = 0; attempt < 50; attempt++)
        {
            await Task.Delay(300, cancellationToken);
            var current = await ReadAsync(cancellationToken);
            if (current == previous)
            {
                return current;
            }

            previous = current;
        }

        throw new InvalidOperationException($"The transaction counters of {database} did not settle within 15 seconds.");
    }

    /// <summary>How many times autovacuum has vacuumed or analysed the measured database's tables (read from inside it).</summary>
    public static async Task<long> AutovacuumRunsAsync(string connectionString, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT coalesce(sum(autovacuum_count + autoanalyze_count), 0)::bigint FROM pg_stat_user_tables", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
