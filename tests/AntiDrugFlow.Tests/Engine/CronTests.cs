using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Scheduling;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>Cron expressions read in Taipei time, and Elsa.Cron waiting for the next occurrence.</summary>
public sealed class CronTests
{
    private static DateTimeOffset Taipei(int year, int month, int day, int hour, int minute, int second = 0) =>
        new(year, month, day, hour, minute, second, TimeSpan.FromHours(8));

    private static DateTimeOffset? Next(string expression, DateTimeOffset after)
    {
        Assert.True(CronSchedule.TryParse(expression, out var schedule, out var error), error);
        return schedule.Next(after, CronSchedule.Taipei);
    }

    [Theory]
    [InlineData("0 9 * * *", "2026-12-03T08:30:00+08:00", "2026-12-03T09:00:00+08:00")]
    [InlineData("0 9 * * *", "2026-12-03T09:00:00+08:00", "2026-12-04T09:00:00+08:00")]
    [InlineData("*/15 * * * *", "2026-12-03T10:16:00+08:00", "2026-12-03T10:30:00+08:00")]
    [InlineData("0 9 * * 1-5", "2026-12-04T10:00:00+08:00", "2026-12-07T09:00:00+08:00")]
    [InlineData("30 8,17 * * *", "2026-12-03T09:00:00+08:00", "2026-12-03T17:30:00+08:00")]
    [InlineData("0 0 1 */3 *", "2026-12-03T00:00:00+08:00", "2027-01-01T00:00:00+08:00")]
    [InlineData("0 12 * * 0", "2026-12-03T00:00:00+08:00", "2026-12-06T12:00:00+08:00")]
    [InlineData("0 12 * * 7", "2026-12-03T00:00:00+08:00", "2026-12-06T12:00:00+08:00")]
    [InlineData("0 0 13 * 5", "2026-12-03T00:00:00+08:00", "2026-12-04T00:00:00+08:00")]
    [InlineData("30 0 9 * * *", "2026-12-03T09:00:00+08:00", "2026-12-03T09:00:30+08:00")]
    [InlineData("0 0 29 2 *", "2026-12-03T00:00:00+08:00", "2028-02-29T00:00:00+08:00")]
    public void The_next_occurrence_is_found_in_Taipei_time(string expression, string after, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Next(expression, DateTimeOffset.Parse(after, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void An_occurrence_is_in_Taipei_time_whatever_the_offset_of_the_moment_given()
    {
        var utcEvening = new DateTimeOffset(2026, 12, 3, 23, 30, 0, TimeSpan.Zero);

        Assert.Equal(Taipei(2026, 12, 4, 9, 0), Next("0 9 * * *", utcEvening));
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 1, 0, 0, TimeSpan.Zero), Next("0 9 * * *", utcEvening));
    }

    [Theory]
    [InlineData("0 9 * *")]
    [InlineData("60 * * * *")]
    [InlineData("* 24 * * *")]
    [InlineData("* * 0 * *")]
    [InlineData("*/0 * * * *")]
    [InlineData("5-1 * * * *")]
    [InlineData("a * * * *")]
    public void A_malformed_expression_is_refused_with_a_reason(string expression)
    {
        Assert.False(CronSchedule.TryParse(expression, out _, out var error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void A_date_that_never_comes_has_no_occurrence()
    {
        Assert.Null(Next("0 0 30 2 *", Taipei(2026, 1, 1, 0, 0)));
    }

    [Fact]
    public async Task Elsa_Cron_in_a_flow_waits_for_the_next_occurrence_and_goes_on_when_it_fires()
    {
        var clock = new TestClock(Taipei(2026, 12, 3, 8, 30));
        await using var engine = await EngineHarness.CreateAsync(clock: clock);
        await engine.PublishAsync(new Flow("cron-wait")
            .WriteLine("before", "before")
            .Activity("wait", "Elsa.Cron", ("cronExpression", Literal("0 9 * * 1-5")))
            .WriteLine("after", "after")
            .Chain("before", "wait", "after").Json());

        var instance = await engine.StartAsync("cron-wait");

        Assert.Equal(WorkflowStatus.Suspended, instance.Status);
        Assert.Equal(Taipei(2026, 12, 3, 9, 0), Assert.Single(instance.Bookmarks).DueAt);
        clock.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(0, await engine.Runtime.FireDueTimersAsync(10, CancellationToken.None));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await engine.Runtime.FireDueTimersAsync(10, CancellationToken.None));
        var finished = await engine.ReloadAsync(instance.Id);
        Assert.Equal(WorkflowStatus.Finished, finished.Status);
        Assert.Equal(["before", "after"], await engine.LinesAsync(instance.Id));
    }
}
