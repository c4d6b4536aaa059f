using System.Diagnostics;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// A sampler's one slot a second, counted from a start (a <see cref="Stopwatch"/> timestamp): the slot of a sample's second
/// is made (with every second before it) when first needed; samples before the start are dropped. Every access is under
/// one lock, as the sampler's thread writes while the benchmark's reads.
/// </summary>
internal sealed class SecondSlots<T>(long start, Func<T> create)
    where T : class
{
    private readonly List<T> _slots = [];

    /// <summary>Updates the slot of the second <paramref name="timestamp"/> falls in.</summary>
    public void At(long timestamp, Action<T> update)
    {
        var second = (int)((timestamp - start) / Stopwatch.Frequency);
        if (second < 0)
        {
            return;
        }

        lock (_slots)
        {
            while (_slots.Count <= second)
            {
                _slots.Add(create());
            }

            update(_slots[second]);
        }
    }

    /// <summary>The first <paramref name="seconds"/> slots, each formatted, joined by " · ".</summary>
    public string Line(int seconds, Func<T, string> format)
    {
        lock (_slots)
        {
            return string.Join(" · ", _slots.Take(seconds).Select(format));
        }
    }
}
