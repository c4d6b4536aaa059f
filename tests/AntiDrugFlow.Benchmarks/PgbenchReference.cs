using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using AntiDrugFlow.Integrations.Postgres;
using Npgsql;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// The server's own single-insert commit rate, as the reference of the durable mode: pgbench runs one
/// <c>INSERT INTO one_row VALUES (1);</c> per transaction (no vacuum, <c>-n</c>) from N clients against a database of its
/// own on the benchmark's PostgreSQL, so both see the same server, fsync settings and load (as pgbench-ceiling.sh does
/// on a cluster of its own).
/// </summary>
public sealed partial class PgbenchReference : IDisposable
{
    private const string Database = "pgbench_reference";

    private readonly string _pgbench;
    private readonly int _port;
    private readonly string _script;
    private readonly int _seconds;
    private readonly TextWriter _output;
    private readonly string _startWritesScript = Path.Combine(Path.GetTempPath(), $"adf-pgbench-start-writes-{Environment.ProcessId}.sql");
    private string[]? _startWrites;

    private PgbenchReference(string pgbench, int port, string script, int seconds, TextWriter output)
    {
        _pgbench = pgbench;
        _port = port;
        _script = script;
        _seconds = seconds;
        _output = output;
    }

    /// <summary>Creates the reference's database and script; null (after saying so) when there is no pgbench on this machine.</summary>
    public static async Task<PgbenchReference?> PrepareAsync(EmbeddedPostgresCluster cluster, int seconds, TextWriter output, CancellationToken cancellationToken)
    {
        var pgbench = Find();
        if (pgbench is null)
        {
            output.WriteLine("pgbench was not found (PATH, /usr/lib/postgresql/*/bin): the engine's figures are printed without their reference.");
            output.WriteLine();
            return null;
        }

        await cluster.CreateDatabaseIfMissingAsync(Database, cancellationToken);
        await using (var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString(Database)))
        await using (var create = dataSource.CreateCommand("CREATE TABLE IF NOT EXISTS one_row (id bigint)"))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var script = Path.Combine(Path.GetTempPath(), $"adf-pgbench-insert-{Environment.ProcessId}.sql");
        await File.WriteAllTextAsync(script, "INSERT INTO one_row VALUES (1);\n", cancellationToken);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Reference: {pgbench} -n -c N -j min(N, {Environment.ProcessorCount}) -T {seconds} -f insert.sql (INSERT INTO one_row VALUES (1);) on the same server, database {Database}"));
        output.WriteLine();
        return new PgbenchReference(pgbench, cluster.Port, script, seconds, output);
    }

    /// <summary>pgbench's single inserts per second from <paramref name="clients"/> clients; null (after saying why) when it failed.</summary>
    public Task<double?> InsertsPerSecondAsync(int clients, CancellationToken cancellationToken) =>
        TransactionsPerSecondAsync(clients, ["-f", _script, Database], cancellationToken);

    /// <summary>
    /// Makes <paramref name="writes"/> (a start's own writes in the engine's database <paramref name="database"/>) the
    /// second reference, run by <see cref="StartWritesPerSecondAsync"/>.
    /// </summary>
    public async Task UseStartWritesAsync(StartWritesScript writes, string database, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(_startWritesScript, writes.Text, cancellationToken);
        _startWrites = ["-M", "prepared", .. writes.DefineArguments(), "-f", _startWritesScript, database];
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Second reference: {_pgbench} -n -M prepared -c N -j min(N, {Environment.ProcessorCount}) -T {_seconds} -f start-writes.sql (a start's own writes as the engine sends them, one pipeline a transaction, {writes.Variables.Count} values bound) in database {database}"));
        _output.WriteLine();
    }

    /// <summary>pgbench's transactions of a start's own writes per second (<see cref="UseStartWritesAsync"/>); null when not set or failed.</summary>
    public Task<double?> StartWritesPerSecondAsync(int clients, CancellationToken cancellationToken) =>
        _startWrites is null ? Task.FromResult<double?>(null) : TransactionsPerSecondAsync(clients, _startWrites, cancellationToken);

    /// <summary>pgbench's transactions per second from <paramref name="clients"/> clients running <paramref name="script"/> (its options, file and database); null (after saying why) when it failed.</summary>
    private async Task<double?> TransactionsPerSecondAsync(int clients, IEnumerable<string> script, CancellationToken cancellationToken)
    {
        var arguments = new object[] { "-h", "127.0.0.1", "-p", _port, "-U", "postgres", "-n", "-c", clients, "-j", Math.Min(clients, Environment.ProcessorCount), "-T", _seconds }
            .Select(a => Convert.ToString(a, CultureInfo.InvariantCulture)!).Concat(script);
        var run = await RunAsync(_pgbench, arguments, cancellationToken);
        var match = Tps().Match(run.Output);
        if (run.ExitCode == 0 && match.Success)
        {
            return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        _output.WriteLine($"pgbench with {clients} clients failed (exit code {run.ExitCode}): {run.Error.Trim()}");
        return null;
    }

    /// <summary>Runs <paramref name="pgbench"/> with <paramref name="arguments"/> to its end; stopped (and its wait cancelled) when <paramref name="cancellationToken"/> is.</summary>
    internal static async Task<(int ExitCode, string Output, string Error)> RunAsync(string pgbench, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(pgbench) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{pgbench} did not start.");
        await using var stop = cancellationToken.Register(() => process.Kill(entireProcessTree: true));
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await output, await error);
    }

    public void Dispose()
    {
        File.Delete(_script);
        File.Delete(_startWritesScript);
    }

    /// <summary>pgbench's path: PostgreSQL's newest bin folder under /usr/lib/postgresql, else on PATH; null when there is none.</summary>
    internal static string? Find()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "pgbench"));
        var debian = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0).Select(d => Path.Combine(d, "bin", "pgbench"))
            : [];
        return debian.Concat(onPath).FirstOrDefault(File.Exists);
    }

    [GeneratedRegex(@"^tps = ([0-9.]+)", RegexOptions.Multiline)]
    private static partial Regex Tps();
}
