using System.Diagnostics;
using System.Globalization;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// The disk's own flush latency, the reference for every commit's wait: one 8 KB write and an fsync at a time, in a file
/// beside PostgreSQL's data (the same file system as its WAL), for a few seconds with nothing else running.
/// </summary>
public static class DiskFlushReference
{
    public static async Task<string> MeasureAsync(string directory, TimeSpan duration, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, "flush-probe");
        var block = new byte[8192];
        var times = new List<double>();
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous))
        {
            var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < end)
            {
                var started = Stopwatch.GetTimestamp();
                file.Position = 0;
                await file.WriteAsync(block, cancellationToken);
                file.Flush(flushToDisk: true);
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        File.Delete(path);
        times.Sort();
        double At(double fraction) => times[Math.Max(0, (int)Math.Ceiling(times.Count * fraction) - 1)];
        return string.Create(CultureInfo.InvariantCulture,
            $"{times.Count} flushes in {duration.TotalSeconds:0} s ({times.Count / duration.TotalSeconds:0}/s): p50 {At(0.5):0.00} ms, p99 {At(0.99):0.00} ms, p99.9 {At(0.999):0.00} ms, max {times[^1]:0.00} ms");
    }
}
