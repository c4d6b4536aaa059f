using AntiDrugFlow.Benchmarks;
using BenchmarkDotNet.Running;

// "durable" measures the engine over a real PostgreSQL; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "durable")
{
    return await DurableThroughput.MainAsync(args[1..], Console.Out, Console.Error);
}

// "timers" measures how late the engine's timer pump fires a burst of workflow timers among many pending ones (docs/BENCHMARKS-scheduling.md).
if (args.Length > 0 && args[0] == "timers")
{
    return await TimerFiringBenchmark.RunAsync(args[1..], Console.Out, CancellationToken.None);
}

// "pages" times the queries behind the case worker's pages over years of history (docs/BENCHMARKS-pages.md).
if (args.Length > 0 && args[0] == "pages")
{
    return await PageQueryBenchmark.MainAsync(args[1..], Console.Out, Console.Error);
}

// "smtp" compares messages/s over one reused SMTP connection with a connection each, plain and STARTTLS (docs/BENCHMARKS.md).
if (args.Length > 0 && args[0] == "smtp")
{
    return await SmtpThroughputBenchmark.MainAsync(args[1..], Console.Out, Console.Error);
}

// "inmemory" measures the 10-activity in-memory runs in this process, without BenchmarkDotNet's build (docs/BENCHMARKS.md).
if (args.Length > 0 && args[0] == "inmemory")
{
    return await InMemoryRunProbe.MainAsync(args[1..], Console.Out);
}

// "http" drives the host over loopback HTTP: notifications, inbox reads, task completions at chosen concurrencies (docs/BENCHMARKS.md).
if (args.Length > 0 && args[0] == "http")
{
    return await HttpLoadBenchmark.MainAsync(args[1..], Console.Out, Console.Error);
}

// "outbox" measures what the outbox table costs PostgreSQL per delivered message, without a receiver (docs/BENCHMARKS.md).
if (args.Length > 0 && args[0] == "outbox")
{
    return await OutboxStoreBenchmark.MainAsync(args[1..], Console.Out, Console.Error);
}

// "memory" samples the host process's RSS with 100,000 open instances and 1,000,000 timers pending (docs/BENCHMARKS.md).
if (args.Length > 0 && args[0] == "memory")
{
    return await MemoryBenchmark.MainAsync(args[1..], Console.Out, Console.Error);
}

BenchmarkSwitcher.FromAssembly(typeof(InMemoryFlowchartBenchmarks).Assembly).Run(args);
return 0;
