using System.Globalization;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// Where the cores went over a stretch of time, by process: this one (host and client), PostgreSQL's client backends,
/// its autovacuum workers and its other processes (WAL writer, checkpointer …), and everything else on the machine, from
/// each process's CPU time in <c>/proc/&lt;pid&gt;/stat</c> read at both ends, with the page faults PostgreSQL's client backends took
/// (a backend's first touch of each shared-buffer page it had not used before costs one). A process that started and ended in between is
/// not seen. Linux only; elsewhere <see cref="Line"/> says so.
/// </summary>
public sealed class CpuByProcess
{
    private const string Own = "this process";
    private const string Backends = "PostgreSQL client backends";
    private const string Autovacuum = "autovacuum";
    private const string OtherPostgres = "PostgreSQL's other processes";
    private const string Rest = "everything else";
    private static readonly string[] Order = [Own, Backends, Autovacuum, OtherPostgres, Rest];
    private readonly Dictionary<int, (string Role, long Ticks, long Faults)> _start;
    private readonly long _startedAt = System.Diagnostics.Stopwatch.GetTimestamp();

    private CpuByProcess(Dictionary<int, (string Role, long Ticks, long Faults)> start) => _start = start;

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
        var since = Read()
            .Select(p => _start.TryGetValue(p.Key, out var before) && before.Role == p.Value.Role
                ? (p.Value.Role, Ticks: p.Value.Ticks - before.Ticks, Faults: p.Value.Faults - before.Faults)
                : (p.Value.Role, Ticks: 0L, Faults: 0L))
            .ToList();
        var used = since.GroupBy(p => p.Role).ToDictionary(g => g.Key, g => g.Sum(p => p.Ticks) / ticksPerSecond / seconds);
        var faults = since.Where(p => p.Role == Backends).Sum(p => p.Faults);
        return string.Join(" · ", Order.Select(role => string.Create(CultureInfo.InvariantCulture, $"{role} {used.GetValueOrDefault(role):0.00}")))
            + string.Create(CultureInfo.InvariantCulture, $"; the client backends' page faults {faults / seconds:0}/s");
    }

    private static Dictionary<int, (string Role, long Ticks, long Faults)> Read()
    {
        var result = new Dictionary<int, (string Role, long Ticks, long Faults)>();
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
                var after = StatFields(Path.Combine(directory, "stat"));
                var ticks = long.Parse(after[11], CultureInfo.InvariantCulture) + long.Parse(after[12], CultureInfo.InvariantCulture);
                var faults = long.Parse(after[7], CultureInfo.InvariantCulture) + long.Parse(after[9], CultureInfo.InvariantCulture);
                result[pid] = (pid == self ? Own : RoleOf(File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ')), ticks, faults);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while being read.
            }
        }

        return result;
    }

    /// <summary>
    /// The fields of a <c>/proc/&lt;pid&gt;/stat</c> file after the command name, which is in parentheses and may hold spaces:
    /// [0] is the state; [7] and [9] the minor and major page faults; [11] and [12] the user and system CPU time in clock ticks.
    /// </summary>
    internal static string[] StatFields(string path)
    {
        var stat = File.ReadAllText(path);
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    // PostgreSQL names its processes "postgres: <what>"; a client backend's title names its user, database and client address.
    private static string RoleOf(string commandLine) =>
        !commandLine.StartsWith("postgres: ", StringComparison.Ordinal) ? Rest
        : commandLine.Contains("autovacuum", StringComparison.Ordinal) ? Autovacuum
        : commandLine.Contains("127.0.0.1(", StringComparison.Ordinal) || commandLine.Contains("[local]", StringComparison.Ordinal) ? Backends
        : OtherPostgres;
}
