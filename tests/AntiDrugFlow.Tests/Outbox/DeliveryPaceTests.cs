using AntiDrugFlow.Integrations.Outbox;
using AntiDrugFlow.Tests.Infrastructure;
using Xunit;

namespace AntiDrugFlow.Tests.Outbox;

/// <summary>The outbox's pace while requests are answered: starts granted at a rate, a tenth of a second's worth at most at once.</summary>
public sealed class DeliveryPaceTests
{
    [Fact]
    public void Starts_are_granted_at_the_rate_and_never_more_than_a_tenth_of_a_second_s_worth_at_once()
    {
        var clock = new TestClock();
        var pace = new DeliveryPace(clock);

        Assert.Equal(0, pace.Take(50, 100, out var retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(10), retryAfter);

        clock.Advance(TimeSpan.FromMilliseconds(30));
        Assert.Equal(3, pace.Take(50, 100, out _));

        // A long quiet spell fills the bucket to a tenth of a second's worth only.
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(10, pace.Take(50, 100, out _));
        Assert.Equal(0, pace.Take(50, 100, out _));

        // Fewer wanted than granted: the rest stays for the next.
        clock.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(2, pace.Take(2, 100, out _));
        Assert.Equal(3, pace.Take(50, 100, out _));
    }

    [Fact]
    public void Starts_taken_but_not_used_are_given_back_and_a_clock_set_back_adds_none()
    {
        var clock = new TestClock();
        var pace = new DeliveryPace(clock);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(10, pace.Take(10, 100, out _));

        pace.Return(4);
        clock.Advance(TimeSpan.FromSeconds(-5));
        Assert.Equal(4, pace.Take(10, 100, out _));
        Assert.Equal(0, pace.Take(10, 100, out var retryAfter));
        Assert.True(retryAfter > TimeSpan.Zero, $"{retryAfter} should be after now");
    }
}
