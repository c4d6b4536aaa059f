using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// What this process allocates, by type: the runtime's allocation sample (one event about every 100 KB allocated, naming
/// the type of the object that crossed the mark), read in-process while it is alive. A type's share of the samples is its
/// share of the bytes allocated, within sampling error.
/// </summary>
public sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private volatile bool _recording;

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_recording || !eventData.EventName!.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.PayloadNames is not { } names)
        {
            return;
        }

        var type = eventData.Payload![names.IndexOf("TypeName")] as string ?? "?";
        var amount = Convert.ToInt64(eventData.Payload[names.IndexOf("AllocationAmount")], CultureInfo.InvariantCulture);
        _bytes.AddOrUpdate(type, amount, (_, total) => total + amount);
    }

    public void Start()
    {
        _bytes.Clear();
        _recording = true;
    }

    public void Stop() => _recording = false;

    /// <summary>The <paramref name="count"/> types that took the most sampled bytes, with their share.</summary>
    public void Write(TextWriter output, int count)
    {
        var total = _bytes.Values.Sum();
        output.WriteLine("| type | share of sampled bytes |");
        output.WriteLine("|---|---:|");
        foreach (var (type, bytes) in _bytes.OrderByDescending(p => p.Value).Take(count))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| `{type}` | {100.0 * bytes / total:0.0} % |"));
        }

        output.WriteLine();
    }
}
