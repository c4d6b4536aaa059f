using System.Diagnostics;
using System.Globalization;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// What the machine did second by second, from the kernel's own counters read every 20 ms from a thread of its own: the
/// cores' busy share and the time tasks were ready to run but found no core (<c>/proc/stat</c>, <c>/proc/pressure/cpu</c>),
/// the most tasks seen running or ready at once, and the disk under a directory (<c>/proc/diskstats</c>): writes,
/// megabytes written, flush requests and the longest a flush took on average within any 20 ms of the second. A second
/// whose requests were slow shows whether the cores were short or the disk's flushes, which every commit waits for,
/// were slow in it. Linux only; elsewhere <see cref="Line"/> says what it could not read.
/// </summary>
public sealed class MachineBySecond : IDisposable
{
    private const int ProbeMilliseconds = 20;
    private readonly string? _device;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private readonly SecondSlots<Second> _seconds;

    // The probe before the current one (the sampler's thread only): a second's slot starts from it.
    private Counters _previous;

    /// <summary>Starts reading at once; second 0 begins at <paramref name="start"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public MachineBySecond(string directory, long start)
    {
        _seconds = new SecondSlots<Second>(start, () => new Second { AtStart = _previous, Last = _previous });
        _device = DeviceOf(directory);
        _thread = new Thread(Run) { IsBackground = true, Name = "machine-by-second" };
        _thread.Start();
    }

    /// <summary>The kernel's cumulative counters that matter here (clock ticks, microseconds, requests, sectors, milliseconds).</summary>
    /// <param name="Runnable">Not a counter: the tasks running or ready when read.</param>
    private readonly record struct Counters(long BusyTicks, long AllTicks, long OwnTicks, long CpuStallMicroseconds, long Writes, long SectorsWritten, long WriteMs, long Flushes, long FlushMs, int Runnable);

    private sealed class Second
    {
        public required Counters AtStart { get; init; }

        public Counters Last { get; set; }

        public double LongestFlushMs { get; set; }

        public int MostRunnable { get; set; }
    }

    private void Run()
    {
        _previous = Read();
        while (!_stop.IsCancellationRequested)
        {
            _stop.Token.WaitHandle.WaitOne(ProbeMilliseconds);
            var now = Stopwatch.GetTimestamp();
            var current = Read();
            _seconds.At(now, reading =>
            {
                reading.Last = current;
                reading.MostRunnable = Math.Max(reading.MostRunnable, current.Runnable);
                var flushes = current.Flushes - _previous.Flushes;
                if (flushes > 0)
                {
                    reading.LongestFlushMs = Math.Max(reading.LongestFlushMs, (double)(current.FlushMs - _previous.FlushMs) / flushes);
                }
            });
            _previous = current;
        }
    }

    /// <summary>
    /// One entry per second: the cores' busy share (and this process's part of it), the milliseconds some task waited for a core, the most tasks running or
    /// ready at once (this probe's own thread among them); then writes, MB written, the average write's time, flushes,
    /// their average time, and the highest average flush time of any 20 ms within the second (a flush that stalled shows there).
    /// </summary>
    public string Line(int seconds) =>
        (_device is null ? "(no disk found for the directory) " : $"disk {_device}; ") + _seconds.Line(seconds, s =>
            {
                var writes = s.Last.Writes - s.AtStart.Writes;
                var flushes = s.Last.Flushes - s.AtStart.Flushes;
                var all = s.Last.AllTicks - s.AtStart.AllTicks;
                var busy = all == 0 ? 0 : 100.0 * (s.Last.BusyTicks - s.AtStart.BusyTicks) / all;
                var own = all == 0 ? 0 : 100.0 * (s.Last.OwnTicks - s.AtStart.OwnTicks) / all;
                return string.Create(CultureInfo.InvariantCulture,
                    $"CPU {busy:0} % busy ({own:0} this process), {(s.Last.CpuStallMicroseconds - s.AtStart.CpuStallMicroseconds) / 1000.0:0} ms waiting for a core, {s.MostRunnable} runnable; {writes} writes {(s.Last.SectorsWritten - s.AtStart.SectorsWritten) * 512 / 1048576.0:0.0} MB {Average(s.Last.WriteMs - s.AtStart.WriteMs, writes):0.00} ms, {flushes} flushes {Average(s.Last.FlushMs - s.AtStart.FlushMs, flushes):0.00} ms (worst 20 ms {s.LongestFlushMs:0.0})");
            });

    private static double Average(long milliseconds, long count) => count == 0 ? 0 : (double)milliseconds / count;

    private Counters Read()
    {
        long busy = 0, all = 0, own = 0, stall = 0, runnable = 0;
        long writes = 0, sectors = 0, writeMs = 0, flushes = 0, flushMs = 0;
        if (File.Exists("/proc/stat"))
        {
            // cpu user nice system idle iowait irq softirq steal …: idle and iowait are the idle ticks; procs_running further down.
            var stat = File.ReadAllLines("/proc/stat");
            var ticks = stat[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(Number).ToArray();
            all = ticks.Sum();
            busy = all - ticks[3] - ticks[4];
            runnable = stat.Where(line => line.StartsWith("procs_running ", StringComparison.Ordinal)).Select(line => Number(line["procs_running ".Length..])).FirstOrDefault();
        }

        if (File.Exists("/proc/self/stat"))
        {
            var after = CpuByProcess.StatFields("/proc/self/stat");
            own = Number(after[11]) + Number(after[12]);
        }

        if (File.Exists("/proc/pressure/cpu"))
        {
            // some avg10=… avg60=… avg300=… total=<microseconds>
            stall = Number(File.ReadLines("/proc/pressure/cpu").First().Split(' ').Last()["total=".Length..]);
        }

        foreach (var fields in _device is null ? [] : Disks())
        {
            // major minor name, reads (4), writes completed, merged, sectors, ms, in flight, io ms, weighted ms, discards (4), flushes, flush ms.
            if (fields.Length >= 20 && fields[2] == _device)
            {
                (writes, sectors, writeMs, flushes, flushMs) = (Number(fields[7]), Number(fields[9]), Number(fields[10]), Number(fields[18]), Number(fields[19]));
                break;
            }
        }

        return new Counters(busy, all, own, stall, writes, sectors, writeMs, flushes, flushMs, (int)runnable);
    }

    /// <summary>The kernel's disks, one line of <c>/proc/diskstats</c> split into its fields each.</summary>
    private static IEnumerable<string[]> Disks() =>
        File.ReadLines("/proc/diskstats").Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static long Number(string text) => long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>The block device holding <paramref name="directory"/>: its mount's device numbers looked up among the kernel's disks.</summary>
    private static string? DeviceOf(string directory)
    {
        if (!File.Exists("/proc/self/mountinfo") || !File.Exists("/proc/diskstats"))
        {
            return null;
        }

        var full = Path.GetFullPath(directory);
        string? numbers = null;
        var longest = -1;
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            // mount id, parent id, major:minor, root, mount point, …
            var fields = line.Split(' ');
            var mountPoint = fields[4];
            var inside = full == mountPoint || full.StartsWith(mountPoint.TrimEnd('/') + "/", StringComparison.Ordinal);
            if (inside && mountPoint.Length > longest)
            {
                longest = mountPoint.Length;
                numbers = fields[2];
            }
        }

        return numbers is null ? null : Disks()
            .Where(fields => $"{fields[0]}:{fields[1]}" == numbers)
            .Select(fields => fields[2])
            .FirstOrDefault();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }
}
