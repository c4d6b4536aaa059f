using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AntiDrugFlow.Integrations.Postgres;
using AntiDrugFlow.Integrations.Scheduling;
using AntiDrugFlow.Workflows;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// How late workflow timers fire through the engine's timer pump when many are pending and a burst comes due at once:
/// a private PostgreSQL (fsync on), <c>pending</c> timers in the store (default 1,000,000), of which <c>burst</c>
/// (default 1,000) are due in the same second. Lateness is measured end to end, from the due time to the commit of the
/// resumed step (the instance's finished_at). Entry point: <c>TimerFiringBenchmark.RunAsync(args, Console.Out, token)</c>
/// with args <c>[pending] [burst] [workers] [batch size] [hangfire pending]</c>. The same burst then runs as Hangfire
/// delayed jobs on the same database among <c>hangfire pending</c> (default 10,000) far-future ones.
/// </summary>
public static class TimerFiringBenchmark
{
    private const string DefinitionJson = """
        {"id":"bench-delay:v1","definitionId":"bench-delay","name":"bench-delay","version":1,"isPublished":true,"isLatest":true,
         "variables":[],"inputs":[],"outputs":[],"customProperties":{},
         "root":{"type":"Elsa.Flowchart","id":"flowchart","activities":[
           {"id":"wait","type":"Elsa.Delay","version":1,"timeSpan":{"typeName":"TimeSpan","expression":{"type":"Literal","value":"02:00:00"}}},
           {"id":"after","type":"Elsa.WriteLine","version":1,"text":{"typeName":"String","expression":{"type":"Literal","value":"fired"}}}],
          "connections":[{"source":{"activity":"wait","port":"Done"},"target":{"activity":"after","port":"In"}}]}}
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        var pending = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var burst = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000;
        var pump = new TimerPumpOptions();
        pump.Workers = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : pump.Workers;
        pump.BatchSize = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : pump.BatchSize;
        var hangfirePending = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 10_000;
        var directory = Path.Combine(Path.GetTempPath(), $"adf-bench-timers-{Environment.ProcessId}");
        await using var cluster = new EmbeddedPostgresCluster(directory, durable: true);
        await cluster.StartAsync(cancellationToken);
        try
        {
            await cluster.CreateDatabaseIfMissingAsync("bench", cancellationToken);
            var connectionString = cluster.ConnectionString("bench");
            await using (var dataSource = NpgsqlDataSource.Create(connectionString))
            {
                await new SchemaMigrator(dataSource, [], NullLogger<SchemaMigrator>.Instance).MigrateAsync(cancellationToken);
            }

            // The far-future timers: one real instance waiting 30 days, cloned in SQL.
            var farClock = new FixedClock(DateTimeOffset.UtcNow.AddDays(30).AddHours(-2));
            var template = await StartInstancesAsync(connectionString, farClock, 1, cancellationToken);
            var watch = Stopwatch.StartNew();
            await CloneAsync(connectionString, template[0], pending - burst - 1, cancellationToken);
            output.WriteLine($"seeded {pending - burst:N0} far-future timers in {watch.Elapsed.TotalSeconds:0.0} s");

            using var host = BuildHost(connectionString, pump);
            output.WriteLine($"timer pump: {pump.Workers} parallel batches of up to {pump.BatchSize} timers, poll {pump.PollInterval.TotalSeconds:0.#} s");
            await host.StartAsync(cancellationToken);

            // The burst: due in the same second, committed before it by a process with no pump (as another host would).
            var due = DateTimeOffset.UtcNow.AddSeconds(20);
            due = new DateTimeOffset(due.Ticks - (due.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
            var ids = await StartInstancesAsync(connectionString, new FixedClock(due.AddHours(-2)), burst, cancellationToken);
            output.WriteLine($"{burst:N0} timers due at {due:O}; {await CountPendingAsync(connectionString, cancellationToken):N0} timers pending");
            if (DateTimeOffset.UtcNow >= due)
            {
                output.WriteLine("the burst was committed after its due time; the figures below would include that delay");
            }

            var lateness = await WaitForFinishedAsync(connectionString, ids, due, cancellationToken);
            lateness.Sort();
            output.WriteLine($"pump: fired {lateness.Count:N0} of {burst:N0}; lateness median {Percentile(lateness, 0.5):0} ms, p99 {Percentile(lateness, 0.99):0} ms, max {lateness[^1]:0} ms");
            await host.StopAsync(cancellationToken);

            // Side by side on the same database: the same burst as Hangfire delayed jobs.
            await HangfireDelayedJobsBenchmark.RunAsync(connectionString, hangfirePending, burst, output, cancellationToken);
            return 0;
        }
        finally
        {
            await cluster.StopAsync(CancellationToken.None);
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }

    private static IHost BuildHost(string connectionString, TimerPumpOptions pump)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole();
        builder.Services.AddWorkflowEngine(connectionString);
        builder.Services.AddWorkflowTimerPump(pump, runPump: true);
        return builder.Build();
    }

    /// <summary>Starts instances of the 2-hour delay flow with the given clock, without any scheduler (as a host that died before scheduling).</summary>
    private static async Task<IReadOnlyList<string>> StartInstancesAsync(string connectionString, TimeProvider clock, int count, CancellationToken cancellationToken)
    {
        await using var services = new ServiceCollection().AddLogging().AddSingleton(clock).AddWorkflowEngine(connectionString).BuildServiceProvider();
        var definitions = services.GetRequiredService<WorkflowDefinitionService>();
        if (await definitions.PublishedAsync("bench-delay", cancellationToken) is null)
        {
            await definitions.SaveAndPublishAsync(JsonNode.Parse(DefinitionJson)!.AsObject(), cancellationToken);
        }

        var runtime = services.GetRequiredService<WorkflowRuntime>();
        var ids = new List<string>(count);
        foreach (var chunk in Enumerable.Range(0, count).Chunk(16))
        {
            var started = await Task.WhenAll(chunk.Select(_ => runtime.StartAsync("bench-delay", null, null, cancellationToken)));
            ids.AddRange(started.Select(i => i.Id));
        }

        return ids;
    }

    /// <summary>Copies the template instance and its timer through the engine's bulk load, a second apart each.</summary>
    private static async Task CloneAsync(string connectionString, string templateId, int count, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await EngineBulkLoad.CloneWaitingInstanceAsync(dataSource, templateId, count, "bench-", cancellationToken);
    }

    private static async Task<List<double>> WaitForFinishedAsync(string connectionString, IReadOnlyList<string> ids, DateTimeOffset due, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var deadline = DateTimeOffset.UtcNow.AddMinutes(10) + (due - DateTimeOffset.UtcNow);
        while (DateTimeOffset.UtcNow < deadline)
        {
            var lateness = new List<double>(await EngineBulkLoad.FinishedAfterAsync(dataSource, ids, due, cancellationToken));
            if (lateness.Count == ids.Count)
            {
                return lateness;
            }

            await Task.Delay(250, cancellationToken);
        }

        throw new TimeoutException("the burst did not finish within ten minutes of its due time");
    }

    private static async Task<long> CountPendingAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        return await EngineBulkLoad.CountPendingTimersAsync(dataSource, cancellationToken);
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>A clock standing still, so a batch of instances started with it all come due in the same instant.</summary>
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
