using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using AntiDrugFlow.Integrations.Postgres;
using AntiDrugFlow.Workflows;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AntiDrugFlow.Benchmarks;

/// <summary>What the durable mode was asked to do.</summary>
public sealed record DurableArguments(int Instances, int WarmUp, IReadOnlyList<int> Concurrency)
{
    public const string Usage = "durable [--instances N] [--warm-up N] [--concurrency 1,4,16]";

    public static DurableArguments Parse(IReadOnlyList<string> args)
    {
        var result = new DurableArguments(1_000, 200, [1, 4, 16]);
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] is not ("--instances" or "--warm-up" or "--concurrency"))
            {
                throw new ArgumentException($"unknown option {args[i]}. Usage: {Usage}");
            }

            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value. Usage: {Usage}");
            result = args[i] switch
            {
                "--instances" => result with { Instances = Number(value, args[i], minimum: 1) },
                "--warm-up" => result with { WarmUp = Number(value, args[i], minimum: 0) },
                "--concurrency" => result with { Concurrency = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c => Number(c, args[i], minimum: 1))] },
                _ => result,
            };
            i++;
        }

        return result;
    }

    private static int Number(string text, string option, int minimum) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= minimum
            ? value
            : throw new ArgumentException($"{option} expects a whole number of at least {minimum}, not '{text}'.");
}

/// <summary>One concurrency level's figures.</summary>
public sealed record ThroughputResult(int Concurrency, int Instances, TimeSpan Elapsed, TimeSpan Mean, TimeSpan P50, TimeSpan P99, long Commits, long Rollbacks, long AutovacuumRuns)
{
    public double PerSecond => Instances / Elapsed.TotalSeconds;

    public double CommitsPerInstance => (double)Commits / Instances;
}

/// <summary>
/// Durable instances started and run to their first bookmark per second, on a private PostgreSQL with fsync
/// on, and the commits each one costs according to pg_stat_database.
/// </summary>
public sealed class DurableThroughput(DurableArguments arguments, TextWriter output)
{
    private const string Database = "bench";

    /// <summary>The command line's durable mode: 0 when measured, 2 for a wrong option, 130 when cancelled.</summary>
    public static Task<int> MainAsync(string[] args, TextWriter output, TextWriter error) =>
        BenchmarkMode.RunAsync(args, DurableArguments.Parse, (arguments, cancellationToken) => new DurableThroughput(arguments, output).RunAsync(cancellationToken), error);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"adf-bench-pg-{Environment.ProcessId}");
        try
        {
            await using var cluster = new EmbeddedPostgresCluster(directory, durable: true);
            await cluster.StartAsync(cancellationToken);
            await cluster.CreateDatabaseIfMissingAsync(Database, cancellationToken);
            // The engine's connection string as the host would pass it (the engine itself turns off the pool's reset).
            var connectionString = cluster.ConnectionString(Database);
            await using var counter = new CommitCounter(cluster.ConnectionString("postgres"), Database);
            await using var services = new ServiceCollection()
                .AddLogging()
                .AddWorkflowEngine(connectionString)
                .BuildServiceProvider();
            await services.GetRequiredService<SchemaMigrator>().MigrateAsync(cancellationToken);
            await services.GetRequiredService<WorkflowDefinitionService>()
                .SaveAndPublishAsync(JsonNode.Parse(BenchmarkFlows.UntilHumanTask())!.AsObject(), cancellationToken);

            await WriteMachineAsync(connectionString, directory, cancellationToken);
            await MeasureDefinitionLookupAsync(services, counter, cancellationToken);

            var results = new List<ThroughputResult>();
            foreach (var concurrency in arguments.Concurrency)
            {
                results.Add(await MeasureAsync(services, counter, connectionString, concurrency, cancellationToken));
            }

            WriteTable(results);
            await cluster.StopAsync(cancellationToken);
        }
        finally
        {
            DeleteQuietly(directory);
        }
    }

    /// <summary>
    /// Each start first asks the database which version is published, outside the step's transaction; that
    /// read commits on its own, so it is measured alone to explain the commits per instance.
    /// </summary>
    private async Task MeasureDefinitionLookupAsync(ServiceProvider services, CommitCounter counter, CancellationToken cancellationToken)
    {
        const int lookups = 200;
        var definitions = services.GetRequiredService<WorkflowDefinitionService>();
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();
        dataSource.Clear();
        await counter.SettledAsync(cancellationToken);
        await OpenPoolAsync(dataSource, 1, cancellationToken);
        var before = await counter.StableAsync(cancellationToken);
        for (var i = 0; i < lookups; i++)
        {
            _ = await definitions.PublishedAsync(BenchmarkFlows.UntilTaskId, cancellationToken)
                ?? throw new InvalidOperationException("The benchmark definition is not published.");
        }

        dataSource.Clear();
        var after = await counter.SettledAsync(cancellationToken);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Published-definition lookup alone: {after.Commits - before.Commits} commits for {lookups} lookups ({(double)(after.Commits - before.Commits) / lookups:0.00} each)."));
        output.WriteLine();
    }

    private async Task<ThroughputResult> MeasureAsync(ServiceProvider services, CommitCounter counter, string connectionString, int concurrency, CancellationToken cancellationToken)
    {
        var runtime = services.GetRequiredService<WorkflowRuntime>();
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();
        await StartManyAsync(runtime, arguments.WarmUp, concurrency, $"warm{concurrency}", cancellationToken);

        // The pool's connections are closed so their counters are published, then reopened idle so the
        // measured window neither waits for connection start-ups nor counts their transactions.
        dataSource.Clear();
        await counter.SettledAsync(cancellationToken);
        var autovacuumBefore = await CommitCounter.AutovacuumRunsAsync(connectionString, cancellationToken);
        await OpenPoolAsync(dataSource, concurrency, cancellationToken);
        var before = await counter.StableAsync(cancellationToken);

        var started = Stopwatch.GetTimestamp();
        var latencies = await StartManyAsync(runtime, arguments.Instances, concurrency, $"c{concurrency}", cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);

        dataSource.Clear();
        var after = await counter.SettledAsync(cancellationToken);
        var autovacuumAfter = await CommitCounter.AutovacuumRunsAsync(connectionString, cancellationToken);

        Array.Sort(latencies);
        var result = new ThroughputResult(
            concurrency, arguments.Instances, elapsed,
            TimeSpan.FromTicks((long)latencies.Average(l => l.Ticks)), Percentile(latencies, 0.50), Percentile(latencies, 0.99),
            after.Commits - before.Commits, after.Rollbacks - before.Rollbacks, autovacuumAfter - autovacuumBefore);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"concurrency {concurrency,2}: {result.PerSecond,7:0} instances/s, p50 {result.P50.TotalMilliseconds:0.00} ms, p99 {result.P99.TotalMilliseconds:0.00} ms, {result.CommitsPerInstance:0.00} commits/instance"));
        return result;
    }

    /// <summary>Starts <paramref name="count"/> instances from <paramref name="concurrency"/> callers; returns each start's latency.</summary>
    private static async Task<TimeSpan[]> StartManyAsync(WorkflowRuntime runtime, int count, int concurrency, string prefix, CancellationToken cancellationToken)
    {
        var latencies = new TimeSpan[count];
        var next = -1;
        var notSuspended = 0;
        var callers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var caseNumber = string.Create(CultureInfo.InvariantCulture, $"{prefix}-{i:D6}");
                var input = new JsonObject { ["caseNumber"] = caseNumber };
                var started = Stopwatch.GetTimestamp();
                var instance = await runtime.StartAsync(BenchmarkFlows.UntilTaskId, input, caseNumber, cancellationToken);
                latencies[i] = Stopwatch.GetElapsedTime(started);
                if (instance.Status != WorkflowStatus.Suspended || instance.Bookmarks.Count != 1)
                {
                    Interlocked.Increment(ref notSuspended);
                }
            }
        }, cancellationToken)).ToList();
        await Task.WhenAll(callers);

        // A start that faulted instead of reaching its task would be cheaper and flatter the figures.
        return notSuspended == 0
            ? latencies
            : throw new InvalidOperationException($"{notSuspended} of {count} instances did not stop at their human task.");
    }

    /// <summary>Opens and returns <paramref name="count"/> connections at once, so the pool holds that many idle ones.</summary>
    private static async Task OpenPoolAsync(NpgsqlDataSource dataSource, int count, CancellationToken cancellationToken)
    {
        var connections = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                connections.Add(await dataSource.OpenConnectionAsync(cancellationToken));
            }
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private async Task WriteMachineAsync(string connectionString, string directory, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var settings = new List<string>();
        foreach (var query in new[] { "SELECT version()", "SHOW fsync", "SHOW synchronous_commit", "SHOW wal_sync_method", "SHOW full_page_writes" })
        {
            await using var command = dataSource.CreateCommand(query);
            settings.Add((string)(await command.ExecuteScalarAsync(cancellationToken))!);
        }

        output.WriteLine($"Machine: {Environment.ProcessorCount} cores ({CpuModel()}), {MemoryTotal()} memory, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        output.WriteLine($"PostgreSQL: {settings[0]}");
        output.WriteLine("Npgsql: No Reset On Close=true (set by the engine's data source)");
        output.WriteLine($"fsync={settings[1]}, synchronous_commit={settings[2]}, wal_sync_method={settings[3]}, full_page_writes={settings[4]}, data in {directory}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Instances per level: {arguments.Instances} after {arguments.WarmUp} warm-up; definition {BenchmarkFlows.UntilTaskId}: Start, WriteLine, SetVariable (JavaScript), SendEmail (outbox), RunTask (bookmark)"));
        output.WriteLine();
    }

    private void WriteTable(IReadOnlyList<ThroughputResult> results)
    {
        output.WriteLine();
        output.WriteLine("| concurrency | instances | seconds | instances/s | mean ms | p50 ms | p99 ms | commits | commits/instance | rollbacks | autovacuum runs |");
        output.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Concurrency} | {r.Instances} | {r.Elapsed.TotalSeconds:0.00} | {r.PerSecond:0} | {r.Mean.TotalMilliseconds:0.00} | {r.P50.TotalMilliseconds:0.00} | {r.P99.TotalMilliseconds:0.00} | {r.Commits} | {r.CommitsPerInstance:0.00} | {r.Rollbacks} | {r.AutovacuumRuns} |"));
        }

        output.WriteLine();
        output.WriteLine("Commits are pg_stat_database.xact_commit of the benchmark database, after minus before, nothing subtracted;");
        output.WriteLine("the counters are read from the maintenance database, so reading them adds none. Autovacuum runs in the window add their own commits.");
        output.WriteLine("A start is the published-definition lookup (its own autocommit read, measured alone above) and the step's one write transaction;");
        output.WriteLine("Only the step's transaction writes WAL and waits for fsync; the others are read-only commits.");
    }

    private static TimeSpan Percentile(TimeSpan[] sorted, double fraction) =>
        sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
            : "unknown CPU";

    private static string MemoryTotal()
    {
        var line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) : null;
        var kilobytes = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return kilobytes is not null && long.TryParse(kilobytes, CultureInfo.InvariantCulture, out var kb)
            ? string.Create(CultureInfo.InvariantCulture, $"{kb / 1024.0 / 1024.0:0.0} GiB")
            : "unknown";
    }

    private static void DeleteQuietly(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover temp folder is harmless; say where it is so it can be removed by hand.
            Console.Error.WriteLine($"Could not remove {directory}: {ex.Message}");
        }
    }
}
