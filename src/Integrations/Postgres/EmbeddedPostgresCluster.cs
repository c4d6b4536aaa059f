using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace AntiDrugFlow.Integrations.Postgres;

/// <summary>
/// A private PostgreSQL cluster in a data folder of its own, started from Debian's binaries on a
/// free loopback port. Used by the run command when no connection string is configured, and by tests.
/// </summary>
public sealed class EmbeddedPostgresCluster : IAsyncDisposable
{
    private readonly string _dataDirectory;
    private readonly bool _durable;
    private readonly ILogger _logger;
    private readonly string _binDirectory;
    private readonly int _maxConnections;

    /// <param name="maxConnections">The server's max_connections (tests of the host's connection budget use PostgreSQL's default, 100).</param>
    public EmbeddedPostgresCluster(string dataDirectory, bool durable = true, ILogger? logger = null, int maxConnections = 300)
    {
        _maxConnections = maxConnections;
        _dataDirectory = Path.GetFullPath(dataDirectory);
        _durable = durable;
        _logger = logger ?? NullLogger.Instance;
        _binDirectory = FindBinDirectory();
    }

    public int Port { get; private set; }

    public string DataDirectory => _dataDirectory;

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = "postgres",
            Database = database,
            Pooling = true,
            MaxPoolSize = 50,
        }.ConnectionString;

    public Task StartAsync(CancellationToken cancellationToken) => StartAsync(port: null, cancellationToken);

    /// <summary>
    /// Stops the server (fast: open sessions are ended) and starts it again on the same port, as an operator's restart or a
    /// failover to the same address does: clients keep their connection strings and must reconnect.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        var port = Port;
        await StopAsync(cancellationToken);
        await StartAsync(port, cancellationToken);
    }

    private async Task StartAsync(int? port, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_dataDirectory);
        if (Environment.IsPrivilegedProcess)
        {
            RequireTraversableParents();
        }

        if (!File.Exists(Path.Combine(_dataDirectory, "PG_VERSION")))
        {
            await RunAsync("initdb", ["-D", _dataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale"], cancellationToken);
        }

        var running = await RunningPortAsync(cancellationToken);
        if (running is int runningPort)
        {
            Port = runningPort;
            _logger.LogInformation("Embedded PostgreSQL already running in {DataDirectory} on port {Port}", _dataDirectory, Port);
            return;
        }

        Port = port ?? FreeLoopbackPort();
        var options = $"-p {Port} -k {_dataDirectory} -c listen_addresses=127.0.0.1 -c max_connections={_maxConnections}";
        if (_durable)
        {
            // Data pages written out of shared buffers by the backends go to disk as they are written (backend_flush_after,
            // as the checkpointer's and background writer's do by default), not left to the kernel's 30-second writeback,
            // whose bursts (350–380 MB in one second measured) hold every commit's WAL flush back. The buffer pool stays at
            // PostgreSQL's default (128 MB): each backend takes a page fault on its first touch of every buffer page, and a
            // 512 MB pool cost 1,000–6,400 faults a second under load against 100–800, with a longer tail (docs/BENCHMARKS.md,
            // "A smaller buffer pool").
            options += " -c backend_flush_after=256kB";
        }
        else
        {
            // A throw-away cluster: no durability, and little WAL kept, since every test database's creation is logged.
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c wal_level=minimal -c max_wal_senders=0 -c max_wal_size=96MB -c min_wal_size=32MB";
        }

        await RunAsync("pg_ctl", ["-D", _dataDirectory, "-o", options, "-l", Path.Combine(_dataDirectory, "server.log"), "-w", "-t", "60", "start"], cancellationToken);
        _logger.LogInformation("Embedded PostgreSQL started in {DataDirectory} on 127.0.0.1:{Port}", _dataDirectory, Port);
    }

    public async Task CreateDatabaseIfMissingAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.Add(new NpgsqlParameter { Value = database });
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            var quoted = "\"" + database.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Starts a detached watchdog that stops the cluster and deletes its folder once the given process is gone,
    /// however it ends: an exit handler does not run when a process is killed, and a cluster left running holds gigabytes.
    /// </summary>
    public void StopAndDeleteWhenProcessEnds(int processId)
    {
        var pgCtl = Path.Combine(_binDirectory, "pg_ctl");
        var stop = Environment.IsPrivilegedProcess ? $"runuser -u postgres -- {pgCtl}" : pgCtl;
        var script = $"while kill -0 {processId} 2>/dev/null; do sleep 2; done; {stop} -D '{_dataDirectory}' -m immediate stop >/dev/null 2>&1; rm -rf '{_dataDirectory}'";
        Process.Start(new ProcessStartInfo("setsid", ["bash", "-c", script]) { UseShellExecute = false })?.Dispose();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(_dataDirectory, "postmaster.pid")))
        {
            await RunAsync("pg_ctl", ["-D", _dataDirectory, "-m", "fast", "-w", "stop"], cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(CancellationToken.None);
        }
        catch (InvalidOperationException ex)
        {
            _logger.LogWarning(ex, "Embedded PostgreSQL did not stop cleanly");
        }
    }

    private async Task<int?> RunningPortAsync(CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(_dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return null;
        }

        // postmaster.pid: line 1 holds the server's process id, line 4 its port. Reading it costs no process of its own
        // (pg_ctl status did the same); a file left by a crash names a process that is gone, and postgres removes it at start.
        var lines = await File.ReadAllLinesAsync(pidFile, cancellationToken);
        var alive = lines.Length > 3 && int.TryParse(lines[0], out var pid) && (OperatingSystem.IsLinux() ? Directory.Exists($"/proc/{pid}") : IsRunning(pid));
        return alive && int.TryParse(lines[3], out var port) ? port : null;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private async Task RunAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await RunCoreAsync(tool, arguments, cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{tool} exited with code {exitCode}: {output}");
        }
    }

    private async Task<(int ExitCode, string Output)> RunCoreAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var asRoot = Environment.IsPrivilegedProcess;
        if (asRoot && !File.Exists(Path.Combine(_dataDirectory, "PG_VERSION")))
        {
            // initdb and postgres refuse to run as root: the new folder goes to the postgres user once, before initdb;
            // after it, everything in the folder is the server's own (a recursive chown at every start costs seconds on a big cluster).
            await ChownToPostgresAsync(cancellationToken);
        }

        var startInfo = new ProcessStartInfo
        {
            FileName = asRoot ? "runuser" : Path.Combine(_binDirectory, tool),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asRoot)
        {
            foreach (var part in new[] { "-u", "postgres", "--", Path.Combine(_binDirectory, tool) })
            {
                startInfo.ArgumentList.Add(part);
            }
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {tool}");
        // With -l, the server writes to its log file, so both pipes close when the tool exits.
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var output = await stdout + await stderr;
        return (process.ExitCode, output.Trim());
    }

    private async Task ChownToPostgresAsync(CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo("chown") { UseShellExecute = false };
        foreach (var argument in new[] { "-R", "postgres:postgres", _dataDirectory })
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start chown");
        await process.WaitForExitAsync(cancellationToken);
    }

    /// <summary>The server runs as the postgres user, who must be able to reach the data folder.</summary>
    private void RequireTraversableParents()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        for (var dir = Directory.GetParent(_dataDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.GetUnixFileMode(dir.FullName).HasFlag(UnixFileMode.OtherExecute))
            {
                throw new InvalidOperationException($"The embedded PostgreSQL runs as the postgres user, who cannot enter '{dir.FullName}' (mode {File.GetUnixFileMode(dir.FullName)}); choose a data folder under a folder others may enter.");
            }
        }
    }

    private static string FindBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        var candidates = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .ToList()
            : [];
        return candidates.FirstOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL binaries not found under /usr/lib/postgresql; run scripts/install-prerequisites postgres.");
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
