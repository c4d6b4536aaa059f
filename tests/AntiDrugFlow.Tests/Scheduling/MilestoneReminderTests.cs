using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Milestones;
using static AntiDrugFlow.Tests.Scheduling.ReminderFixtures;

namespace AntiDrugFlow.Tests.Scheduling;

/// <summary>Milestone reminders run by Hangfire on a moved clock and delivered through a real SMTP server.</summary>
public sealed class MilestoneReminderTests
{
    [Fact]
    public async Task Reminders_reach_the_lead_agency_30_7_and_1_days_before_and_the_planning_group_too_once_overdue()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var clock = new MovingClock(Due.AddDays(-40));
        await using var smtp = await SmtpMailbox.StartAsync();
        await using var host = await DeadlineHost.StartAsync(connectionString, clock, "reminders-a", smtp.Port);
        await host.Tracker.LoadCycleAsync("t", Catalog(Item("planning-1-1", "116年8月底前")), null, CancellationToken.None);

        foreach (var days in new[] { 30, 7, 1 })
        {
            clock.Set(Due.AddDays(-days).AddSeconds(1));
            host.RunDue();
            var mail = await smtp.WaitForAsync(m => m.Subject.Contains($"剩 {days} 天", StringComparison.Ordinal), $"{days} days before");
            Assert.Equal([CorrectionsEmail], mail.To);
            Assert.Contains("民國116年8月31日", mail.Subject, StringComparison.Ordinal);
            Assert.Contains("planning-1-1", mail.Subject, StringComparison.Ordinal);
            Assert.DoesNotContain("補發", mail.Subject, StringComparison.Ordinal);
            Assert.Contains("辦理期限：民國116年8月31日 23:59", mail.Body, StringComparison.Ordinal);
        }

        clock.Set(Due.AddSeconds(2));
        host.RunDue();
        var overdue = await smtp.WaitForAsync(m => m.Subject.Contains("逾期通知", StringComparison.Ordinal), "overdue");
        Assert.Equal([CorrectionsEmail, PlanningEmail], overdue.To.Order(StringComparer.Ordinal));
        Assert.Contains("綜合規劃組", overdue.Body, StringComparison.Ordinal);

        await WaitForOutboxDrainedAsync(connectionString);
        Assert.Equal(4, smtp.Messages().Count(m => m.Subject.Contains("planning-1-1", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_weekly_digest_lists_overdue_items_until_they_are_done()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var clock = new MovingClock(Due.AddDays(-2));
        await using var smtp = await SmtpMailbox.StartAsync();
        await using var host = await DeadlineHost.StartAsync(connectionString, clock, "digest-a", smtp.Port);
        await host.Tracker.LoadCycleAsync("t", Catalog(Item("planning-1-1", "116年8月底前")), null, CancellationToken.None);
        clock.Set(Due.AddSeconds(2));
        host.RunDue();
        await smtp.WaitForAsync(m => m.Subject.Contains("逾期通知", StringComparison.Ordinal), "overdue");

        // 民國116年9月6日 is a Monday; the digest goes out at 09:00 Taipei.
        var firstMonday = new DateTimeOffset(2027, 9, 6, 9, 0, 1, TimeSpan.FromHours(8));
        clock.Set(firstMonday);
        host.RunDue();
        var planning = await smtp.WaitForAsync(m => m.Subject.Contains("每週彙整", StringComparison.Ordinal) && m.To.Contains(PlanningEmail), "digest to the planning group");
        Assert.Contains("planning-1-1", planning.Body, StringComparison.Ordinal);
        Assert.Contains("民國116年9月6日", planning.Subject, StringComparison.Ordinal);
        await smtp.WaitForAsync(m => m.Subject.Contains("每週彙整", StringComparison.Ordinal) && m.To.Contains(CorrectionsEmail), "digest to the lead agency");

        await host.Tracker.RecordProgressAsync("t", "planning-1-1", new ProgressUpdate("矯正署承辦人", MilestoneStatus.Done, "已完成"), CancellationToken.None);
        clock.Set(firstMonday.AddDays(7));
        host.RunDue();
        await WaitForRemindersAsync(connectionString, "t", r => r.Any(x => x.Key == "t/digest/2027-W37"));
        await WaitForOutboxDrainedAsync(connectionString);

        Assert.Equal("Skipped", (await RemindersAsync(connectionString, "t")).Single(r => r.Key == "t/digest/2027-W37").Outcome);
        Assert.Equal(2, smtp.Messages().Count(m => m.Subject.Contains("每週彙整", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task After_every_host_stopped_past_the_due_time_a_restart_sends_exactly_one_reminder_and_it_says_it_is_late()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var clock = new MovingClock(Due.AddDays(-40));
        await using var smtp = await SmtpMailbox.StartAsync();
        await using (var before = await DeadlineHost.StartAsync(connectionString, clock, "restart-a", smtp.Port))
        {
            await before.Tracker.LoadCycleAsync("t", Catalog(Item("planning-1-1", "116年8月底前")), null, CancellationToken.None);
            clock.Set(Due.AddDays(-30).AddSeconds(1));
            before.RunDue();
            await smtp.WaitForAsync(m => m.Subject.Contains("剩 30 天", StringComparison.Ordinal), "30 days before");
            await WaitForOutboxDrainedAsync(connectionString);
            clock.Set(Due.AddDays(-10));
        }

        // Every host is down while the 7-day, 1-day and overdue reminders come due.
        clock.Set(Due.AddHours(2));
        await using var after = await DeadlineHost.StartAsync(connectionString, clock, "restart-b", smtp.Port);

        var reminders = await WaitForRemindersAsync(connectionString, "t", r => r.Count(x => x.Key.StartsWith("t/planning-1-1/", StringComparison.Ordinal)) == 4);
        await WaitForOutboxDrainedAsync(connectionString);

        var late = smtp.Messages().Where(m => m.Subject.Contains("補發", StringComparison.Ordinal)).ToList();
        var mail = Assert.Single(late);
        Assert.Contains("逾期通知", mail.Subject, StringComparison.Ordinal);
        Assert.Contains("【補發通知】", mail.Body, StringComparison.Ordinal);
        Assert.Equal(2, smtp.Messages().Count(m => m.Subject.Contains("planning-1-1", StringComparison.Ordinal)));
        Assert.Equal(
            [("t/planning-1-1/0/before-1", "Skipped"), ("t/planning-1-1/0/before-30", "Sent"), ("t/planning-1-1/0/before-7", "Skipped"), ("t/planning-1-1/0/overdue", "Sent")],
            reminders.Where(r => r.Key.StartsWith("t/planning-1-1/", StringComparison.Ordinal)).Select(r => (r.Key, r.Outcome)));
    }

    [Fact]
    public async Task A_reminder_missed_while_every_host_was_down_fires_once_on_restart_saying_it_is_late()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var clock = new MovingClock(Due.AddDays(-40));
        await using var smtp = await SmtpMailbox.StartAsync();
        await using (var before = await DeadlineHost.StartAsync(connectionString, clock, "missed-a", smtp.Port))
        {
            await before.Tracker.LoadCycleAsync("t", Catalog(Item("planning-1-1", "116年8月底前")), null, CancellationToken.None);
        }

        // Down from 40 days before until 3 days before: the 30- and 7-day reminders were missed; the 7-day one covers both.
        clock.Set(Due.AddDays(-3));
        await using var after = await DeadlineHost.StartAsync(connectionString, clock, "missed-b", smtp.Port);
        var mail = await smtp.WaitForAsync(m => m.Subject.Contains("剩 7 天", StringComparison.Ordinal), "the late 7-day reminder");
        await WaitForRemindersAsync(connectionString, "t", r => r.Count(x => x.Key.StartsWith("t/planning-1-1/", StringComparison.Ordinal)) == 2);
        await WaitForOutboxDrainedAsync(connectionString);

        Assert.StartsWith("【補發】", mail.Subject, StringComparison.Ordinal);
        Assert.Single(smtp.Messages());
    }

    [Fact]
    public async Task With_two_hosts_on_one_database_each_reminder_is_sent_once()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var clock = new MovingClock(Due.AddDays(-40));
        await using var smtp = await SmtpMailbox.StartAsync();
        await using var first = await DeadlineHost.StartAsync(connectionString, clock, "cluster-a", smtp.Port);
        await using var second = await DeadlineHost.StartAsync(connectionString, clock, "cluster-b", smtp.Port);
        await first.Tracker.LoadCycleAsync("t", Catalog(Item("planning-1-1", "116年8月底前"), Item("planning-1-2", "116年8月底前", lead: "內政部（警政署）")), null, CancellationToken.None);

        foreach (var (at, marker) in new[] { (Due.AddDays(-30), "剩 30 天"), (Due.AddDays(-7), "剩 7 天"), (Due.AddDays(-1), "剩 1 天"), (Due, "逾期通知") })
        {
            clock.Set(at.AddSeconds(2));
            first.RunDue();
            second.RunDue();
            await smtp.WaitForAsync(m => m.Subject.Contains(marker, StringComparison.Ordinal) && m.Subject.Contains("planning-1-1", StringComparison.Ordinal), marker);
            await smtp.WaitForAsync(m => m.Subject.Contains(marker, StringComparison.Ordinal) && m.Subject.Contains("planning-1-2", StringComparison.Ordinal), marker);
            // The next jump is days long: a host still between the SMTP answer and marking the message sent would
            // see its lease end at once, and the other host would send it again. Real clocks do not jump like that.
            await WaitForOutboxDrainedAsync(connectionString);
        }

        await WaitForRemindersAsync(connectionString, "t", r => r.Count(x => x.Key.Contains("/planning-1-", StringComparison.Ordinal)) == 8);
        await WaitForOutboxDrainedAsync(connectionString);
        var subjects = smtp.Messages().Where(m => !m.Subject.Contains("每週彙整", StringComparison.Ordinal)).Select(m => m.Subject).ToList();
        Assert.Equal(8, subjects.Count);
        Assert.Equal(8, subjects.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(4, smtp.Messages().Count(m => m.To.Contains(PolicyEmail) && !m.Subject.Contains("每週彙整", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task When_one_of_two_hosts_stops_the_other_sends_the_remaining_reminders()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var clock = new MovingClock(Due.AddDays(-40));
        await using var smtp = await SmtpMailbox.StartAsync();
        await using var staying = await DeadlineHost.StartAsync(connectionString, clock, "takeover-a", smtp.Port);
        await using (var leaving = await DeadlineHost.StartAsync(connectionString, clock, "takeover-b", smtp.Port))
        {
            await leaving.Tracker.LoadCycleAsync("t", Catalog(Item("planning-1-1", "116年8月底前")), null, CancellationToken.None);
            clock.Set(Due.AddDays(-30).AddSeconds(1));
            leaving.RunDue();
            await smtp.WaitForAsync(m => m.Subject.Contains("剩 30 天", StringComparison.Ordinal), "30 days before");
        }

        foreach (var days in new[] { 7, 1 })
        {
            clock.Set(Due.AddDays(-days).AddSeconds(1));
            staying.RunDue();
            await smtp.WaitForAsync(m => m.Subject.Contains($"剩 {days} 天", StringComparison.Ordinal), $"{days} days before");
        }

        clock.Set(Due.AddSeconds(2));
        staying.RunDue();
        await smtp.WaitForAsync(m => m.Subject.Contains("逾期通知", StringComparison.Ordinal), "overdue");
        await WaitForOutboxDrainedAsync(connectionString);
        Assert.Equal(4, smtp.Messages().Count(m => m.Subject.Contains("planning-1-1", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_same_reminder_job_run_twice_sends_one_email()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var clock = new MovingClock(Due.AddDays(-40));
        await using var smtp = await SmtpMailbox.StartAsync();
        await using var first = await DeadlineHost.StartAsync(connectionString, clock, "twice-a", smtp.Port);
        await using var second = await DeadlineHost.StartAsync(connectionString, clock, "twice-b", smtp.Port);
        await first.Tracker.LoadCycleAsync("t", Catalog(Item("planning-1-1", "116年8月底前")), null, CancellationToken.None);

        // Each upcoming reminder is a scheduled job named after its item and reminder.
        var monitoring = first.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        var scheduled = monitoring.ScheduledJobs(0, 100).OrderBy(j => j.Value.EnqueueAt).Select(j => (Id: j.Key, Title: (string)j.Value.Job.Args[0])).ToList();
        Assert.Equal(
            ["辦理期程 planning-1-1：期限前 30 天提醒（期限 民國116年8月31日）", "辦理期程 planning-1-1：期限前 7 天提醒（期限 民國116年8月31日）",
             "辦理期程 planning-1-1：期限前 1 天提醒（期限 民國116年8月31日）", "辦理期程 planning-1-1：逾期通知（期限 民國116年8月31日）"],
            scheduled.Select(j => j.Title));
        var jobId = scheduled[0].Id;

        // Run now, then again (as the dashboard's 「立即執行」 and 「重新加入佇列」 do), through each host's client.
        clock.Set(Due.AddDays(-30).AddSeconds(1));
        Assert.True(first.Services.GetRequiredService<IBackgroundJobClient>().Requeue(jobId));
        await WaitForSucceededAsync(monitoring, jobId, times: 1);
        Assert.True(second.Services.GetRequiredService<IBackgroundJobClient>().Requeue(jobId));
        await WaitForSucceededAsync(monitoring, jobId, times: 2);
        await WaitForOutboxDrainedAsync(connectionString);

        var mail = Assert.Single(smtp.Messages());
        Assert.Contains("剩 30 天", mail.Subject, StringComparison.Ordinal);
        Assert.Single(await RemindersAsync(connectionString, "t"), r => r.Key == "t/planning-1-1/0/before-30");
    }

    private static async Task WaitForSucceededAsync(Hangfire.Storage.IMonitoringApi monitoring, string jobId, int times)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (monitoring.JobDetails(jobId).History.Count(h => h.StateName == Hangfire.States.SucceededState.StateName) >= times)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"job {jobId} did not succeed {times} time(s)");
    }
}
