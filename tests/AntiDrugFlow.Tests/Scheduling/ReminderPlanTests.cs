using AntiDrugFlow.Integrations.Scheduling;
using AntiDrugFlow.Workflows.Milestones;
using Microsoft.Extensions.Configuration;
using Xunit;
using static AntiDrugFlow.Tests.Scheduling.ReminderFixtures;

namespace AntiDrugFlow.Tests.Scheduling;

/// <summary>When reminders are planned: configurable days before each deadline step, then overdue; the weekly digest's time.</summary>
public sealed class ReminderPlanTests
{
    private static TrackedMilestone Tracked(string scheduleText) => new("t", 0, Item("planning-1-1", scheduleText), MilestoneStatus.NotStarted, null, null, null);

    [Fact]
    public void Each_deadline_step_is_reminded_30_7_and_1_days_before_and_once_overdue_by_default()
    {
        var points = ReminderPoint.Of(Tracked("116年8月底前"), new DeadlineOptions().ReminderDays);

        Assert.Equal(
            [("before-30", Due.AddDays(-30)), ("before-7", Due.AddDays(-7)), ("before-1", Due.AddDays(-1)), ("overdue", Due.AddSeconds(1))],
            points.Select(p => (p.Kind, p.At)));
    }

    [Fact]
    public void Configured_reminder_days_replace_the_defaults()
    {
        var settings = new DeadlineOptions();
        new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Deadlines:ReminderDaysBefore:0"] = "14", ["Deadlines:ReminderDaysBefore:1"] = "3" })
            .Build().GetSection("Deadlines").Bind(settings);

        var points = ReminderPoint.Of(Tracked("116年8月底前"), settings.ReminderDays);

        Assert.Equal(["before-14", "before-3", "overdue"], points.Select(p => p.Kind));
    }

    [Fact]
    public void An_item_with_several_dated_steps_is_reminded_for_each_deadline_and_not_for_periods()
    {
        var milestone = Tracked("116年6月底前完成規劃；116年12月底前完成建置；117年起持續推動");

        var points = ReminderPoint.Of(milestone, [7]);

        Assert.Equal(2, milestone.Deadlines.Count);
        Assert.Equal(
            milestone.Deadlines.SelectMany(d => new[] { d.Due.AddDays(-7), d.Due.AddSeconds(1) }),
            points.Select(p => p.At));
    }

    [Fact]
    public void The_weekly_digest_is_planned_for_Monday_09_00_in_Taipei()
    {
        var wednesday = new DateTimeOffset(2027, 9, 8, 15, 0, 0, TimeSpan.FromHours(8));

        Assert.Equal(new DateTimeOffset(2027, 9, 6, 9, 0, 0, TimeSpan.FromHours(8)), OverdueDigestJob.LatestPlannedTime(new DeadlineOptions().OverdueDigestCron, wednesday));
    }
}
