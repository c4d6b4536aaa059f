using System.Collections.Concurrent;
using System.Diagnostics;
using AntiDrugFlow.Integrations.Scheduling;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// The same burst as <see cref="TimerFiringBenchmark"/> as Hangfire delayed jobs on the same database, wired as the hosts
/// wire Hangfire (<see cref="BackgroundJobsExtensions"/>): <c>pending</c> delayed jobs 30 days ahead, of which
/// <c>burst</c> are due in the same second. Lateness is from the due time to the start of the job's method (Hangfire
/// has no engine step to commit), so it favours Hangfire.
/// </summary>
public static class HangfireDelayedJobsBenchmark
{
    public static async Task RunAsync(string connectionString, int pending, int burst, TextWriter output, CancellationToken cancellationToken)
    {
        var settings = new BackgroundJobOptions();
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole();
        builder.Services.AddBackgroundJobs(connectionString, settings);
        builder.Services.AddBackgroundJobServer(settings);
        using var host = builder.Build();
        // The schema first, without the server: seeding is not measured against a running server.
        await HangfireSchemaInstaller.InstallAsync(connectionString, settings.Schema, cancellationToken);
        var client = host.Services.GetRequiredService<IBackgroundJobClient>();

        var watch = Stopwatch.StartNew();
        await ScheduleAsync(client, pending - burst, DateTimeOffset.UtcNow.AddDays(30), cancellationToken);
        output.WriteLine($"hangfire: seeded {pending - burst:N0} far-future delayed jobs in {watch.Elapsed.TotalSeconds:0.0} s");
        await host.StartAsync(cancellationToken);
        output.WriteLine($"hangfire: {settings.WorkerCount?.ToString() ?? "default"} workers, schedule poll {settings.SchedulePollingInterval.TotalSeconds:0.#} s, queue poll {settings.QueuePollInterval.TotalSeconds:0.#} s, long polling {settings.LongPolling}");

        var due = DateTimeOffset.UtcNow.AddSeconds(60);
        due = new DateTimeOffset(due.Ticks - (due.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        DelayedJobProbe.Reset();
        await ScheduleAsync(client, burst, due, cancellationToken);
        output.WriteLine($"hangfire: {burst:N0} delayed jobs due at {due:O}");
        if (DateTimeOffset.UtcNow >= due)
        {
            output.WriteLine("hangfire: the burst was committed after its due time; the figures below would include that delay");
        }

        var deadline = due.AddMinutes(10);
        while (DelayedJobProbe.Count < burst && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(250, cancellationToken);
        }

        var lateness = DelayedJobProbe.Lateness(due);
        lateness.Sort();
        output.WriteLine(lateness.Count == 0
            ? "hangfire: no delayed job ran within ten minutes of its due time"
            : $"hangfire: ran {lateness.Count:N0} of {burst:N0}; lateness min {lateness[0]:0} ms, median {Percentile(lateness, 0.5):0} ms, p99 {Percentile(lateness, 0.99):0} ms, max {lateness[^1]:0} ms");
        await host.StopAsync(cancellationToken);
    }

    private static async Task ScheduleAsync(IBackgroundJobClient client, int count, DateTimeOffset at, CancellationToken cancellationToken)
    {
        // Hangfire's client is synchronous; a few callers at once, as several request threads would.
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, (_, _) =>
        {
            client.Schedule(() => DelayedJobProbe.Fire(), at);
            return ValueTask.CompletedTask;
        });
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

/// <summary>The benchmark's delayed job: notes when it started.</summary>
public static class DelayedJobProbe
{
    private static ConcurrentQueue<DateTimeOffset> _started = new();

    public static int Count => _started.Count;

    public static void Fire() => _started.Enqueue(DateTimeOffset.UtcNow);

    public static void Reset() => _started = new();

    public static List<double> Lateness(DateTimeOffset due) => [.. _started.Select(s => (s - due).TotalMilliseconds)];
}
