using System.Globalization;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Messages;
using AntiDrugFlow.Workflows.Milestones;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace AntiDrugFlow.Integrations.Scheduling;

/// <summary>One planned reminder of an item's deadline step: N days before it, or once it is missed.</summary>
public sealed record ReminderPoint(string Name, string Kind, int StepIndex, int DaysBefore, DateTimeOffset At)
{
    public const string Overdue = "overdue";

    /// <summary>The reminders of every deadline step, in time order per step (30, 7, 1 days before, then overdue).</summary>
    public static IReadOnlyList<ReminderPoint> Of(TrackedMilestone milestone, IReadOnlyList<int> daysBefore) =>
        [.. milestone.Deadlines.SelectMany(d => daysBefore.Where(n => n > 0).Distinct().OrderDescending()
            .Select(n => new ReminderPoint(NameOf(milestone.Item.Id, d.StepIndex, $"before-{n}"), $"before-{n}", d.StepIndex, n, d.Due.AddDays(-n)))
            .Append(new ReminderPoint(NameOf(milestone.Item.Id, d.StepIndex, Overdue), Overdue, d.StepIndex, 0, d.Due.AddSeconds(1))))];

    public static string NameOf(string itemId, int stepIndex, string kind) => string.Create(CultureInfo.InvariantCulture, $"{itemId}/{stepIndex}/{kind}");
}

/// <summary>
/// Every milestone reminder is a Quartz trigger in the clustered store, in one group per cycle: one-shot
/// triggers for the days-before and overdue reminders, and a weekly cron trigger for the overdue digest.
/// </summary>
public sealed class QuartzMilestoneScheduler(
    ISchedulerFactory schedulers,
    PostgresMilestoneStore store,
    TimeProvider time,
    IOptions<DeadlineOptions> options,
    ILogger<QuartzMilestoneScheduler> logger) : IMilestoneScheduler
{
    public const string DigestTriggerName = "digest";

    public static string GroupOf(string cycleId) => $"milestones/{cycleId}";

    public async Task PlanAsync(string cycleId, CancellationToken cancellationToken)
    {
        var cycle = await store.CycleAsync(cycleId, cancellationToken) ?? throw new KeyNotFoundException($"milestone cycle '{cycleId}' does not exist");
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var group = GroupOf(cycleId);
        var existing = (await scheduler.QueryTriggers(new TriggerQuery { Group = GroupMatcher<TriggerKey>.GroupEquals(group), Take = TriggerQuery.All }, cancellationToken))
            .Items.Select(t => t.Key.Name).ToHashSet(StringComparer.Ordinal);
        var fired = await store.ReminderKeysAsync(cycleId, cancellationToken);
        var now = time.GetUtcNow();
        var add = new List<ITrigger>();
        var remove = new List<TriggerKey>();
        foreach (var milestone in await store.ListAsync(new MilestoneFilter(cycleId), now, cancellationToken))
        {
            foreach (var point in ReminderPoint.Of(milestone, options.Value.ReminderDays))
            {
                if (milestone.Status == MilestoneStatus.Done)
                {
                    if (existing.Contains(point.Name))
                    {
                        remove.Add(new TriggerKey(point.Name, group));
                    }
                }
                else if (!existing.Contains(point.Name) && !fired.Contains(MilestoneReminderJob.ReminderKey(cycleId, point.Name)) && point.At >= cycle.LoadedAt)
                {
                    // Points before the cycle was loaded are history, not reminders; those after it that are
                    // already past (a host died before planning them) fire at once.
                    add.Add(MilestoneReminderJob.TriggerFor(cycleId, milestone.Item.Id, point, group, time));
                }
            }
        }

        foreach (var chunk in add.Chunk(500))
        {
            await scheduler.ScheduleJob(MilestoneReminderJob.Detail(), chunk, ScheduleJobOptions.Replacing, cancellationToken);
        }

        if (remove.Count > 0)
        {
            await scheduler.UnscheduleJobs(remove, cancellationToken);
        }

        if (!existing.Contains(DigestTriggerName))
        {
            var digest = TriggerBuilder.Create(time)
                .WithIdentity(DigestTriggerName, group)
                .ForJob(OverdueDigestJob.Key)
                .UsingJobData(MilestoneReminderJob.CycleKey, cycleId)
                .StartAt(now)
                .WithSchedule(CronScheduleBuilder.Create(options.Value.OverdueDigestCron).InTimeZone(TaipeiTime.Zone)
                    .WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
                .Build();
            await scheduler.ScheduleJob(OverdueDigestJob.Detail(), [digest], ScheduleJobOptions.Replacing, cancellationToken);
        }

        logger.LogInformation("Milestone cycle {Cycle}: {Added} reminder trigger(s) planned, {Removed} cancelled", cycleId, add.Count, remove.Count);
    }
}

/// <summary>
/// Sends one reminder of an item's deadline step through the outbox. The reminder's key is stored with
/// the emails in one transaction, so however many hosts fire it, it is sent once. Fired long after its
/// time (every host was down), it says so; if a later reminder of the same step is also due by then,
/// that one is sent instead, so a restart sends one late reminder rather than a backlog.
/// </summary>
public sealed class MilestoneReminderJob(
    PostgresMilestoneStore store,
    MilestoneContactBook contactBook,
    TimeProvider time,
    IOptions<DeadlineOptions> options,
    ILogger<MilestoneReminderJob> logger) : IJob
{
    public const string CycleKey = "cycle";
    public const string ItemKey = "item";
    public const string StepKey = "step";
    public const string KindKey = "kind";
    public const string DaysKey = "days";
    public const string PlannedAtKey = "plannedAt";
    public static readonly JobKey Key = new("milestone-reminder", "milestones");

    public static IJobDetail Detail() => JobBuilder.Create<MilestoneReminderJob>().WithIdentity(Key).StoreDurably().Build();

    public static string ReminderKey(string cycleId, string pointName) => $"{cycleId}/{pointName}";

    public static ITrigger TriggerFor(string cycleId, string itemId, ReminderPoint point, string group, TimeProvider time) =>
        TriggerBuilder.Create(time)
            .WithIdentity(point.Name, group)
            .ForJob(Key)
            .UsingJobData(CycleKey, cycleId)
            .UsingJobData(ItemKey, itemId)
            .UsingJobData(StepKey, point.StepIndex.ToString(CultureInfo.InvariantCulture))
            .UsingJobData(KindKey, point.Kind)
            .UsingJobData(DaysKey, point.DaysBefore.ToString(CultureInfo.InvariantCulture))
            .UsingJobData(PlannedAtKey, point.At.ToString("O", CultureInfo.InvariantCulture))
            .StartAt(point.At)
            .WithSchedule(SimpleScheduleBuilder.Create().WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var data = context.MergedJobDataMap;
        var cycleId = Text(data, CycleKey);
        var itemId = Text(data, ItemKey);
        var step = int.Parse(Text(data, StepKey), CultureInfo.InvariantCulture);
        var kind = Text(data, KindKey);
        var days = int.Parse(Text(data, DaysKey), CultureInfo.InvariantCulture);
        var plannedAt = DateTimeOffset.Parse(Text(data, PlannedAtKey), CultureInfo.InvariantCulture);
        await SendAsync(cycleId, itemId, step, kind, days, plannedAt, cancellationToken);
    }

    /// <summary>Decides and records what one reminder firing does. Returns the outcome stored, or null when it had fired before.</summary>
    public async Task<string?> SendAsync(string cycleId, string itemId, int step, string kind, int days, DateTimeOffset plannedAt, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var late = now - plannedAt > settings.LateAfter;
        var key = ReminderKey(cycleId, ReminderPoint.NameOf(itemId, step, kind));
        var milestone = await store.GetAsync(cycleId, itemId, cancellationToken);
        var deadline = milestone?.Deadlines.FirstOrDefault(d => d.StepIndex == step);
        string? skip = null;
        if (milestone is null || deadline is null)
        {
            skip = "the item or its deadline step no longer exists";
        }
        else if (milestone.Status == MilestoneStatus.Done)
        {
            skip = "the item is done";
        }
        else if (ReminderPoint.Of(milestone, settings.ReminderDays).Where(p => p.StepIndex == step).FirstOrDefault(p => p.At > plannedAt) is { } next && now >= next.At)
        {
            skip = $"superseded by {next.Kind}";
        }

        var emails = new List<OutboxEmail>();
        if (skip is null)
        {
            var contacts = await contactBook.GetAsync(cancellationToken);
            var message = kind == ReminderPoint.Overdue
                ? OutgoingMessages.MilestoneOverdue(milestone!, deadline!, plannedAt, late, contacts.PlanningGroup.Name, Link(cycleId, itemId))
                : OutgoingMessages.MilestoneReminder(milestone!, deadline!, days, plannedAt, late, Link(cycleId, itemId));
            var to = kind == ReminderPoint.Overdue
                ? [.. contacts.LeadAgencyEmails(milestone!.Item).Concat(contacts.PlanningGroup.Emails).Distinct(StringComparer.OrdinalIgnoreCase)]
                : contacts.LeadAgencyEmails(milestone!.Item);
            emails.Add(new OutboxEmail($"milestone:{key}", to, message.Subject, message.Body));
        }

        var outcome = skip is null ? "Sent" : "Skipped";
        if (!await store.RecordReminderAsync(new ReminderRecord(key, cycleId, itemId, kind, outcome, skip, late, plannedAt, now), emails, cancellationToken))
        {
            logger.LogInformation("Milestone reminder {Key} had already fired", key);
            return null;
        }

        logger.LogInformation("Milestone reminder {Key}: {Outcome}{Late} {Reason}", key, outcome, late ? " (late)" : string.Empty, skip ?? string.Empty);
        return outcome;
    }

    public static string Text(JobDataMap data, string key) =>
        data[key]?.ToString() ?? throw new JobExecutionException($"trigger data '{key}' is missing");

    private string? Link(string cycleId, string itemId) =>
        options.Value.LinkBase is { Length: > 0 } link ? $"{link.TrimEnd('/')}/api/milestones/{Uri.EscapeDataString(cycleId)}/items/{Uri.EscapeDataString(itemId)}" : null;
}

/// <summary>The weekly overdue digest of a cycle: to the 綜合規劃組 with every overdue item, to each lead agency with its own.</summary>
public sealed class OverdueDigestJob(
    PostgresMilestoneStore store,
    MilestoneContactBook contactBook,
    TimeProvider time,
    IOptions<DeadlineOptions> options,
    ILogger<OverdueDigestJob> logger) : IJob
{
    public static readonly JobKey Key = new("milestone-overdue-digest", "milestones");

    public static IJobDetail Detail() => JobBuilder.Create<OverdueDigestJob>().WithIdentity(Key).StoreDurably().Build();

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await SendAsync(MilestoneReminderJob.Text(context.MergedJobDataMap, MilestoneReminderJob.CycleKey), cancellationToken);

    /// <summary>Sends this week's digest unless it went out already. Returns the outcome stored, or null when it had.</summary>
    public async Task<string?> SendAsync(string cycleId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var plannedAt = LatestPlannedTime(options.Value.OverdueDigestCron, now) ?? now;
        var late = now - plannedAt > options.Value.LateAfter;
        var week = TaipeiTime.DateOf(plannedAt).ToDateTime(TimeOnly.MinValue);
        var key = string.Create(CultureInfo.InvariantCulture, $"{cycleId}/digest/{ISOWeek.GetYear(week)}-W{ISOWeek.GetWeekOfYear(week):00}");
        // The week's digest lists what was overdue at its planned time and is still not done; an item
        // missed since then has had its own overdue notice and joins next week's digest.
        var overdue = await store.ListAsync(new MilestoneFilter(cycleId, Overdue: true), plannedAt, cancellationToken);
        var emails = new List<OutboxEmail>();
        if (overdue.Count > 0)
        {
            var contacts = await contactBook.GetAsync(cancellationToken);
            var link = options.Value.LinkBase is { Length: > 0 } l ? $"{l.TrimEnd('/')}/api/milestones/{Uri.EscapeDataString(cycleId)}/items?overdue=true" : null;
            var digest = OutgoingMessages.MilestoneDigest(cycleId, overdue, now, late, plannedAt, link);
            emails.Add(new OutboxEmail($"milestone:{key}:planning", contacts.PlanningGroup.Emails, digest.Subject, digest.Body));
            var byRecipients = overdue.GroupBy(m => string.Join(",", contacts.LeadAgencyEmails(m.Item)), StringComparer.OrdinalIgnoreCase);
            foreach (var agency in byRecipients)
            {
                var to = contacts.LeadAgencyEmails(agency.First().Item);
                if (to.SequenceEqual(contacts.PlanningGroup.Emails, StringComparer.OrdinalIgnoreCase))
                {
                    continue;
                }

                var agencyDigest = OutgoingMessages.MilestoneDigest(cycleId, [.. agency], now, late, plannedAt, link);
                emails.Add(new OutboxEmail($"milestone:{key}:{agency.Key}", to, agencyDigest.Subject, agencyDigest.Body));
            }
        }

        var outcome = emails.Count > 0 ? "Sent" : "Skipped";
        if (!await store.RecordReminderAsync(new ReminderRecord(key, cycleId, null, "digest", outcome, emails.Count > 0 ? null : "no overdue item", late, plannedAt, now), emails, cancellationToken))
        {
            return null;
        }

        logger.LogInformation("Overdue digest {Key}: {Count} overdue item(s){Late}", key, overdue.Count, late ? " (late)" : string.Empty);
        return outcome;
    }

    /// <summary>The latest time at or before <paramref name="now"/> that the cron expression names (Asia/Taipei), within the last eight days.</summary>
    public static DateTimeOffset? LatestPlannedTime(string cron, DateTimeOffset now)
    {
        var expression = new CronExpression(cron, TaipeiTime.Zone);
        return expression.IsSatisfiedBy(now) ? now : expression.GetPreviousValidTimeBefore(now) is { } before && before >= now.AddDays(-8) ? before : null;
    }
}
