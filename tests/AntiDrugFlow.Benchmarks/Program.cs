using AntiDrugFlow.Benchmarks;
using BenchmarkDotNet.Running;

// "durable" measures the engine over a real PostgreSQL; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "durable")
{
    DurableArguments arguments;
    try
    {
        arguments = DurableArguments.Parse(args[1..]);
    }
    catch (ArgumentException ex)
    {
        Console.Error.WriteLine(ex.Message);
        return 2;
    }

    using var cancellation = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        cancellation.Cancel();
    };
    await new DurableThroughput(arguments, Console.Out).RunAsync(cancellation.Token);
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(InMemoryFlowchartBenchmarks).Assembly).Run(args);
return 0;
