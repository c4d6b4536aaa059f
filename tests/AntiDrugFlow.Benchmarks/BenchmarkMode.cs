namespace AntiDrugFlow.Benchmarks;

/// <summary>How a measuring mode of the command line runs: its options parsed, then run until done or Ctrl+C.</summary>
public static class BenchmarkMode
{
    /// <summary>0 when measured, 2 for a wrong option (its message on <paramref name="error"/>), 130 when cancelled.</summary>
    public static async Task<int> RunAsync<TArguments>(
        string[] args, Func<string[], TArguments> parse, Func<TArguments, CancellationToken, Task> run, TextWriter error)
    {
        TArguments arguments;
        try
        {
            arguments = parse(args);
        }
        catch (ArgumentException ex)
        {
            error.WriteLine(ex.Message);
            return 2;
        }

        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        try
        {
            await run(arguments, cancellation.Token);
            return 0;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // A mode's cluster is stopped and its folder removed on the way out.
            error.WriteLine("Cancelled.");
            return 130;
        }
    }
}
