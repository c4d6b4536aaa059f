namespace AntiDrugFlow.Integrations.Outbox;

/// <summary>
/// The requests the host is answering at this moment, counted by the host's first middleware, so work that can wait (the
/// outbox's deliveries) gives the cores to the people waiting for an answer.
/// </summary>
public sealed class ForegroundRequests
{
    private int _inFlight;

    /// <summary>Requests begun and not yet answered.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>A request has begun; pair it with <see cref="Exit"/> in a <c>finally</c>.</summary>
    public void Enter() => Interlocked.Increment(ref _inFlight);

    public void Exit() => Interlocked.Decrement(ref _inFlight);
}

/// <summary>
/// How many deliveries may start now while requests are being answered: a bucket that fills at a set rate and holds a
/// tenth of a second's worth, so the starts it allows are spread over the second rather than taken at once.
/// </summary>
public sealed class DeliveryPace(TimeProvider time)
{
    private double _tokens;
    private DateTimeOffset _last = time.GetUtcNow();

    /// <summary>
    /// Takes up to <paramref name="wanted"/> starts at <paramref name="perSecond"/> a second and returns how many were
    /// granted; when none, <paramref name="retryAfter"/> says when the next one will be.
    /// </summary>
    public int Take(int wanted, int perSecond, out TimeSpan retryAfter)
    {
        var now = time.GetUtcNow();
        var capacity = Math.Max(1, perSecond / 10.0);
        // A clock set back adds nothing.
        _tokens = Math.Min(capacity, _tokens + (Math.Max(0, (now - _last).TotalSeconds) * perSecond));
        _last = now;
        var granted = (int)Math.Min(wanted, Math.Floor(_tokens));
        _tokens -= granted;
        retryAfter = granted > 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - _tokens) / perSecond);
        return granted;
    }

    /// <summary>Gives back starts taken but not used (fewer messages were due than granted).</summary>
    public void Return(int unused) => _tokens += unused;
}
