using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Host;
using AntiDrugFlow.Host.Infrastructure;
using AntiDrugFlow.Integrations.Postgres;
using AntiDrugFlow.Workflows.Outbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AntiDrugFlow.Benchmarks;

/// <summary>What the http mode was asked to do.</summary>
/// <remarks>
/// <see cref="Rate"/> and <see cref="OpenLoopSeconds"/> shape the open-loop phase: the largest <see cref="Concurrency"/>'s
/// submitters share an offered rate of <see cref="Rate"/> notifications a second for <see cref="OpenLoopSeconds"/> (0 skips it).
/// </remarks>
public sealed record HttpLoadArguments(int Notifications, int Pipeline, int WarmUp, IReadOnlyList<int> Concurrency, bool Pgbench, bool Profile, int? MaxConnections, int Rate = 500, int OpenLoopSeconds = 10, int OpenLoopRuns = 1, bool Allocations = false, bool Statements = false)
{
    public const string Usage = "http [--notifications N] [--pipeline N] [--warm-up N] [--concurrency 1,10,100] [--rate N] [--open-loop-seconds N] [--open-loop-runs N] [--max-connections N] [--profile] [--allocations] [--statements] [--no-pgbench]";

    public static HttpLoadArguments Parse(IReadOnlyList<string> args)
    {
        var result = new HttpLoadArguments(300, 100, 40, [1, 10, 100], Pgbench: true, Profile: false, MaxConnections: null);
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--profile":
                    result = result with { Profile = true };
                    continue;
                case "--allocations":
                    result = result with { Allocations = true };
                    continue;
                case "--statements":
                    result = result with { Statements = true };
                    continue;
                case "--no-pgbench":
                    result = result with { Pgbench = false };
                    continue;
                case "--notifications" or "--pipeline" or "--warm-up" or "--concurrency" or "--max-connections" or "--rate" or "--open-loop-seconds" or "--open-loop-runs":
                    break;
                default:
                    throw new ArgumentException($"unknown option {args[i]}. Usage: {Usage}");
            }

            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value. Usage: {Usage}");
            result = args[i] switch
            {
                "--notifications" => result with { Notifications = Number(value, args[i], minimum: 1) },
                "--pipeline" => result with { Pipeline = Number(value, args[i], minimum: 0) },
                "--warm-up" => result with { WarmUp = Number(value, args[i], minimum: 0) },
                "--max-connections" => result with { MaxConnections = Number(value, args[i], minimum: 4) },
                "--rate" => result with { Rate = Number(value, args[i], minimum: 1) },
                "--open-loop-seconds" => result with { OpenLoopSeconds = Number(value, args[i], minimum: 0) },
                "--open-loop-runs" => result with { OpenLoopRuns = Number(value, args[i], minimum: 1) },
                _ => result with { Concurrency = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c => Number(c, args[i], minimum: 1))] },
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

/// <summary>The latencies of one endpoint in one phase.</summary>
public sealed class EndpointTimes(string name)
{
    private readonly ConcurrentBag<TimeSpan> _latencies = [];
    private int _failures;
    private string? _firstFailure;

    public string Name { get; } = name;

    public int Count => _latencies.Count;

    public int Failures => _failures;

    public void Add(TimeSpan latency) => _latencies.Add(latency);

    /// <summary>Counts a request that did not do its work; the first reason is kept for the report.</summary>
    public void Failed(string reason)
    {
        Interlocked.Increment(ref _failures);
        Interlocked.CompareExchange(ref _firstFailure, reason, null);
    }

    public string? FirstFailure => _firstFailure;

    /// <summary>The latency below which <paramref name="fraction"/> of the requests finished (nearest rank); zero when none did.</summary>
    public TimeSpan Percentile(double fraction)
    {
        var sorted = _latencies.OrderBy(l => l).ToArray();
        return sorted.Length == 0 ? TimeSpan.Zero : Percentile(sorted, fraction);
    }

    public string Line(TimeSpan elapsed)
    {
        var sorted = _latencies.OrderBy(l => l).ToArray();
        return sorted.Length == 0
            ? $"| {Name} | 0 | | | | | {_failures} |"
            : string.Create(CultureInfo.InvariantCulture,
                $"| {Name} | {sorted.Length} | {sorted.Length / elapsed.TotalSeconds:0} | {Percentile(sorted, 0.50).TotalMilliseconds:0.0} | {Percentile(sorted, 0.99).TotalMilliseconds:0.0} | {sorted[^1].TotalMilliseconds:0.0} | {_failures} |");
    }

    /// <summary>The latency at <paramref name="fraction"/> (0.5 the median, 1 the slowest) in milliseconds; NaN when nothing succeeded.</summary>
    public double PercentileMilliseconds(double fraction)
    {
        var sorted = _latencies.OrderBy(l => l).ToArray();
        return sorted.Length == 0 ? double.NaN : Percentile(sorted, fraction).TotalMilliseconds;
    }

    private static TimeSpan Percentile(TimeSpan[] sorted, double fraction) =>
        sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>
/// The host in this process on a private PostgreSQL (fsync on, max_connections 100), Kestrel on loopback, driven over
/// HTTP as a school and a police station use it: notifications, inbox reads, acknowledgements and completions at each
/// chosen concurrency, and the time from a submission until its task shows in the police inbox. pgbench's single-row
/// insert rate on the same cluster, at the same concurrency, is printed beside each level when pgbench is installed.
/// </summary>
public sealed class HttpLoadBenchmark(HttpLoadArguments arguments, TextWriter output)
{
    private const string Database = "bench";
    internal const string Password = "BenchDemoPass2026";
    private const string School = "school.kl-xinyi-jh";
    private const string Police = "police.kl-xinyi";
    private PostgresStatements? _statements;

    /// <summary>The command line's http mode: 0 when measured, 2 for a wrong option, 130 when cancelled.</summary>
    public static Task<int> MainAsync(string[] args, TextWriter output, TextWriter error) =>
        BenchmarkMode.RunAsync(args, HttpLoadArguments.Parse, (arguments, cancellationToken) => new HttpLoadBenchmark(arguments, output).RunAsync(cancellationToken), error);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"adf-bench-http-{Environment.ProcessId}");
        try
        {
            await using var cluster = new EmbeddedPostgresCluster(directory, durable: true, maxConnections: 100);
            await cluster.StartAsync(cancellationToken);
            cluster.StopAndDeleteWhenProcessEnds(Environment.ProcessId);
            await cluster.CreateDatabaseIfMissingAsync(Database, cancellationToken);
            _statements = arguments.Statements ? await PostgresStatements.LoadAsync(cluster, Database, cancellationToken) : null;
            using var profiler = arguments.Profile ? new RequestProfiler() : null;
            await using var app = await StartHostAsync(cluster.ConnectionString(Database), Path.Combine(directory, "mail"), tagRequests: profiler is not null, cancellationToken);
            try
            {
                await MeasureAsync(app, cluster, profiler, cancellationToken);
            }
            finally
            {
                // Disposed without stopping, the host's background services would fail on their way out.
                await app.StopAsync(CancellationToken.None);
            }

            await cluster.StopAsync(cancellationToken);
        }
        finally
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
                Console.Error.WriteLine($"Could not remove {directory}: {ex.Message}");
            }
        }
    }

    private async Task MeasureAsync(WebApplication app, EmbeddedPostgresCluster cluster, RequestProfiler? profiler, CancellationToken cancellationToken)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        WriteMachine(address);

        using var school = await SignedInAsync(address, School, cancellationToken);
        using var police = await SignedInAsync(address, Police, cancellationToken);
        var pgbench = arguments.Pgbench ? await Pgbench.CreateAsync(cluster, output, cancellationToken) : null;
        output.WriteLine("The disk's flush latency before anything runs (8 KB write + fsync, one at a time, beside PostgreSQL's WAL): " + await DiskFlushReference.MeasureAsync(cluster.DataDirectory, TimeSpan.FromSeconds(5), cancellationToken));
        output.WriteLine();

        // The warm-up runs at the highest level's concurrency, so the paths only concurrency takes (a start waiting for a
        // group, a pool at its limit) are compiled and tiered before anything is measured, as in a host that has run a while.
        var warmUp = new Level(1);
        await SubmitAsync(school, warmUp, arguments.WarmUp, arguments.Concurrency.Max(), cancellationToken);
        await DrainAsync(police, warmUp, Math.Min(10, arguments.Concurrency.Max()), cancellationToken);
        await PipelineAsync(school, police, warmUp, Math.Min(10, arguments.WarmUp), 1, cancellationToken);
        await SettleAsync(school, police, arguments.Concurrency.Max(), cancellationToken);

        if (profiler is not null)
        {
            await ProfileAsync(profiler, school, police, cancellationToken);
        }

        var closedLoop = new Dictionary<int, (Level Level, TimeSpan Submit, TimeSpan Pipeline)>();
        foreach (var concurrency in arguments.Concurrency)
        {
            closedLoop[concurrency] = await MeasureLevelAsync(school, police, concurrency, pgbench, cancellationToken);
        }

        var submitters = arguments.Concurrency.Max();
        var openLoops = new List<OpenLoop>();
        for (var run = 0; arguments.OpenLoopSeconds > 0 && run < arguments.OpenLoopRuns; run++)
        {
            openLoops.Add(await MeasureOpenLoopAsync(school, police, submitters, app.Services.GetRequiredService<PostgresOutboxStore>(), cluster, cancellationToken));
        }

        WriteGoals(submitters, closedLoop[submitters], openLoops);
    }

    private async Task<(Level Level, TimeSpan Submit, TimeSpan Pipeline)> MeasureLevelAsync(HttpClient school, HttpClient police, int concurrency, Pgbench? pgbench, CancellationToken cancellationToken)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"## concurrency {concurrency} (load average {LoadAverage()})"));
        output.WriteLine();
        var level = new Level(concurrency);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var submit = await SubmitAsync(school, level, arguments.Notifications, concurrency, cancellationToken);
        var submitCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var drain = await DrainAsync(police, level, concurrency, cancellationToken);
        var pipeline = arguments.Pipeline > 0 ? await PipelineAsync(school, police, level, arguments.Pipeline, concurrency, cancellationToken) : TimeSpan.Zero;

        output.WriteLine("| phase, endpoint | requests | per second | p50 ms | p99 ms | max ms | failed |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        output.WriteLine("| **submit** " + level.Submit.Line(submit)[1..]);
        output.WriteLine("| drain: " + level.BigInbox.Line(drain.Inbox)[1..]);
        output.WriteLine("| drain: " + level.Acknowledge.Line(drain.Acknowledge)[1..]);
        output.WriteLine("| drain: " + level.Complete.Line(drain.Complete)[1..]);
        if (arguments.Pipeline > 0)
        {
            foreach (var times in new[] { level.PipelineSubmit, level.Inbox, level.PipelineAcknowledge, level.PipelineComplete, level.Visible })
            {
                output.WriteLine("| pipeline: " + times.Line(pipeline)[1..]);
            }
        }

        output.WriteLine();
        foreach (var times in new[] { level.Submit, level.BigInbox, level.Acknowledge, level.Complete, level.PipelineSubmit, level.Inbox, level.PipelineAcknowledge, level.PipelineComplete })
        {
            if (times.FirstFailure is { } reason)
            {
                output.WriteLine($"First failure of {times.Name}: {(reason.Length > 300 ? reason[..300] : reason)}");
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Submit phase: {arguments.Notifications} notifications in {submit.TotalSeconds:0.00} s, this process's CPU {submitCpu.TotalMilliseconds / arguments.Notifications:0.0} ms per notification (host and client), working set {Process.GetCurrentProcess().WorkingSet64 / 1024 / 1024} MB; load average {LoadAverage()}."));
        if (pgbench is not null)
        {
            // The server's 100 connections are shared with the host's budget (40): pgbench gets at most 50 of them.
            var clients = Math.Min(concurrency, Pgbench.MaxClients);
            var rate = await pgbench.InsertRateAsync(clients, cancellationToken);
            var ours = arguments.Notifications / submit.TotalSeconds;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"pgbench single-row insert commits, {clients} clients, same cluster, just after: {rate:0} tx/s; notifications through HTTP: {ours:0}/s = {100 * ours / rate:0.0} % of it (load average {LoadAverage()})."));
        }

        output.WriteLine();
        return (level, submit, pipeline);
    }

    /// <summary>What the open-loop phase measured.</summary>
    private sealed record OpenLoop(Level Level, double Achieved, int Found, int Submitted);

    /// <summary>
    /// Open loop: <paramref name="submitters"/> submitters share the offered rate (<c>--rate</c>), each on its own schedule
    /// (<see cref="OfferAsync"/>), for <c>--open-loop-seconds</c>. A request's latency runs from its scheduled time, so a
    /// submitter held up by a slow answer counts the wait in its next ones. The
    /// 201 answers when the case, its audit row and the police task are committed together: the task is in the inbox from
    /// then on. Afterwards the station works every case off through its inbox, which shows that each task is there.
    /// </summary>
    private async Task<OpenLoop> MeasureOpenLoopAsync(HttpClient school, HttpClient police, int submitters, PostgresOutboxStore outbox, EmbeddedPostgresCluster cluster, CancellationToken cancellationToken)
    {
        var total = arguments.Rate * arguments.OpenLoopSeconds;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"## open loop: {submitters} submitters sharing {arguments.Rate} notifications/s for {arguments.OpenLoopSeconds} s, {total} notifications (load average {LoadAverage()})"));
        output.WriteLine();
        var level = new Level(submitters);
        using var delivered = new OutboxCounter("outbox.messages.delivered");
        using var claims = new OutboxCounter("outbox.claims");
        using var claimed = new OutboxCounter("outbox.messages.claimed");
        var pendingBefore = (await outbox.BacklogAsync(DateTimeOffset.UtcNow, cancellationToken, window: int.MaxValue)).Pending;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes();
        var start = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 10);
        // The wall-clock time of second 0, to lay the seconds beside PostgreSQL's log (checkpoints, autovacuum, slow statements).
        var startedAt = TimeProvider.System.GetUtcNow().AddSeconds(0.1);
        var bySecond = new ConcurrentBag<(int Second, double Ms)>();
        using var runtime = new ProcessBySecond(start);
        var waits = new PostgresWaits(cluster.ConnectionString(Database), start);
        using var machine = new MachineBySecond(cluster.DataDirectory, start);
        using var allocations = arguments.Allocations ? new AllocationSampler() : null;
        allocations?.Start();
        if (_statements is not null)
        {
            await _statements.ResetAsync(cancellationToken);
        }

        var processes = CpuByProcess.Start();
        var lastAnswer = await OfferAsync(school, level, submitters, start, total, bySecond, cancellationToken);
        var byProcess = processes.Line();
        var elapsed = Stopwatch.GetElapsedTime(start, lastAnswer);
        var cpuPerNotification = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / total;
        var allocatedPerNotification = (GC.GetTotalAllocatedBytes() - allocated) / total;
        await waits.DisposeAsync();
        allocations?.Stop();
        using var executed = new StringWriter(CultureInfo.InvariantCulture);
        if (_statements is not null)
        {
            await _statements.WriteAsync(executed, 25, cancellationToken);
        }

        var deliveredInWindow = delivered.Count;
        var (claimsInWindow, claimedInWindow) = (claims.Count, claimed.Count);
        var pendingAfter = (await outbox.BacklogAsync(DateTimeOffset.UtcNow, cancellationToken, window: int.MaxValue)).Pending;
        var submitted = level.Cases.Count;
        var workOff = Stopwatch.GetTimestamp();
        var found = await WorkOffAsync(police, level, submitters, cancellationToken);
        var workedOff = Stopwatch.GetElapsedTime(workOff);

        output.WriteLine("| phase, endpoint | requests | per second | p50 ms | p99 ms | max ms | failed |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        output.WriteLine("| **open loop**  " + level.Submit.Line(elapsed)[1..]);
        foreach (var times in new[] { level.BigInbox, level.Acknowledge, level.Complete })
        {
            output.WriteLine("| then, the station working the cases off: " + times.Line(workedOff)[1..].Replace(" (every open task of the submit phase)", string.Empty, StringComparison.Ordinal));
        }

        output.WriteLine();
        if (level.Submit.FirstFailure is { } reason)
        {
            output.WriteLine($"First failure of {level.Submit.Name}: {(reason.Length > 300 ? reason[..300] : reason)}");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Offered {arguments.Rate}/s, achieved {submitted / elapsed.TotalSeconds:0}/s ({submitted} created in {elapsed.TotalSeconds:0.00} s); latency from each notification's scheduled time to its 201. This process's CPU {cpuPerNotification:0.0} ms and {allocatedPerNotification / 1024} KB allocated per notification (host and client, the outbox's deliveries meanwhile included), working set {Process.GetCurrentProcess().WorkingSet64 / 1024 / 1024} MB; load average {LoadAverage()}."));
        output.WriteLine($"Second by second (by scheduled time, second 0 at {startedAt:HH:mm:ss.fff} UTC), p99 / max ms: " + string.Join(" · ", bySecond.GroupBy(t => t.Second).OrderBy(g => g.Key).Select(g =>
        {
            var sorted = g.Select(t => t.Ms).Order().ToArray();
            return string.Create(CultureInfo.InvariantCulture, $"{sorted[(int)Math.Ceiling(sorted.Length * 0.99) - 1]:0} / {sorted[^1]:0}");
        })));
        output.WriteLine("This process second by second (GC pause and its longest single pause, collections gen0/1/2, the longest a work item waited to start, the thread pool's longest queue, its threads, methods compiled): " + runtime.Line(arguments.OpenLoopSeconds));
        output.WriteLine("PostgreSQL's active client backends second by second (every 20 ms, counted by wait event; CPU = waiting on nothing): " + waits.Line(arguments.OpenLoopSeconds));
        output.WriteLine("The machine second by second (the kernel's counters every 20 ms; the disk is the one under PostgreSQL's WAL): " + machine.Line(arguments.OpenLoopSeconds));
        output.WriteLine("Cores used over the open loop, by process (of the machine's " + Environment.ProcessorCount + "): " + byProcess);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Outbox meanwhile: {deliveredInWindow} messages delivered ({deliveredInWindow / elapsed.TotalSeconds:0}/s), {pendingBefore} pending when the open loop began and {pendingAfter} when it ended; {claimsInWindow} claims ({claimsInWindow / elapsed.TotalSeconds:0}/s) took {claimedInWindow} messages."));
        if (allocations is not null)
        {
            output.WriteLine();
            output.WriteLine("What the open loop allocated, by type (the runtime's allocation samples, host and client):");
            output.WriteLine();
            allocations.Write(output, 30);
        }

        if (_statements is not null)
        {
            output.WriteLine();
            output.WriteLine("What PostgreSQL executed in the open loop (pg_stat_statements, by execution time; the outbox's deliveries meanwhile included):");
            output.WriteLine();
            output.Write(executed.ToString());
            output.WriteLine();
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"The station then found {found} of the {submitted} cases' tasks in its inbox and worked them off in {workedOff.TotalSeconds:0.00} s ({level.Acknowledge.Count} acknowledged, {level.Complete.Count} completed, {level.Acknowledge.Failures + level.Complete.Failures} failed)."));
        output.WriteLine();
        return new OpenLoop(level, submitted / elapsed.TotalSeconds, found, submitted);
    }

    /// <summary>
    /// After the warm-up the JIT is still at work for a while: it compiles the hot methods again, optimized, on its own
    /// thread, and on two busy cores that took half a core through the whole first open loop (500–870 ms of compiling a
    /// second). Passes of 2 s at the offered rate run until one compiles fewer than 20 methods (at most 20 passes), and
    /// the station then works their cases off, so what is measured after is the host as it runs once it has settled.
    /// </summary>
    private async Task SettleAsync(HttpClient school, HttpClient police, int submitters, CancellationToken cancellationToken)
    {
        const int PassSeconds = 2;
        var compiled = new List<long>();
        var level = new Level(submitters);
        var started = Stopwatch.GetTimestamp();
        do
        {
            var before = System.Runtime.JitInfo.GetCompiledMethodCount();
            await OfferAsync(school, level, submitters, Stopwatch.GetTimestamp(), arguments.Rate * PassSeconds, [], cancellationToken);
            compiled.Add(System.Runtime.JitInfo.GetCompiledMethodCount() - before);
        }
        while (compiled[^1] >= 20 && compiled.Count < 20);

        await WorkOffAsync(police, level, submitters, cancellationToken);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Settling: {compiled.Count} passes of {PassSeconds} s at {arguments.Rate}/s offered in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s (the station's work-off included), methods compiled in each: {string.Join(" · ", compiled)}."));
        output.WriteLine();
    }

    /// <summary>
    /// <paramref name="submitters"/> share the offered rate from <paramref name="start"/> (a <see cref="Stopwatch"/> timestamp)
    /// until <paramref name="total"/> notifications are sent: submitter k sends notification i = k, k + n, k + 2n … at i / rate
    /// seconds, and a late answer delays only its own submitter's next. Each latency is measured from its scheduled time and
    /// added to <paramref name="bySecond"/> under its scheduled second; returns the timestamp of the last answer.
    /// </summary>
    private async Task<long> OfferAsync(HttpClient school, Level level, int submitters, long start, int total, ConcurrentBag<(int Second, double Ms)> bySecond, CancellationToken cancellationToken)
    {
        var lastAnswer = start;
        await Task.WhenAll(Enumerable.Range(0, submitters).Select(k => Task.Run(async () =>
        {
            for (var i = k; i < total; i += submitters)
            {
                var scheduled = start + (long)(i * (double)Stopwatch.Frequency / arguments.Rate);
                if (Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), scheduled) is { Ticks: > 0 } wait)
                {
                    await Task.Delay(wait, cancellationToken);
                }

                if (await NotifyAsync(school, level.Submit, cancellationToken, scheduled) is { } caseId)
                {
                    level.Cases.Add(caseId);
                }

                var now = Stopwatch.GetTimestamp();
                bySecond.Add(((int)((scheduled - start) / Stopwatch.Frequency), Stopwatch.GetElapsedTime(scheduled, now).TotalMilliseconds));
                for (var seen = Volatile.Read(ref lastAnswer); now > seen; seen = Volatile.Read(ref lastAnswer))
                {
                    if (Interlocked.CompareExchange(ref lastAnswer, now, seen) == seen)
                    {
                        break;
                    }
                }
            }
        }, cancellationToken)));
        return lastAnswer;
    }

    /// <summary>
    /// The station reads its inbox, acts on every open task of the level's cases from <paramref name="concurrency"/> workers and
    /// reads again, until none is left (the inbox shows a page of tasks at a time); returns how many cases' tasks it saw.
    /// </summary>
    private static async Task<int> WorkOffAsync(HttpClient police, Level level, int concurrency, CancellationToken cancellationToken)
    {
        var pending = level.Cases.ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var round = 0; round < 10_000 && pending.Count > 0; round++)
        {
            var open = await OpenTasksAsync(police, pending, level.BigInbox, cancellationToken);
            if (open.Count == 0)
            {
                break;
            }

            seen.UnionWith(open.Select(t => (string)t["caseId"]!));
            await ManyAsync(open.Count, concurrency, i => ActAsync(police, open[i], (string?)open[i]["taskKind"] == "Acknowledge" ? level.Acknowledge : level.Complete, cancellationToken), cancellationToken);
            pending.ExceptWith(open.Where(t => (string?)t["taskKind"] != "Acknowledge").Select(t => (string)t["caseId"]!));
        }

        return seen.Count;
    }

    /// <summary>The issue's two HTTP goals, each beside what this run measured (the interpretation: docs/BENCHMARKS.md).</summary>
    private void WriteGoals(int submitters, (Level Level, TimeSpan Submit, TimeSpan Pipeline) closedLoop, IReadOnlyList<OpenLoop> openLoops)
    {
        output.WriteLine($"## The HTTP goals of issue 17, {submitters} submitters (load average {LoadAverage()})");
        output.WriteLine();
        output.WriteLine("| goal | how measured | notifications/s | p50 ms | p99 ms | met |");
        output.WriteLine("|---|---|---:|---:|---:|---|");
        var closedRate = closedLoop.Level.Submit.Count / closedLoop.Submit.TotalSeconds;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| ≥ 500 notifications/s | closed loop: {submitters} submitters as fast as they can (submit phase) | {closedRate:0} | {closedLoop.Level.Submit.Percentile(0.5).TotalMilliseconds:0.0} | {closedLoop.Level.Submit.Percentile(0.99).TotalMilliseconds:0.0} | {(closedRate >= 500 && closedLoop.Level.Submit.Failures == 0 ? "yes" : "no")} |"));
        if (closedLoop.Level.Visible.Count > 0)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| (p99 ≤ 50 ms, closed loop) | submit → task read back from the police inbox, {submitters} pipelined callers | {closedLoop.Level.Visible.Count / closedLoop.Pipeline.TotalSeconds:0} | {closedLoop.Level.Visible.Percentile(0.5).TotalMilliseconds:0.0} | {closedLoop.Level.Visible.Percentile(0.99).TotalMilliseconds:0.0} | {(closedLoop.Level.Visible.Percentile(0.99).TotalMilliseconds <= 50 ? "yes" : "no")} |"));
        }

        var met = 0;
        foreach (var (openLoop, run) in openLoops.Select((o, i) => (o, i + 1)))
        {
            var p99 = openLoop.Level.Submit.Percentile(0.99).TotalMilliseconds;
            var runMet = p99 <= 50 && openLoop.Achieved >= 0.95 * arguments.Rate && openLoop.Found == openLoop.Submitted && openLoop.Level.Submit.Failures == 0;
            met += runMet ? 1 : 0;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| p99 submit → task in the police inbox ≤ 50 ms | open loop{(openLoops.Count > 1 ? $" run {run} of {openLoops.Count}" : string.Empty)}: {submitters} submitters sharing {arguments.Rate}/s offered, from the scheduled time; {openLoop.Found}/{openLoop.Submitted} tasks then found in the inbox | {openLoop.Achieved:0} | {openLoop.Level.Submit.Percentile(0.5).TotalMilliseconds:0.0} | {p99:0.0} | {(runMet ? "yes" : "no")} |"));
        }

        output.WriteLine();
        if (openLoops.Count > 1)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"The open-loop latency goal was met in {met} of {openLoops.Count} runs."));
            output.WriteLine();
        }
    }

    /// <summary><paramref name="count"/> notifications from <paramref name="concurrency"/> submitters; each case joins the level's work.</summary>
    private static async Task<TimeSpan> SubmitAsync(HttpClient school, Level level, int count, int concurrency, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await ManyAsync(count, concurrency, async _ =>
        {
            if (await NotifyAsync(school, level.Submit, cancellationToken) is { } caseId)
            {
                level.Cases.Add(caseId);
            }
        }, cancellationToken);
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>
    /// The station works off every case of the submit phase: reads its inbox (all of them open at once), acknowledges each
    /// from <paramref name="concurrency"/> workers, reads the inbox again and completes each follow-up task.
    /// </summary>
    private static async Task<(TimeSpan Inbox, TimeSpan Acknowledge, TimeSpan Complete)> DrainAsync(HttpClient police, Level level, int concurrency, CancellationToken cancellationToken)
    {
        var cases = level.Cases.ToHashSet(StringComparer.Ordinal);
        level.Cases.Clear();
        var inboxStarted = Stopwatch.GetTimestamp();
        var open = await OpenTasksAsync(police, cases, level.BigInbox, cancellationToken);
        var inbox = Stopwatch.GetElapsedTime(inboxStarted);
        var started = Stopwatch.GetTimestamp();
        await ManyAsync(open.Count, concurrency, i => ActAsync(police, open[i], level.Acknowledge, cancellationToken), cancellationToken);
        var acknowledge = Stopwatch.GetElapsedTime(started);
        var followUps = await OpenTasksAsync(police, cases, level.BigInbox, cancellationToken);
        started = Stopwatch.GetTimestamp();
        await ManyAsync(followUps.Count, concurrency, i => ActAsync(police, followUps[i], level.Complete, cancellationToken), cancellationToken);
        return (inbox, acknowledge, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Each of <paramref name="concurrency"/> workers in turn submits a notification, reads the police inbox until its task is
    /// there (the submit → inbox latency), acknowledges it, reads the inbox for the follow-up task and completes that.
    /// </summary>
    private static async Task<TimeSpan> PipelineAsync(HttpClient school, HttpClient police, Level level, int count, int concurrency, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await ManyAsync(count, concurrency, async _ =>
        {
            var submitted = Stopwatch.GetTimestamp();
            if (await NotifyAsync(school, level.PipelineSubmit, cancellationToken) is not { } caseId)
            {
                return;
            }

            if (await WaitForTaskAsync(police, caseId, null, level.Inbox, cancellationToken) is not { } task)
            {
                return;
            }

            level.Visible.Add(Stopwatch.GetElapsedTime(submitted));
            await ActAsync(police, task, level.PipelineAcknowledge, cancellationToken);
            if (await WaitForTaskAsync(police, caseId, (string)task["taskId"]!, level.Inbox, cancellationToken) is { } followUp)
            {
                await ActAsync(police, followUp, level.PipelineComplete, cancellationToken);
            }
        }, cancellationToken);
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>A notification; its latency runs from <paramref name="scheduled"/> (a timestamp) when given, else from now.</summary>
    private static async Task<string?> NotifyAsync(HttpClient school, EndpointTimes times, CancellationToken cancellationToken, long? scheduled = null)
    {
        var started = scheduled ?? Stopwatch.GetTimestamp();
        using var response = await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", urgent = false, drugLevel = 2 }, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            times.Failed($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            return null;
        }

        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
        times.Add(Stopwatch.GetElapsedTime(started));
        return (string)body["id"]!;
    }

    private static async Task<JsonNode?> WaitForTaskAsync(HttpClient police, string caseId, string? notTaskId, EndpointTimes times, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var tasks = await InboxAsync(police, times, cancellationToken);
            if (tasks.FirstOrDefault(t => (string?)t!["caseId"] == caseId && (bool)t["open"]! && (string)t["taskId"]! != notTaskId) is { } task)
            {
                return task;
            }
        }

        times.Failed($"case {caseId}: no open task{(notTaskId is null ? string.Empty : " after " + notTaskId)} in the police inbox after 200 reads");
        return null;
    }

    private static async Task<List<JsonNode>> OpenTasksAsync(HttpClient police, HashSet<string> cases, EndpointTimes times, CancellationToken cancellationToken) =>
        [.. (await InboxAsync(police, times, cancellationToken)).Where(t => (bool)t!["open"]! && cases.Contains((string?)t["caseId"] ?? string.Empty)).Select(t => t!)];

    /// <summary>
    /// Every open task in the police inbox: its pages of <see cref="InboxPageSize"/> (the most the API gives at once),
    /// following the Link header's next page; each page read is one request of <paramref name="times"/>.
    /// </summary>
    private static async Task<List<JsonNode>> InboxAsync(HttpClient police, EndpointTimes times, CancellationToken cancellationToken)
    {
        var tasks = new List<JsonNode>();
        for (var page = 1; page <= 1000; page++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await police.GetAsync($"/api/inbox?page={page}&pageSize={InboxPageSize}", cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                // Counted, as a refused submission is (a 503 when the connection budget stays full); the caller reads again.
                times.Failed($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
                return tasks;
            }

            tasks.AddRange(JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!.AsArray().Select(task => task!));

            times.Add(Stopwatch.GetElapsedTime(started));
            if (!response.Headers.TryGetValues("Link", out var links) || !links.Any(link => link.Contains("rel=\"next\"", StringComparison.Ordinal)))
            {
                break;
            }
        }

        return tasks;
    }

    /// <summary>The inbox page size the benchmark asks for: the API's largest.</summary>
    private const int InboxPageSize = 500;

    /// <summary>
    /// Acknowledges a task that asks for it, else completes it with its first final outcome (an interim one would keep the task
    /// open, and the station's open tasks would pile up).
    /// </summary>
    private static async Task ActAsync(HttpClient police, JsonNode task, EndpointTimes times, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = (string?)task["taskKind"] == "Acknowledge"
            ? await police.PostAsync($"/api/inbox/{task["taskId"]}/acknowledge", null, cancellationToken)
            : await police.PostAsJsonAsync($"/api/inbox/{task["taskId"]}/complete", new { outcome = FinalOutcome(task) }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            times.Add(Stopwatch.GetElapsedTime(started));
        }
        else
        {
            times.Failed($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    private static string? FinalOutcome(JsonNode task)
    {
        var interim = task["interimOutcomes"]?.AsArray().Select(o => (string?)o).ToHashSet() ?? [];
        return task["outcomes"]?.AsArray().Select(o => (string?)o).FirstOrDefault(o => !interim.Contains(o));
    }

    /// <summary>Runs <paramref name="work"/> for 0 … count-1 from <paramref name="concurrency"/> callers at once.</summary>
    private static async Task ManyAsync(int count, int concurrency, Func<int, Task> work, CancellationToken cancellationToken)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await work(i);
            }
        }, cancellationToken)));
    }

    /// <summary>
    /// One notification, one inbox read, one acknowledgement and one completion at a time, 50 times each, with every database
    /// command, engine step and the request itself timed by their activities.
    /// </summary>
    private async Task ProfileAsync(RequestProfiler profiler, HttpClient school, HttpClient police, CancellationToken cancellationToken)
    {
        const int Rounds = 50;
        var level = new Level(1);
        profiler.Reset();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        await SubmitAsync(school, level, Rounds, 1, cancellationToken);
        var cpuPerNotification = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / Rounds;
        var cases = level.Cases.ToHashSet(StringComparer.Ordinal);
        var open = await OpenTasksAsync(police, cases, level.BigInbox, cancellationToken);
        foreach (var task in open)
        {
            await ActAsync(police, task, level.Acknowledge, cancellationToken);
        }

        foreach (var task in await OpenTasksAsync(police, cases, level.BigInbox, cancellationToken))
        {
            await ActAsync(police, task, level.Complete, cancellationToken);
        }

        for (var i = 0; i < Rounds; i++)
        {
            await InboxAsync(police, level.Inbox, cancellationToken);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"## Profile: one request at a time, {Rounds} of each (load average {LoadAverage()})"));
        output.WriteLine();
        profiler.Write(output);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Notifications: this process's CPU {cpuPerNotification:0.0} ms each (host and client, background services included)."));
        output.WriteLine();
    }

    /// <param name="tagRequests">
    /// Tags each request's activity with its method and route pattern, for the profile: without an OTLP endpoint the host
    /// registers no OpenTelemetry instrumentation, which would otherwise add them.
    /// </param>
    internal static async Task<WebApplication> StartHostAsync(string connectionString, string mail, bool tagRequests, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(HostExtensions).Assembly.GetName().Name,
            ContentRootPath = Path.Combine(ProjectPaths.Root(), "src", "Host"),
            EnvironmentName = "Production",
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:AntiDrugFlow"] = connectionString,
            ["DataProtection:AllowUnencryptedKeys"] = "true",
            ["Demo:SeedAccounts"] = "true",
            ["Demo:Password"] = Password,
            ["Security:RequireLogin"] = "true",
            ["Workflows:Directory"] = ProjectPaths.WorkflowsDirectory(),
            ["Smtp:PickupDirectory"] = mail,
            ["App:PublicAddress"] = "https://antidrugflow.invalid",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        await builder.AddAntiDrugFlowAsync();
        var app = builder.Build();
        await app.PrepareDatabaseAsync();
        if (tagRequests)
        {
            app.Use(async (context, next) =>
            {
                var activity = Activity.Current;
                await next(context);
                activity?.SetTag("http.request.method", context.Request.Method);
                activity?.SetTag("http.route", (Microsoft.AspNetCore.Http.EndpointHttpContextExtensions.GetEndpoint(context) as Microsoft.AspNetCore.Routing.RouteEndpoint)?.RoutePattern.RawText);
            });
        }

        app.MapAntiDrugFlow();
        await app.StartAsync(cancellationToken);
        return app;
    }

    internal static async Task<HttpClient> SignedInAsync(string address, string userName, CancellationToken cancellationToken)
    {
        var client = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), MaxConnectionsPerServer = 1000 })
        {
            BaseAddress = new Uri(address),
            Timeout = TimeSpan.FromMinutes(2),
        };
        using var response = await client.PostAsJsonAsync("/api/account/login", new { userName, password = Password }, cancellationToken);
        response.EnsureSuccessStatusCode();
        return client;
    }

    private void WriteMachine(string address)
    {
        output.WriteLine($"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}; load average {LoadAverage()}");
        output.WriteLine($"Host in this process on {address} (Kestrel, loopback), PostgreSQL private cluster, fsync on, max_connections 100; {School} submits DrugSource, {Police} works the tasks.");
        output.WriteLine($"GC: {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, first-generation budget {Environment.GetEnvironmentVariable("DOTNET_GCgen0size") ?? "the runtime's default"} (scripts/run sets DOTNET_GCgen0size=0x2000000; run this benchmark with it to measure the host as it runs there); the thread pool's spinning before a worker sleeps: {ThreadPoolSpinLimit()} (src/Host/HostRuntime.props sets 0).");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Per level: {arguments.Notifications} notifications, then the station drains them, then {arguments.Pipeline} pipelined rounds (submit, inbox until seen, acknowledge, inbox, complete); {arguments.WarmUp} warm-up notifications first."));
        output.WriteLine();
    }

    /// <summary>
    /// The thread pool's spin limit this process was given: the environment variable's value when it is set, else
    /// runtimeconfig.json's; the runtime's own default when neither sets it.
    /// </summary>
    private static string ThreadPoolSpinLimit() =>
        Environment.GetEnvironmentVariable("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit") is { } environment ? $"{environment} (DOTNET_ThreadPool_UnfairSemaphoreSpinLimit)"
        : AppContext.GetData("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit") is { } configured ? $"{configured} (runtimeconfig.json)"
        : "the runtime's default";

    /// <summary>The 1-, 5- and 15-minute load averages, as uptime prints them.</summary>
    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>Counts one of the outbox's counters (deliveries, claims) in this process through its metric while it lives.</summary>
    private sealed class OutboxCounter : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        private long _count;

        public OutboxCounter(string name)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }

    private sealed class Level(int concurrency)
    {
        public int Concurrency { get; } = concurrency;

        public ConcurrentBag<string> Cases { get; } = [];

        public EndpointTimes Submit { get; } = new("POST /api/notifications");

        public EndpointTimes BigInbox { get; } = new("GET /api/inbox (every open task of the submit phase)");

        public EndpointTimes Acknowledge { get; } = new("POST /api/inbox/{id}/acknowledge");

        public EndpointTimes Complete { get; } = new("POST /api/inbox/{id}/complete");

        public EndpointTimes PipelineSubmit { get; } = new("POST /api/notifications");

        public EndpointTimes Inbox { get; } = new("GET /api/inbox");

        public EndpointTimes PipelineAcknowledge { get; } = new("POST /api/inbox/{id}/acknowledge");

        public EndpointTimes PipelineComplete { get; } = new("POST /api/inbox/{id}/complete");

        public EndpointTimes Visible { get; } = new("submit → task in the police inbox");
    }
}

/// <summary>pgbench's single-row insert commit rate on the benchmark's own cluster (a database of its own), for the same concurrency.</summary>
public sealed class Pgbench
{
    /// <summary>The most clients pgbench opens next to the host, on a server of 100 connections.</summary>
    public const int MaxClients = 50;

    private readonly string _binary;
    private readonly NpgsqlConnectionStringBuilder _server;
    private readonly string _script;

    private Pgbench(string binary, NpgsqlConnectionStringBuilder server, string script)
    {
        _binary = binary;
        _server = server;
        _script = script;
    }

    public static async Task<Pgbench?> CreateAsync(EmbeddedPostgresCluster cluster, TextWriter output, CancellationToken cancellationToken)
    {
        var binary = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderBy(d => d, StringComparer.Ordinal).Select(d => Path.Combine(d, "bin", "pgbench")).LastOrDefault(File.Exists)
            : null;
        if (binary is null)
        {
            output.WriteLine("pgbench is not installed: no reference rate.");
            return null;
        }

        await cluster.CreateDatabaseIfMissingAsync("pgref", cancellationToken);
        var server = new NpgsqlConnectionStringBuilder(cluster.ConnectionString("pgref")) { Pooling = false };
        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS one_row (id bigint)", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        // The script lives in the cluster's folder, which the benchmark deletes at the end.
        var script = Path.Combine(cluster.DataDirectory, "bench-insert.sql");
        await File.WriteAllTextAsync(script, "INSERT INTO one_row VALUES (1);\n", cancellationToken);
        return new Pgbench(binary, server, script);
    }

    /// <summary>Single-row insert commits per second from <paramref name="clients"/> clients over 5 seconds.</summary>
    public async Task<double> InsertRateAsync(int clients, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-h", _server.Host!, "-p", _server.Port.ToString(CultureInfo.InvariantCulture), "-U", _server.Username!, "-n", "-T", "5", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", Math.Min(clients, 2).ToString(CultureInfo.InvariantCulture), "-f", _script, _server.Database! })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var text = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("tps = ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"pgbench printed no rate: {text} {await process.StandardError.ReadToEndAsync(cancellationToken)}");
        return double.Parse(line["tps = ".Length..].Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
