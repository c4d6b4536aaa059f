using System.Diagnostics;
using System.Globalization;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// "inmemory [runs]": the runs of <see cref="InMemoryFlowchartBenchmarks"/> measured in this process, without
/// BenchmarkDotNet's generated project (whose build times out on a loaded machine): after a warm-up, the mean time and
/// the bytes allocated per run (<c>GC.GetTotalAllocatedBytes(precise: true)</c>, so every thread's allocations count),
/// for the JavaScript and the Literal-only variants, three rounds each.
/// </summary>
public static class InMemoryRunProbe
{
    public static async Task<int> MainAsync(string[] args, TextWriter output)
    {
        var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
        var benchmarks = new InMemoryFlowchartBenchmarks();
        benchmarks.Setup();
        foreach (var (name, run) in new (string, Func<ValueTask<Workflows.Runtime.WorkflowInstance>>)[]
        {
            ("Run, 4 JavaScript expressions", benchmarks.RunWithJavaScript),
            ("Run, Literal expressions only", benchmarks.RunWithLiteralsOnly),
        })
        {
            for (var i = 0; i < Math.Max(1_000, runs / 10); i++)
            {
                await run();
            }

            for (var round = 1; round <= 3; round++)
            {
                var bytes = GC.GetTotalAllocatedBytes(precise: true);
                var started = Stopwatch.GetTimestamp();
                for (var i = 0; i < runs; i++)
                {
                    await run();
                }

                var elapsed = Stopwatch.GetElapsedTime(started);
                var allocated = GC.GetTotalAllocatedBytes(precise: true) - bytes;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}, round {round}: {elapsed.TotalMicroseconds / runs:F1} µs, {allocated / (double)runs / 1024:F2} KB ({allocated / runs:N0} B) per run over {runs:N0} runs"));
            }
        }

        return 0;
    }
}
