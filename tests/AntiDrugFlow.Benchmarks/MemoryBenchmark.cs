using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Host.Infrastructure;
using AntiDrugFlow.Integrations.Postgres;
using AntiDrugFlow.Workflows.Persistence;
using Npgsql;

namespace AntiDrugFlow.Benchmarks;

/// <summary>What the memory mode was asked to do.</summary>
public sealed record MemoryArguments(int Instances, long Timers, long DueSoon, int Seconds, IReadOnlyDictionary<string, string> HostEnvironment, IReadOnlyDictionary<string, string>? Compare = null)
{
    public const string Usage = "memory [--instances N] [--timers N] [--due-soon N] [--seconds N] [--host-env NAME=VALUE]… [--compare NAME=VALUE]…";

    public static MemoryArguments Parse(IReadOnlyList<string> args)
    {
        var result = new MemoryArguments(100_000, 1_000_000, 6_000, 60, new Dictionary<string, string>(StringComparer.Ordinal));
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        Dictionary<string, string>? compare = null;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] is not ("--instances" or "--timers" or "--due-soon" or "--seconds" or "--host-env" or "--compare"))
            {
                throw new ArgumentException($"unknown option {args[i]}. Usage: {Usage}");
            }

            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value. Usage: {Usage}");
            if (args[i] is "--host-env" or "--compare")
            {
                var equals = value.IndexOf('=', StringComparison.Ordinal);
                var target = args[i] == "--host-env" ? environment : compare ??= new Dictionary<string, string>(StringComparer.Ordinal);
                target[equals > 0 ? value[..equals] : throw new ArgumentException($"{args[i]} expects NAME=VALUE, not '{value}'.")] = value[(equals + 1)..];
                i++;
                continue;
            }

            var number = long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= (args[i] == "--due-soon" ? 0 : 1)
                ? n
                : throw new ArgumentException($"{args[i]} expects a whole number{(args[i] == "--due-soon" ? string.Empty : " of at least 1")}, not '{value}'.");
            result = args[i] switch
            {
                "--instances" => result with { Instances = checked((int)number) },
                "--timers" => result with { Timers = number },
                "--due-soon" => result with { DueSoon = number },
                _ => result with { Seconds = checked((int)number) },
            };
            i++;
        }

        return result with { HostEnvironment = environment, Compare = compare };
    }
}

/// <summary>
/// The host's memory with a national backlog: a private PostgreSQL holding <c>instances</c> open workflow instances (default
/// 100,000) of the tip-off chain, with their tasks, and <c>timers</c> pending workflow timers (default 1,000,000). One real
/// notification goes through a first start of the host; its case and its workflows (instances, tasks, bookmarks) are then
/// copied by SQL through the engine's bulk load, each copy's timers multiplied to reach the total, and the due times spread:
/// <c>due-soon</c> of them (default 6,000) from the seeding on over the next minutes, so some are due when the host starts and
/// more fall due while it is watched, the rest over the next 30 days. The Release host then starts as its own process against
/// that database and its RSS (VmRSS, VmHWM from /proc) and GC counters (EventPipe) are sampled after ready, while timers fire
/// for <c>seconds</c> (default 60), and after inbox and case-list reads over HTTP.
/// </summary>
public sealed class MemoryBenchmark(MemoryArguments arguments, TextWriter output)
{
    public const double GoalMegabytes = 300;
    private const string Database = "bench";
    internal const string Password = "BenchDemoPass2026";
    private const string School = "school.kl-xinyi-jh";
    private const string Police = "police.kl-xinyi";
    private static readonly TimeSpan Horizon = TimeSpan.FromDays(30);

    public static Task<int> MainAsync(string[] args, TextWriter output, TextWriter error) =>
        BenchmarkMode.RunAsync(args, MemoryArguments.Parse, (arguments, cancellationToken) => new MemoryBenchmark(arguments, output).RunAsync(cancellationToken), error);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var dll = Path.Combine(ProjectPaths.Root(), "src", "Host", "bin", "Release", "net10.0", "AntiDrugFlow.Host.dll");
        if (!File.Exists(dll))
        {
            throw new ArgumentException($"build Release first: {dll}");
        }

        var directory = Path.Combine(Path.GetTempPath(), $"adf-bench-memory-{Environment.ProcessId}");
        try
        {
            // Not durable: seeding a million rows is the slow part, and fsync does not change the host's memory.
            await using var cluster = new EmbeddedPostgresCluster(directory, durable: false);
            await cluster.StartAsync(cancellationToken);
            cluster.StopAndDeleteWhenProcessEnds(Environment.ProcessId);
            await cluster.CreateDatabaseIfMissingAsync(Database, cancellationToken);
            var connectionString = cluster.ConnectionString(Database);
            output.WriteLine($"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}; load average {HttpLoadBenchmark.LoadAverage()}");
            output.WriteLine($"Host: {dll}; GC settings {GcSettings(dll)}");

            // The first start migrates, imports the chains and the directory and seeds the demo accounts; one notification makes the template.
            string caseId;
            await using (var first = await HostUnderTest.StartAsync(dll, connectionString, directory, arguments.HostEnvironment, cancellationToken))
            {
                caseId = await NotifyAsync(first, cancellationToken);
                await first.StopAsync();
            }

            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await SeedAsync(dataSource, caseId, cancellationToken);

            var runs = new List<(string Name, IReadOnlyDictionary<string, string> Environment)> { ("as configured", arguments.HostEnvironment) };
            if (arguments.Compare is { } compare)
            {
                // The same database, a second host after the first has stopped, with the compared settings on top.
                runs.Add(($"with {string.Join(", ", compare.Select(c => $"{c.Key}={c.Value}"))}", arguments.HostEnvironment.Concat(compare).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal)));
            }

            var summaries = new List<(string Name, string Summary)>();
            foreach (var (name, environment) in runs)
            {
                output.WriteLine();
                output.WriteLine($"## Host {name}");
                await using var host = await HostUnderTest.StartAsync(dll, connectionString, directory, environment, cancellationToken);
                await using var counters = RuntimeCounters.Start(host.ProcessId);
                summaries.Add((name, await MeasureAsync(host, counters, dataSource, cancellationToken)));
                await host.StopAsync();
            }

            if (summaries.Count > 1)
            {
                output.WriteLine();
                output.WriteLine("## Side by side (same data, one host after the other)");
                output.WriteLine("| host | RSS ready MB | RSS highest sample MB | RSS end MB | VmHWM MB | GC heap end / highest MB | GC committed end / highest MB |");
                output.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
                foreach (var (name, summary) in summaries)
                {
                    output.WriteLine($"| {name} {summary}");
                }
            }

            output.WriteLine($"load average {HttpLoadBenchmark.LoadAverage()}");
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

    private DateTimeOffset _spreadFrom;
    private TimeSpan _window;

    /// <summary>The template's case and workflows copied until there are <c>instances</c> open instances and <c>timers</c> timers.</summary>
    private async Task SeedAsync(NpgsqlDataSource dataSource, string caseId, CancellationToken cancellationToken)
    {
        var (open, timers) = await EngineBulkLoad.CorrelatedShapeAsync(dataSource, caseId, cancellationToken);
        if (open == 0 || timers == 0)
        {
            throw new InvalidOperationException($"the template case {caseId} has {open} open instances and {timers} timers: nothing to copy");
        }

        var copies = (arguments.Instances + open - 1) / open;
        var perTimer = (int)Math.Max(1, (arguments.Timers + ((long)copies * timers) - 1) / ((long)copies * timers));
        // The soon-due timers are spread over a window that starts 30 s before the seeding ends (moved there once it has), so a
        // first lot is due when the host starts and the rest fall due while it is watched; the others are due over 30 days.
        _spreadFrom = DateTimeOffset.UtcNow;
        _window = TimeSpan.FromSeconds((90 + arguments.Seconds) * (arguments.Compare is null ? 1 : 2));
        output.WriteLine($"Template: case {caseId}, {open} open instances, {timers} timers; {copies:N0} copies, each timer {perTimer}×; {arguments.DueSoon:N0} timers due over {_window.TotalSeconds:0} s from 30 s before the seeding ends, the rest over {Horizon.TotalDays:0} days");

        var watch = Stopwatch.StartNew();
        var (instances, written) = await EngineBulkLoad.CloneCorrelatedAsync(
            dataSource, caseId, copies, new TimerSpread(arguments.Timers, perTimer, arguments.DueSoon, _spreadFrom, _window, Horizon), cancellationToken);
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var command = new NpgsqlCommand("""
            INSERT INTO cases (id, case_number, kind, chain, instance_id, origin_agency_id, school_id, county, urgent, drug_level, subject_name_protected, subject_class_protected, created_by, created_at)
            SELECT id || '-' || g, case_number || '-' || g, kind, chain, instance_id || '-' || g, origin_agency_id, school_id, county, urgent, drug_level, subject_name_protected, subject_class_protected, created_by, created_at
            FROM cases, generate_series(1, $2) g WHERE id = $1;
            """, connection) { CommandTimeout = 0 })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = caseId });
            command.Parameters.Add(new NpgsqlParameter { Value = copies });
            await command.ExecuteNonQueryAsync(cancellationToken);
            command.CommandText = "ANALYZE cases";
            command.Parameters.Clear();
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var seeded = DateTimeOffset.UtcNow.AddSeconds(-30);
        var moved = await EngineBulkLoad.ShiftTimersAsync(dataSource, _spreadFrom, _spreadFrom + _window, seeded - _spreadFrom, cancellationToken);
        _spreadFrom = seeded;
        output.WriteLine($"Seeded in {watch.Elapsed.TotalSeconds:0} s: {instances:N0} instances ({(long)copies * open:N0} open), {written:N0} timers, {copies:N0} cases; {moved:N0} soon-due timers moved to {_spreadFrom:HH:mm:ss}Z + {_window.TotalSeconds:0} s; {await EngineBulkLoad.CountPendingTimersAsync(dataSource, cancellationToken):N0} timers pending in all; load average {HttpLoadBenchmark.LoadAverage()}");
    }

    /// <summary>Samples the host; returns its summary as the rest of a side-by-side table row.</summary>
    private async Task<string> MeasureAsync(HostUnderTest host, RuntimeCounters counters, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var samples = new List<Sample>();
        async Task SampleAsync(string phase)
        {
            var sample = new Sample(phase, ProcessMemory.Read(host.ProcessId), counters.Snapshot(), await EngineBulkLoad.CountDueTimersAsync(dataSource, DateTimeOffset.UtcNow, cancellationToken), DueByNow(), HttpLoadBenchmark.LoadAverage());
            samples.Add(sample);
            output.WriteLine(sample.Line());
        }

        output.WriteLine();
        output.WriteLine($"Host ready after {host.StartTime.TotalSeconds:0.0} s (pid {host.ProcessId}). Samples:");
        output.WriteLine(Sample.Header);
        // The counters arrive once a second; the first sample waits for them.
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        await SampleAsync("ready");
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed.TotalSeconds < arguments.Seconds)
        {
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
            await SampleAsync($"timers +{watch.Elapsed.TotalSeconds:0} s");
        }

        using var police = await SignInAsync(host, Police, cancellationToken);
        using var school = await SignInAsync(host, School, cancellationToken);
        var reads = new (HttpClient Client, string Path)[] { (police, "/api/inbox"), (police, "/api/cases"), (school, "/api/cases"), (school, "/api/inbox") };
        var rows = new List<string>();
        foreach (var (client, path) in reads)
        {
            var items = 0;
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < 5; i++)
            {
                using var response = await client.GetAsync(path, cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {text[..Math.Min(300, text.Length)]}");
                }

                items = JsonNode.Parse(text) switch { JsonArray array => array.Count, JsonObject o when o["items"] is JsonArray array => array.Count, _ => -1 };
            }

            rows.Add($"{path} as {(client == police ? Police : School)}: {items} items, {Stopwatch.GetElapsedTime(started).TotalMilliseconds / 5:0} ms each");
        }

        await SampleAsync("after API reads");
        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        await SampleAsync("5 s later");
        output.WriteLine();
        output.WriteLine("API reads (5 each): " + string.Join("; ", rows));
        return WriteSummary(samples);
    }

    private string WriteSummary(List<Sample> samples)
    {
        var last = samples[^1];
        var peak = samples.Max(s => s.Memory.HwmMegabytes);
        var highest = samples.MaxBy(s => s.Memory.RssMegabytes)!;
        output.WriteLine();
        output.WriteLine("| measure | host | goal |");
        output.WriteLine("|---|---:|---:|");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| RSS when ready | {samples[0].Memory.RssMegabytes:0} MB | ≤ {GoalMegabytes:0} MB |"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| RSS, highest sample ({highest.Phase}) | {highest.Memory.RssMegabytes:0} MB | ≤ {GoalMegabytes:0} MB |"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| RSS at the end | {last.Memory.RssMegabytes:0} MB | ≤ {GoalMegabytes:0} MB |"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| peak RSS (VmHWM, whole life) | {peak:0} MB | ≤ {GoalMegabytes:0} MB |"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| GC heap at the end / highest | {last.Counter("gc-heap-size")} / {samples.Max(s => s.Value("gc-heap-size")):0} MB | |"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| GC committed at the end / highest | {last.Counter("gc-committed")} / {samples.Max(s => s.Value("gc-committed")):0} MB | |"));
        output.WriteLine($"Goal RSS ≤ {GoalMegabytes:0} MB with {arguments.Instances:N0} open instances and {arguments.Timers:N0} timers pending: {(peak <= GoalMegabytes ? "met" : "NOT met")} (peak {peak:0} MB); load average {HttpLoadBenchmark.LoadAverage()}");
        return string.Create(CultureInfo.InvariantCulture,
            $"| {samples[0].Memory.RssMegabytes:0} | {highest.Memory.RssMegabytes:0} | {last.Memory.RssMegabytes:0} | {peak:0} | {last.Counter("gc-heap-size")} / {samples.Max(s => s.Value("gc-heap-size")):0} | {last.Counter("gc-committed")} / {samples.Max(s => s.Value("gc-committed")):0} |");
    }

    /// <summary>How many of the soon-due timers the spread has made due by now.</summary>
    private long DueByNow()
    {
        var fraction = Math.Clamp((DateTimeOffset.UtcNow - _spreadFrom) / _window, 0, 1);
        return (long)(arguments.DueSoon * fraction);
    }

    private static async Task<string> NotifyAsync(HostUnderTest host, CancellationToken cancellationToken)
    {
        using var school = await SignInAsync(host, School, cancellationToken);
        using var response = await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", urgent = false, drugLevel = 2 }, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"the template notification failed: {(int)response.StatusCode} {text}");
        }

        var caseId = (string)JsonNode.Parse(text)!["id"]!;
        // The chain's first steps run after the answer (a child workflow, the police routing): wait until the station has its task.
        using var police = await SignInAsync(host, Police, cancellationToken);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var inbox = (await police.GetFromJsonAsync<JsonArray>("/api/inbox", cancellationToken))!;
            if (inbox.Any(t => (string?)t!["caseId"] == caseId))
            {
                return caseId;
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new TimeoutException($"case {caseId}'s task never reached {Police}'s inbox");
    }

    private static async Task<HttpClient> SignInAsync(HostUnderTest host, string userName, CancellationToken cancellationToken)
    {
        var client = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer() }) { BaseAddress = host.Address, Timeout = TimeSpan.FromMinutes(2) };
        using var response = await client.PostAsJsonAsync("/api/account/login", new { userName, password = Password }, cancellationToken);
        response.EnsureSuccessStatusCode();
        return client;
    }

    /// <summary>The GC settings the host's runtimeconfig.json sets (the SDK's defaults when it sets none).</summary>
    private string GcSettings(string dll)
    {
        var config = Path.ChangeExtension(dll, ".runtimeconfig.json");
        var properties = File.Exists(config) ? JsonNode.Parse(File.ReadAllText(config))?["runtimeOptions"]?["configProperties"]?.AsObject() : null;
        var gc = properties?.Where(p => p.Key.StartsWith("System.GC.", StringComparison.Ordinal)).Select(p => $"{p.Key}={p.Value}") ?? [];
        var environment = arguments.HostEnvironment.Where(e => e.Key.StartsWith("DOTNET_", StringComparison.Ordinal)).Select(e => $"{e.Key}={e.Value}");
        var all = gc.Concat(environment).ToList();
        return all.Count == 0 ? "(runtime defaults)" : string.Join(", ", all);
    }

    private sealed record Sample(string Phase, ProcessMemory Memory, IReadOnlyDictionary<string, double> Counters, long DueLeft, long DueByNow, string Load)
    {
        public const string Header = "| phase | VmRSS MB | RssAnon MB | VmHWM MB | GC heap MB | GC committed MB | gen0/1/2 GCs | due timers fired / due by now | load |\n|---|---:|---:|---:|---:|---:|---:|---:|---|";

        public double Value(string name) => Counters.TryGetValue(name, out var value) ? value : 0;

        public string Counter(string name) => Counters.TryGetValue(name, out var value) ? value.ToString("0", CultureInfo.InvariantCulture) : "?";

        public string Line() => string.Create(CultureInfo.InvariantCulture,
            $"| {Phase} | {Memory.RssMegabytes:0} | {Memory.AnonMegabytes:0} | {Memory.HwmMegabytes:0} | {Counter("gc-heap-size")} | {Counter("gc-committed")} | {Counter("gen-0-gc-count")}/{Counter("gen-1-gc-count")}/{Counter("gen-2-gc-count")} | {Math.Max(0, DueByNow - DueLeft):N0} / {DueByNow:N0} | {Load} |");
    }
}

/// <summary>A process's resident memory as /proc/PID/status gives it.</summary>
public sealed record ProcessMemory(double RssMegabytes, double AnonMegabytes, double HwmMegabytes)
{
    public static ProcessMemory Read(int processId)
    {
        var fields = File.ReadAllLines($"/proc/{processId}/status")
            .Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1].Trim(), StringComparer.Ordinal);
        double Megabytes(string name) => fields.TryGetValue(name, out var text) ? long.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0 : double.NaN;
        return new ProcessMemory(Megabytes("VmRSS"), Megabytes("RssAnon"), Megabytes("VmHWM"));
    }
}

/// <summary>The Release host as its own process on a loopback port, against the given database, ready when /health/ready answers 200.</summary>
public sealed class HostUnderTest : IAsyncDisposable
{
    private readonly Process _process;

    private HostUnderTest(Process process, Uri address, TimeSpan startTime)
    {
        _process = process;
        Address = address;
        StartTime = startTime;
    }

    public Uri Address { get; }

    public int ProcessId => _process.Id;

    public TimeSpan StartTime { get; }

    public static async Task<HostUnderTest> StartAsync(string dll, string connectionString, string directory, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = ProjectPaths.Root() };
        foreach (var argument in new[] { dll, "serve", "--urls", $"http://127.0.0.1:{port}" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ConnectionStrings__AntiDrugFlow"] = connectionString;
        start.Environment["DataProtection__AllowUnencryptedKeys"] = "true";
        start.Environment["Demo__SeedAccounts"] = "true";
        start.Environment["Demo__Password"] = MemoryBenchmark.Password;
        start.Environment["Security__RequireLogin"] = "true";
        start.Environment["Workflows__Directory"] = ProjectPaths.WorkflowsDirectory();
        start.Environment["Smtp__PickupDirectory"] = Path.Combine(directory, "mail");
        start.Environment["App__PublicAddress"] = "https://antidrugflow.invalid";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var started = Stopwatch.StartNew();
        var process = Process.Start(start)!;
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Keep(string? line)
        {
            if (line is not null)
            {
                lines.Enqueue(line);
                while (lines.Count > 40 && lines.TryDequeue(out _))
                {
                    // The last lines explain a failed start.
                }
            }
        }

        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new HostUnderTest(process, new Uri($"http://127.0.0.1:{port}"), TimeSpan.Zero);
        using var probe = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(10) };
        while (started.Elapsed < TimeSpan.FromMinutes(5))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the host exited with code {process.ExitCode} while starting:\n{string.Join('\n', lines)}");
            }

            try
            {
                using var ready = await probe.GetAsync("/health/ready", cancellationToken);
                if (ready.IsSuccessStatusCode)
                {
                    return new HostUnderTest(process, host.Address, started.Elapsed);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }

            await Task.Delay(200, cancellationToken);
        }

        await host.DisposeAsync();
        throw new TimeoutException($"the host was not ready within 5 minutes:\n{string.Join('\n', lines)}");
    }

    /// <summary>Stops the host as an operator would (SIGTERM) and waits for it.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
