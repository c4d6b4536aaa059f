using AntiDrugFlow.Benchmarks;
using BenchmarkDotNet.Running;

// "durable" measures the engine over a real PostgreSQL; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "durable")
{
    using var cancellation = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        cancellation.Cancel();
    };
    await new DurableThroughput(DurableArguments.Parse(args[1..]), Console.Out).RunAsync(cancellation.Token);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(InMemoryFlowchartBenchmarks).Assembly).Run(args);
