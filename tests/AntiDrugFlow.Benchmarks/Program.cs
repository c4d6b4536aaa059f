using AntiDrugFlow.Benchmarks;
using BenchmarkDotNet.Running;

// "durable" measures the engine over a real PostgreSQL; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "durable")
{
    return await DurableThroughput.MainAsync(args[1..], Console.Out, Console.Error);
}

BenchmarkSwitcher.FromAssembly(typeof(InMemoryFlowchartBenchmarks).Assembly).Run(args);
return 0;
