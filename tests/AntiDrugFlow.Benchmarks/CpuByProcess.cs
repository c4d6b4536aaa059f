using System.Globalization;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// Where the cores went over a stretch of time, by process: this one (host and client), PostgreSQL's client backends,
/// its autovacuum workers and its other processes (WAL writer, checkpointer …), and everything else on the machine, from
/// each process's CPU time in <c>/proc/&lt;pid&gt;/stat</c> read at both ends. A process that started and ended in between is
/// not seen. Linux only; elsewhere <see cref="Line"/> says so.
/// </summary>
public sealed class CpuByProcess
{
    private const string Own = "this process";
    private static readonly string[] Order = [Own, "PostgreSQL client backends", "autovacuum", "PostgreSQL's other processes", "everything else"];
    private readonly Dictionary<int, (string Role, long Ticks)> _start;
    private readonly long _startedAt = System.Diagnostics.Stopwatch.GetTimestamp();

    private CpuByProcess(Dictionary<int, (string Role, long Ticks)> start) => _start = start;

    public static CpuByProcess Start() => new(Read());

    /// <summary>Cores used by each kind of process since <see cref="Start"/>, e.g. "this process 0.66 · PostgreSQL client backends 0.92 · …".</summary>
    public string Line()
    {
        if (!Directory.Exists("/proc/self"))
        {
            return "(no /proc: not measured)";
        }

        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(_startedAt).TotalSeconds;
        var ticksPerSecond = 100.0; // USER_HZ, 100 on every Linux this runs on
        var used = Read()
            .Select(p => (p.Value.Role, Ticks: p.Value.Ticks - (_start.TryGetValue(p.Key, out var before) && before.Role == p.Value.Role ? before.Ticks : p.Value.Ticks)))
            .GroupBy(p => p.Role)
            .ToDictionary(g => g.Key, g => g.Sum(p => p.Ticks) / ticksPerSecond / seconds);
        return string.Join(" · ", Order.Select(role => string.Create(CultureInfo.InvariantCulture, $"{role} {used.GetValueOrDefault(role):0.00}")));
    }

    private static Dictionary<int, (string Role, long Ticks)> Read()
    {
        var result = new Dictionary<int, (string Role, long Ticks)>();
        if (!Directory.Exists("/proc/self"))
        {
            return result;
        }

        var self = Environment.ProcessId;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // pid (comm) state …: utime and stime are the 12th and 13th fields after the command's closing parenthesis.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var after = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ticks = long.Parse(after[11], CultureInfo.InvariantCulture) + long.Parse(after[12], CultureInfo.InvariantCulture);
                result[pid] = (pid == self ? Own : RoleOf(File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ')), ticks);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while being read.
            }
        }

        return result;
    }

    // PostgreSQL names its processes "postgres: <what>"; a client backend's title names its user, database and client address.
    private static string RoleOf(string commandLine) =>
        !commandLine.StartsWith("postgres: ", StringComparison.Ordinal) ? "everything else"
        : commandLine.Contains("autovacuum", StringComparison.Ordinal) ? "autovacuum"
        : commandLine.Contains("127.0.0.1(", StringComparison.Ordinal) || commandLine.Contains("[local]", StringComparison.Ordinal) ? "PostgreSQL client backends"
        : "PostgreSQL's other processes";
}
