using System.Diagnostics;

namespace AntiDrugFlow.Host.Health;

/// <summary>What start-up has finished, for the readiness checks, and how long each phase took, for the log.</summary>
public sealed class StartupProgress
{
    private readonly List<(string Phase, TimeSpan Took)> _phases = [];
    private volatile bool _definitionsLoaded;

    /// <summary>The definition folder's import has run (whatever it refused is in the log and on the definitions page).</summary>
    public bool DefinitionsLoaded => _definitionsLoaded;

    public void MarkDefinitionsLoaded() => _definitionsLoaded = true;

    /// <summary>Runs one phase of start-up and keeps how long it took.</summary>
    public async Task<T> TimeAsync<T>(string phase, Func<Task<T>> work)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await work();
        lock (_phases)
        {
            _phases.Add((phase, Stopwatch.GetElapsedTime(started)));
        }

        return result;
    }

    public Task TimeAsync(string phase, Func<Task> work) => TimeAsync(phase, async () =>
    {
        await work();
        return true;
    });

    /// <summary>"database 812 ms, schema 15 ms, …" in the order the phases ran.</summary>
    public string Summary()
    {
        lock (_phases)
        {
            return string.Join(", ", _phases.Select(p => $"{p.Phase} {p.Took.TotalMilliseconds:0} ms"));
        }
    }
}
