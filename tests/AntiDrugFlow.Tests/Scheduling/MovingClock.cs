namespace AntiDrugFlow.Tests.Scheduling;

/// <summary>
/// A clock the test moves, read by Hangfire's workers and the engine at once: reads and writes go
/// through one lock so no thread ever sees half an update.
/// </summary>
public sealed class MovingClock(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _gate = new();
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public void Set(DateTimeOffset now)
    {
        lock (_gate)
        {
            _now = now;
        }
    }

    public void Advance(TimeSpan by)
    {
        lock (_gate)
        {
            _now += by;
        }
    }
}
