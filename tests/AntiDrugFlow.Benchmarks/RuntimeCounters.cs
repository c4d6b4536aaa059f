using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// The runtime's own counters of another .NET process (the "System.Runtime" event counters dotnet-counters shows: gc-heap-size,
/// gc-committed, GC counts …), read once a second over its diagnostics port; the latest value of each is kept.
/// </summary>
public sealed class RuntimeCounters : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, double> _latest = new(StringComparer.Ordinal);
    private readonly EventPipeSession _session;
    private readonly Task _reading;

    private RuntimeCounters(EventPipeSession session)
    {
        _session = session;
        var source = new EventPipeEventSource(session.EventStream);
        source.Dynamic.All += OnEvent;
        _reading = Task.Run(source.Process);
    }

    public static RuntimeCounters Start(int processId)
    {
        var provider = new EventPipeProvider("System.Runtime", EventLevel.Informational, 0, new Dictionary<string, string> { ["EventCounterIntervalSec"] = "1" });
        return new RuntimeCounters(new DiagnosticsClient(processId).StartEventPipeSession([provider], requestRundown: false));
    }

    /// <summary>The latest value of each counter (MB for the sizes, a count since the last second for the GC counts' increments summed).</summary>
    public IReadOnlyDictionary<string, double> Snapshot() => new Dictionary<string, double>(_latest, StringComparer.Ordinal);

    private void OnEvent(TraceEvent data)
    {
        if (data.EventName != "EventCounters" || data.PayloadValue(0) is not IDictionary<string, object> wrapper || wrapper["Payload"] is not IDictionary<string, object> payload)
        {
            return;
        }

        var name = (string)payload["Name"];
        if (payload.TryGetValue("Increment", out var increment))
        {
            // Counts (GCs) come as increments per interval: keep their running total.
            _latest.AddOrUpdate(name, Convert.ToDouble(increment, System.Globalization.CultureInfo.InvariantCulture), (_, total) => total + Convert.ToDouble(increment, System.Globalization.CultureInfo.InvariantCulture));
        }
        else if (payload.TryGetValue("Mean", out var mean))
        {
            _latest[name] = Convert.ToDouble(mean, System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _session.StopAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is ServerNotAvailableException or EndOfStreamException or IOException)
        {
            // The process has gone; its stream ended with it.
        }

        await _reading;
        _session.Dispose();
    }
}
