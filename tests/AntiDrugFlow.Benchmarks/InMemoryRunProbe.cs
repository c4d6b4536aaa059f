using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// "inmemory [runs] [rounds] [--by-type]": the runs of <see cref="InMemoryFlowchartBenchmarks"/> measured in this
/// process, without BenchmarkDotNet's generated project (whose build times out on a loaded machine): after a warm-up
/// (at least a tenth of the runs and two seconds), per run the mean wall time, the process CPU time (what load on a
/// shared machine changes least) and the bytes allocated (<c>GC.GetTotalAllocatedBytes(precise: true)</c>, so every
/// thread's allocations count), for the JavaScript and the Literal-only variants, three rounds each unless told, then
/// the median and worst round. The load average is printed with every figure. <c>--by-type</c> adds the sampled
/// allocations by type (the runtime's allocation ticks, one per ~100 KB) of the JavaScript variant.
/// </summary>
public static class InMemoryRunProbe
{
    public static async Task<int> MainAsync(string[] args, TextWriter output)
    {
        var byType = args.Contains("--by-type");
        var numbers = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
        var runs = numbers.Length > 0 ? int.Parse(numbers[0], CultureInfo.InvariantCulture) : 20_000;
        var rounds = numbers.Length > 1 ? int.Parse(numbers[1], CultureInfo.InvariantCulture) : 3;
        var benchmarks = new InMemoryFlowchartBenchmarks();
        benchmarks.Setup();
        foreach (var (name, run) in new (string, Func<ValueTask<Workflows.Runtime.WorkflowInstance>>)[]
        {
            ("Run, 4 JavaScript expressions", benchmarks.RunWithJavaScript),
            ("Run, Literal expressions only", benchmarks.RunWithLiteralsOnly),
        })
        {
            // Warm-up: at least a tenth of the runs and two seconds, so the runtime's tiered compiler has promoted the hot
            // path (its background compiles wait ~100 ms and more on a loaded machine); a short warm-up put unoptimised
            // code into the first rounds.
            var warming = Stopwatch.StartNew();
            for (var i = 0; i < Math.Max(1_000, runs / 10) || warming.Elapsed < TimeSpan.FromSeconds(2); i++)
            {
                await run();
            }

            var wall = new List<double>();
            var cpu = new List<double>();
            for (var round = 1; round <= rounds; round++)
            {
                var bytes = GC.GetTotalAllocatedBytes(precise: true);
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var started = Stopwatch.GetTimestamp();
                for (var i = 0; i < runs; i++)
                {
                    await run();
                }

                var elapsed = Stopwatch.GetElapsedTime(started);
                var cpuTime = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
                var allocated = GC.GetTotalAllocatedBytes(precise: true) - bytes;
                wall.Add(elapsed.TotalMicroseconds / runs);
                cpu.Add(cpuTime.TotalMicroseconds / runs);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}, round {round}: {wall[^1]:F1} µs, CPU {cpu[^1]:F1} µs, {allocated / (double)runs / 1024:F2} KB ({allocated / runs:N0} B) per run over {runs:N0} runs; load {LoadAverage()}"));
            }

            wall.Sort();
            cpu.Sort();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: median {wall[wall.Count / 2]:F1} µs (worst {wall[^1]:F1}), CPU median {cpu[cpu.Count / 2]:F1} µs (worst {cpu[^1]:F1}) over {rounds} rounds"));
        }

        if (byType)
        {
            await AllocationsByTypeAsync(benchmarks.RunWithJavaScript, runs, output);
        }

        return 0;
    }

    /// <summary>The 1-, 5- and 15-minute load averages (Linux), or "n/a".</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static async Task AllocationsByTypeAsync(Func<ValueTask<Workflows.Runtime.WorkflowInstance>> run, int runs, TextWriter output)
    {
        using var listener = new AllocationTicks();
        for (var i = 0; i < runs; i++)
        {
            await run();
        }

        listener.Stop();
        var total = listener.Bytes.Values.Sum();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Allocations by type, JavaScript variant, {runs:N0} runs (sampled: one tick per ~100 KB):"));
        foreach (var (type, sampled) in listener.Bytes.OrderByDescending(p => p.Value).Take(30))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {sampled * 100.0 / total,5:F1}%  ~{sampled / (double)runs:F0} B/run  {type}"));
        }
    }

    /// <summary>Listens to the runtime's GC AllocationTick events and sums the sampled bytes by type name.</summary>
    private sealed class AllocationTicks : EventListener
    {
        private volatile bool _stopped;

        public Dictionary<string, long> Bytes { get; } = new(StringComparer.Ordinal);

        public void Stop() => _stopped = true;

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword: AllocationTick at verbose level
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (_stopped || !eventData.EventName!.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null)
            {
                return;
            }

            var names = eventData.PayloadNames!;
            var type = eventData.Payload[names.IndexOf("TypeName")] as string ?? "?";
            var amount = Convert.ToInt64(eventData.Payload[names.IndexOf(names.Contains("AllocationAmount64") ? "AllocationAmount64" : "AllocationAmount")], CultureInfo.InvariantCulture);
            lock (Bytes)
            {
                Bytes[type] = Bytes.GetValueOrDefault(type) + amount;
            }
        }
    }
}
