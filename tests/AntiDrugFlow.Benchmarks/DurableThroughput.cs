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
public sealed record DurableArguments(int Instances, int WarmUp, IReadOnlyList<int> Concurrency, int PgbenchSeconds = 10, int? StartWriters = null, int? WriterBacklog = null)
{
    public const string Usage = "durable [--instances N] [--warm-up N] [--concurrency 1,4,16] [--pgbench-seconds N (0: no reference)] [--start-writers N (the engine's StartWriters)] [--writer-backlog N (the engine's StartWriterBacklog)]";

    public static DurableArguments Parse(IReadOnlyList<string> args)
    {
        var result = new DurableArguments(1_000, 200, [1, 4, 16]);
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] is not ("--instances" or "--warm-up" or "--concurrency" or "--pgbench-seconds" or "--start-writers" or "--writer-backlog"))
            {
                throw new ArgumentException($"unknown option {args[i]}. Usage: {Usage}");
            }

            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value. Usage: {Usage}");
            result = args[i] switch
            {
                "--instances" => result with { Instances = Number(value, args[i], minimum: 1) },
                "--warm-up" => result with { WarmUp = Number(value, args[i], minimum: 0) },
                "--pgbench-seconds" => result with { PgbenchSeconds = Number(value, args[i], minimum: 0) },
                "--start-writers" => result with { StartWriters = Number(value, args[i], minimum: 1) },
                "--writer-backlog" => result with { WriterBacklog = Number(value, args[i], minimum: 1) },
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

/// <summary>One concurrency level's figures, with the pgbench single-insert rate measured right after it (null when not run).</summary>
public sealed record ThroughputResult(
    int Concurrency, int Instances, TimeSpan Elapsed, TimeSpan Mean, TimeSpan P50, TimeSpan P99, long Commits, long Rollbacks, long AutovacuumRuns,
    TimeSpan ClientCpu, string LoadAverage, WalVolume Wal, double? PgbenchInsertsPerSecond = null, double? PgbenchStartWritesPerSecond = null)
{
    public double PerSecond => Instances / Elapsed.TotalSeconds;

    public double CommitsPerInstance => (double)Commits / Instances;

    /// <summary>This process's CPU time (user and system, every thread) per start: what load on the machine does not change.</summary>
    public double ClientCpuMsPerInstance => ClientCpu.TotalMilliseconds / Instances;

    /// <summary>WAL bytes written per start (the whole cluster's, in the measured window: only the engine wrote).</summary>
    public double WalBytesPerInstance => (double)Wal.Bytes / Instances;

    /// <summary>Full-page images per start: pages written whole to the WAL on their first change after a checkpoint.</summary>
    public double FullPagesPerInstance => (double)Wal.FullPages / Instances;

    public double? PercentOfPgbench => PgbenchInsertsPerSecond is > 0 ? 100 * PerSecond / PgbenchInsertsPerSecond : null;

    /// <summary>The engine against pgbench sending a start's own writes (<see cref="StartWritesScript"/>).</summary>
    public double? PercentOfStartWrites => PgbenchStartWritesPerSecond is > 0 ? 100 * PerSecond / PgbenchStartWritesPerSecond : null;

    /// <summary>A start's own writes, sent by pgbench, against its single insert: the most the goal's ratio could be with no engine at all.</summary>
    public double? StartWritesPercentOfPgbench => PgbenchInsertsPerSecond is > 0 && PgbenchStartWritesPerSecond is { } writes ? 100 * writes / PgbenchInsertsPerSecond : null;
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
                .AddWorkflowEngine(connectionString, o =>
                {
                    o.StartWriters = arguments.StartWriters ?? o.StartWriters;
                    o.StartWriterBacklog = arguments.WriterBacklog ?? o.StartWriterBacklog;
                })
                .BuildServiceProvider();
            await services.GetRequiredService<SchemaMigrator>().MigrateAsync(cancellationToken);
            await services.GetRequiredService<WorkflowDefinitionService>()
                .SaveAndPublishAsync(JsonNode.Parse(BenchmarkFlows.UntilHumanTask())!.AsObject(), cancellationToken);

            await WriteMachineAsync(connectionString, directory, cancellationToken);
            using var pgbench = arguments.PgbenchSeconds == 0 ? null : await PgbenchReference.PrepareAsync(cluster, arguments.PgbenchSeconds, output, cancellationToken);

            // The first level would otherwise pay for tiered compilation: measured, its client CPU per start was three
            // times that of the same level run again afterwards; after 2,000 starts the first 16-caller level still used
            // 0.17–0.28 client CPU ms per start against 0.12–0.13 in the levels after it.
            var processWarmUp = Math.Max(arguments.WarmUp, 10_000);
            await StartManyAsync(services.GetRequiredService<WorkflowRuntime>(), processWarmUp, 4, "jit", cancellationToken);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Process warm-up: {processWarmUp} starts from 4 callers before the first level (JIT tiering), then {arguments.WarmUp} per level."));
            output.WriteLine();
            if (pgbench is not null)
            {
                await pgbench.UseStartWritesAsync(await SampleStartWritesAsync(services, cancellationToken), Database, cancellationToken);
            }

            var results = new List<ThroughputResult>();
            foreach (var concurrency in arguments.Concurrency)
            {
                var result = await MeasureAsync(services, counter, connectionString, concurrency, cancellationToken);
                // Right after the engine's level, on the same server and concurrency, so both see the same load from other work.
                if (pgbench is not null)
                {
                    result = result with
                    {
                        PgbenchInsertsPerSecond = await pgbench.InsertsPerSecondAsync(concurrency, cancellationToken),
                        PgbenchStartWritesPerSecond = await pgbench.StartWritesPerSecondAsync(concurrency, cancellationToken),
                    };
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"              pgbench single insert: {result.PgbenchInsertsPerSecond,7:0} tx/s, engine {result.PercentOfPgbench:0.0} % of it"));
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"              pgbench, a start's own writes: {result.PgbenchStartWritesPerSecond,7:0} tx/s ({result.StartWritesPercentOfPgbench:0.0} % of the single insert), engine {result.PercentOfStartWrites:0.0} % of it"));
                }

                results.Add(result);
            }

            WriteTable(results);
            await cluster.StopAsync(cancellationToken);
        }
        finally
        {
            DeleteQuietly(directory);
        }
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
        var walBefore = await counter.WalAsync(cancellationToken);

        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        var latencies = await StartManyAsync(runtime, arguments.Instances, concurrency, $"c{concurrency}", cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var load = LoadAverage();

        dataSource.Clear();
        var after = await counter.SettledAsync(cancellationToken);
        // Read once the backends have gone, so their full-page counts are published.
        var wal = await counter.WalAsync(cancellationToken) - walBefore;
        var autovacuumAfter = await CommitCounter.AutovacuumRunsAsync(connectionString, cancellationToken);

        Array.Sort(latencies);
        var result = new ThroughputResult(
            concurrency, arguments.Instances, elapsed,
            TimeSpan.FromTicks((long)latencies.Average(l => l.Ticks)), Percentile(latencies, 0.50), Percentile(latencies, 0.99),
            after.Commits - before.Commits, after.Rollbacks - before.Rollbacks, autovacuumAfter - autovacuumBefore, cpu, load, wal);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"concurrency {concurrency,2}: {result.PerSecond,7:0} instances/s, p50 {result.P50.TotalMilliseconds:0.00} ms, p99 {result.P99.TotalMilliseconds:0.00} ms, {result.CommitsPerInstance:0.00} commits/instance, {result.ClientCpuMsPerInstance:0.00} client CPU ms/instance, {result.WalBytesPerInstance / 1024:0.0} KB WAL ({result.FullPagesPerInstance:0.00} full pages)/instance, load {load}"));
        return result;
    }

    /// <summary>One more start, whose first step's writes become pgbench's second reference (<see cref="StartWritesScript"/>).</summary>
    private static async Task<StartWritesScript> SampleStartWritesAsync(ServiceProvider services, CancellationToken cancellationToken)
    {
        var published = await services.GetRequiredService<WorkflowDefinitionService>().PublishedForStartAsync(BenchmarkFlows.UntilTaskId, fresh: false, cancellationToken)
            ?? throw new InvalidOperationException($"{BenchmarkFlows.UntilTaskId} is not published.");
        var sample = await services.GetRequiredService<WorkflowRuntime>().StartStepAsync(
            BenchmarkFlows.UntilTaskId, new JsonObject { ["caseNumber"] = "sample-000000" }, "sample-000000", new StartOptions(), cancellationToken);
        return StartWritesScript.From(sample.Step ?? throw new InvalidOperationException("The sample start ran no step."), published.Stamp);
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
        var defaults = new EngineOptions();
        static string Setting(int? given, int fallback, string option) =>
            given is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value} ({option})") : string.Create(CultureInfo.InvariantCulture, $"{fallback} (the engine's default)");
        output.WriteLine($"Start writers: {Setting(arguments.StartWriters, defaults.StartWriters, "--start-writers")}, another after the first once this many starts wait: {Setting(arguments.WriterBacklog, defaults.StartWriterBacklog, "--writer-backlog")}");
        output.WriteLine();
    }

    private void WriteTable(IReadOnlyList<ThroughputResult> results)
    {
        output.WriteLine();
        output.WriteLine("Goal (issue 17): durable starts at least 25 % of pgbench's single-insert rate at the same concurrency.");
        output.WriteLine();
        output.WriteLine("| callers | engine starts/s | pgbench single insert tx/s | engine / pgbench | pgbench, a start's own writes tx/s | those / single insert | engine / those | engine p50 ms | commits/start | client CPU ms/start | load average (1, 5, 15 min) |");
        output.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        static string Rate(double? tps) => tps is { } value ? value.ToString("0", CultureInfo.InvariantCulture) : "not run";
        static string Percent(double? percent) => percent is { } value ? value.ToString("0.0", CultureInfo.InvariantCulture) + " %" : "-";
        foreach (var r in results)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Concurrency} | {r.PerSecond:0} | {Rate(r.PgbenchInsertsPerSecond)} | {Percent(r.PercentOfPgbench)} | {Rate(r.PgbenchStartWritesPerSecond)} | {Percent(r.StartWritesPercentOfPgbench)} | {Percent(r.PercentOfStartWrites)} | {r.P50.TotalMilliseconds:0.00} | {r.CommitsPerInstance:0.00} | {r.ClientCpuMsPerInstance:0.00} | {r.LoadAverage} |"));
        }

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
        output.WriteLine("A start's writes (the proof that its version is still published, then the step's rows) go as one implicit transaction, grouped with the");
        output.WriteLine("starts queued meanwhile (StartGroups: at most StartWriters groups in flight), so commits/start below 1 is how many groups were written;");
        output.WriteLine("pgbench's reference is one INSERT of one row per transaction (-n -f insert.sql) on the same server, for --pgbench-seconds, right after each level;");
        output.WriteLine("its second, right after the first, is a start's own writes as the engine sends them, one start a transaction (StartWritesScript): what PostgreSQL");
        output.WriteLine("takes for a start's rows with no engine, no JavaScript and a client in C; 'those / single insert' is the most the goal's ratio could be.");
    }

    /// <summary>The machine's load average as /proc/loadavg gives it (1, 5 and 15 minutes).</summary>
    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

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
