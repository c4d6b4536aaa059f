using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AntiDrugFlow.Integrations.Postgres;
using AntiDrugFlow.Workflows;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AntiDrugFlow.Benchmarks;

/// <param name="Messages">Messages queued and then delivered per pattern.</param>
/// <param name="Workers">Claimers at once, as hosts' dispatch loops and their deliveries' outcome writers.</param>
/// <param name="Claim">Messages a claim takes.</param>
public sealed record OutboxStoreArguments(int Messages, int Workers, int Claim)
{
    public static OutboxStoreArguments Parse(string[] args)
    {
        var result = new OutboxStoreArguments(20_000, 4, 32);
        for (var i = 0; i < args.Length; i += 2)
        {
            var value = i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"{args[i]} needs a positive number");
            result = args[i] switch
            {
                "--messages" => result with { Messages = value },
                "--workers" => result with { Workers = value },
                "--claim" => result with { Claim = value },
                _ => throw new ArgumentException($"unknown option '{args[i]}' (--messages, --workers, --claim)"),
            };
        }

        return result;
    }
}

/// <summary>
/// What the outbox table costs PostgreSQL per delivered message, without a receiver: messages queued as steps queue them,
/// then claimed and recorded sent by several workers through <see cref="PostgresOutboxStore"/>, in two patterns — every
/// claimed message delivered, and only 4 of each claim delivered with the rest handed back (one busy receiver, as the
/// dispatcher does when a receiver's places are taken). Prints messages/s, WAL per message, the share of updates that
/// were HOT (no index entries written) and the size of the table and its indexes after the run.
/// </summary>
public sealed class OutboxStoreBenchmark(OutboxStoreArguments arguments, TextWriter output)
{
    private const string Database = "adf_bench_outbox";
    private const int Kept = 4;

    public static Task<int> MainAsync(string[] args, TextWriter output, TextWriter error) =>
        BenchmarkMode.RunAsync(args, OutboxStoreArguments.Parse, (arguments, cancellationToken) => new OutboxStoreBenchmark(arguments, output).RunAsync(cancellationToken), error);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"adf-bench-outbox-pg-{Environment.ProcessId}");
        try
        {
            await using var cluster = new EmbeddedPostgresCluster(directory, durable: true);
            await cluster.StartAsync(cancellationToken);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{arguments.Messages:N0} messages per pattern, {arguments.Workers} workers claiming {arguments.Claim} at a time, {Environment.ProcessorCount} cores, fsync on"));
            foreach (var kept in new[] { arguments.Claim, Kept })
            {
                // A database of its own per pattern: the outbox is its only table with rows, so the database's counters and
                // sizes are the outbox's (and the benchmark reaches the engine's table only through the engine's store).
                var database = $"{Database}_{kept}";
                await cluster.CreateDatabaseIfMissingAsync(database, cancellationToken);
                var connectionString = cluster.ConnectionString(database);
                await using var counter = new CommitCounter(cluster.ConnectionString("postgres"), database);
                await using var services = new ServiceCollection().AddLogging().AddWorkflowEngine(connectionString).BuildServiceProvider();
                await services.GetRequiredService<SchemaMigrator>().MigrateAsync(cancellationToken);
                await MeasureAsync(services.GetRequiredService<PostgresOutboxStore>(), services.GetRequiredService<NpgsqlDataSource>(), counter, kept, cancellationToken);
            }

            await cluster.StopAsync(cancellationToken);
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A cluster that did not stop keeps a file open; the folder is in the temporary directory.
            }
        }
    }

    private async Task MeasureAsync(PostgresOutboxStore store, NpgsqlDataSource dataSource, CommitCounter counter, int kept, CancellationToken cancellationToken)
    {
        await QueueAsync(store, dataSource, cancellationToken);
        await ExecuteAsync(dataSource, "VACUUM ANALYZE", cancellationToken);
        dataSource.Clear();
        await counter.SettledAsync(cancellationToken);
        var updatesBefore = await UpdatesAsync(dataSource, cancellationToken);
        var walBefore = await counter.WalAsync(cancellationToken);

        var sent = 0;
        var claims = 0;
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, arguments.Workers).Select(worker => Task.Run(async () =>
        {
            var owner = $"bench-{worker}";
            while (Volatile.Read(ref sent) < arguments.Messages)
            {
                var now = TimeProvider.System.GetUtcNow();
                var claimed = await store.ClaimAsync(now, TimeSpan.FromSeconds(30), arguments.Claim, owner, cancellationToken);
                Interlocked.Increment(ref claims);
                if (claimed.Count == 0)
                {
                    await Task.Delay(1, cancellationToken);
                    continue;
                }

                var recorded = await store.MarkSentAsync([.. claimed.Take(kept).Select(item => (item, now))], cancellationToken);
                await store.ReleaseAsync([.. claimed.Skip(kept)], now, cancellationToken);
                Interlocked.Add(ref sent, recorded.Count);
            }
        }, cancellationToken)).ToList();
        await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(started);

        dataSource.Clear();
        await counter.SettledAsync(cancellationToken);
        var wal = await counter.WalAsync(cancellationToken) - walBefore;
        var updatesAfter = await UpdatesAsync(dataSource, cancellationToken);
        var (updates, hot) = (updatesAfter.Updates - updatesBefore.Updates, updatesAfter.Hot - updatesBefore.Hot);
        var sizes = await SizesAsync(dataSource, cancellationToken);
        var pattern = kept >= arguments.Claim ? "every claimed message delivered" : $"{kept} of each claim delivered, the rest handed back";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{pattern,-52}: {sent / elapsed.TotalSeconds,7:N0} messages/s, {claims:N0} claims, {wal.Bytes / (double)sent,6:N0} WAL bytes/message ({wal.FullPages / (double)sent:0.00} full pages), " +
            $"{updates:N0} updates of which {100.0 * hot / Math.Max(updates, 1):0.0} % HOT; after the run {sizes}"));
    }

    /// <summary>Queues the messages as steps do: a transaction each 500, through the outbox's own insert.</summary>
    private async Task QueueAsync(PostgresOutboxStore store, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var createdAt = TimeProvider.System.GetUtcNow();
        for (var first = 0; first < arguments.Messages; first += 500)
        {
            var messages = Enumerable.Range(first, Math.Min(500, arguments.Messages - first)).Select(i => new OutboxMessage(
                Guid.NewGuid(), $"bench-instance-{i}", OutboxKinds.Email, $"bench:{Guid.NewGuid():N}",
                new JsonObject { ["to"] = "police-station@agencies.invalid", ["subject"] = "通報", ["body"] = "請登入系統查看。" }, createdAt)).ToList();
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await store.EnqueueAsync(transaction, messages, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
    }

    private static async Task<(long Updates, long Hot)> UpdatesAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT sum(n_tup_upd)::bigint, sum(n_tup_hot_upd)::bigint FROM pg_stat_user_tables");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<string> SizesAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i') AND pg_relation_size(c.oid) > 65536
            ORDER BY c.relname
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var sizes = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            sizes.Add(string.Create(CultureInfo.InvariantCulture, $"{reader.GetString(0)} {reader.GetInt64(1) / 1024.0 / 1024.0:0.0} MB"));
        }

        return string.Join(", ", sizes);
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
