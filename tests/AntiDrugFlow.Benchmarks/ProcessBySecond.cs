using System.Diagnostics;
using System.Globalization;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// What this process's runtime did second by second while a measurement ran: the time the garbage collector paused it,
/// its collections by generation, the methods the JIT compiled, the thread pool's threads, its longest queue and the longest a work item waited to start
/// (a probe queued every 20 ms from a thread of its own, so a starved pool shows as a long wait).
/// </summary>
public sealed class ProcessBySecond : IDisposable
{
    private const int ProbeMilliseconds = 20;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private readonly SecondSlots<Reading> _seconds;
    private long _lastGc;

    /// <summary>Starts reading at once; second 0 begins at <paramref name="start"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public ProcessBySecond(long start)
    {
        _seconds = new SecondSlots<Reading>(start, () => new Reading
        {
            PauseAtStart = GC.GetTotalPauseDuration(),
            CollectionsAtStart = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)],
            JittedAtStart = System.Runtime.JitInfo.GetCompiledMethodCount(),
            JitTimeAtStart = System.Runtime.JitInfo.GetCompilationTime(),
        });
        _thread = new Thread(Run) { IsBackground = true, Name = "process-by-second" };
        _thread.Start();
    }

    private sealed class Reading
    {
        public TimeSpan PauseAtStart { get; init; }

        public int[] CollectionsAtStart { get; init; } = [];

        public long JittedAtStart { get; init; }

        public TimeSpan JitTimeAtStart { get; init; }

        public long Jitted { get; set; }

        public TimeSpan JitTime { get; set; }

        public TimeSpan Pause { get; set; }

        public int[] Collections { get; set; } = [0, 0, 0];

        public long LongestQueue { get; set; }

        public double LongestWaitMs { get; set; }

        public int Threads { get; set; }

        public double LongestPauseMs { get; set; }
    }

    private void Run()
    {
        var waiting = 0L;
        while (!_stop.IsCancellationRequested)
        {
            var queued = Stopwatch.GetTimestamp();
            if (Interlocked.CompareExchange(ref waiting, queued, 0) == 0)
            {
                ThreadPool.UnsafeQueueUserWorkItem(_ => Record(Stopwatch.GetElapsedTime(Interlocked.Exchange(ref waiting, 0)).TotalMilliseconds, Stopwatch.GetTimestamp()), null);
            }
            else
            {
                // The last probe has not started yet: its wait so far counts now, in case it never starts within the second.
                Record(Stopwatch.GetElapsedTime(Interlocked.Read(ref waiting)).TotalMilliseconds, queued);
            }

            _stop.Token.WaitHandle.WaitOne(ProbeMilliseconds);
        }
    }

    private void Record(double waitMs, long now) =>
        _seconds.At(now, reading =>
        {
            reading.Pause = GC.GetTotalPauseDuration() - reading.PauseAtStart;
            reading.Collections = [GC.CollectionCount(0) - reading.CollectionsAtStart[0], GC.CollectionCount(1) - reading.CollectionsAtStart[1], GC.CollectionCount(2) - reading.CollectionsAtStart[2]];
            reading.Jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - reading.JittedAtStart;
            reading.JitTime = System.Runtime.JitInfo.GetCompilationTime() - reading.JitTimeAtStart;
            var last = GC.GetGCMemoryInfo(GCKind.Any);
            if (last.Index != _lastGc)
            {
                _lastGc = last.Index;
                reading.LongestPauseMs = Math.Max(reading.LongestPauseMs, last.PauseDurations[0].TotalMilliseconds + last.PauseDurations[1].TotalMilliseconds);
            }

            reading.LongestQueue = Math.Max(reading.LongestQueue, ThreadPool.PendingWorkItemCount);
            reading.LongestWaitMs = Math.Max(reading.LongestWaitMs, waitMs);
            reading.Threads = ThreadPool.ThreadCount;
        });

    /// <summary>
    /// One entry per second: GC pause ms (and the longest pause of a collection seen, sampled), collections gen0/gen1/gen2, the longest a work item waited to start (ms), the
    /// thread pool's longest queue and its threads at the second's end, the methods compiled and the time spent compiling.
    /// </summary>
    public string Line(int seconds) =>
        _seconds.Line(seconds, r => string.Create(CultureInfo.InvariantCulture,
            $"{r.Pause.TotalMilliseconds:0} ms (longest {r.LongestPauseMs:0}) {r.Collections[0]}/{r.Collections[1]}/{r.Collections[2]}, wait {r.LongestWaitMs:0} ms, queue {r.LongestQueue}, {r.Threads} threads, JIT {r.Jitted} methods {r.JitTime.TotalMilliseconds:0} ms"));

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }
}
