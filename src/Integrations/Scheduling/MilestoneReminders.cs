using System.Globalization;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Messages;
using AntiDrugFlow.Workflows.Milestones;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using AntiDrugFlow.Workflows.Persistence;
using Hangfire;

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

/// <summary>The ids and names of the milestones' jobs as the dashboard lists them.</summary>
public static class MilestoneJobs
{
    /// <summary>The recurring job that sends whatever is due and was not sent (jobs lost, hosts down, a moved clock).</summary>
    public const string CatchUpId = "milestones:catch-up";

    public static string DigestId(string cycleId) => $"milestones:{cycleId}:overdue-digest";

    /// <summary>A reminder's name in the dashboard: which item, which deadline, which reminder.</summary>
    public static string Title(string itemId, DateTimeOffset due, ReminderPoint point) =>
        point.Kind == ReminderPoint.Overdue
            ? $"辦理期程 {itemId}：逾期通知（期限 {RocDate.Format(due)}）"
            : $"辦理期程 {itemId}：期限前 {point.DaysBefore} 天提醒（期限 {RocDate.Format(due)}）";
}

/// <summary>
/// Every upcoming reminder of a cycle is a Hangfire delayed job at its time, recorded in milestone_reminder_jobs so that
/// planning again adds only what is missing and deletes the jobs of items that are done; the weekly overdue digest is a
/// recurring job per cycle on Taipei time. Hangfire decides when to call; what is due is decided by the jobs on the
/// <see cref="TimeProvider"/>.
/// </summary>
public sealed class HangfireMilestoneScheduler(
    PostgresMilestoneStore store,
    IBackgroundJobClient jobs,
    IRecurringJobManager recurring,
    IOptions<DeadlineOptions> options,
    ILogger<HangfireMilestoneScheduler> logger) : IMilestoneScheduler
{
    public async Task PlanAsync(string cycleId, CancellationToken cancellationToken)
    {
        var cycle = await store.CycleAsync(cycleId, cancellationToken) ?? throw new KeyNotFoundException($"milestone cycle '{cycleId}' does not exist");
        var fired = await store.ReminderKeysAsync(cycleId, cancellationToken);
        var milestones = await store.ListAsync(new MilestoneFilter(cycleId), cycle.LoadedAt, cancellationToken);
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Hosts planning the same cycle at once take turns, so each reminder gets one job.
        await using (var lockCycle = Sql.Command(connection, transaction, "SELECT pg_advisory_xact_lock(hashtext('milestone-plan:' || $1))", cycleId))
        {
            await lockCycle.ExecuteNonQueryAsync(cancellationToken);
        }

        var existing = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var read = Sql.Command(connection, transaction, "SELECT point_name, job_id FROM milestone_reminder_jobs WHERE cycle_id = $1", cycleId))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                existing[reader.GetString(0)] = reader.GetString(1);
            }
        }

        var added = 0;
        var removed = 0;
        foreach (var milestone in milestones)
        {
            foreach (var point in ReminderPoint.Of(milestone, options.Value.ReminderDays))
            {
                if (milestone.Status == MilestoneStatus.Done)
                {
                    if (existing.TryGetValue(point.Name, out var jobId))
                    {
                        jobs.Delete(jobId);
                        await using var delete = Sql.Command(connection, transaction, "DELETE FROM milestone_reminder_jobs WHERE cycle_id = $1 AND point_name = $2", cycleId, point.Name);
                        await delete.ExecuteNonQueryAsync(cancellationToken);
                        removed++;
                    }
                }
                else if (!existing.ContainsKey(point.Name) && !fired.Contains(MilestoneReminderJob.ReminderKey(cycleId, point.Name)) && point.At >= cycle.LoadedAt)
                {
                    // Points before the cycle was loaded are history, not reminders; those after it that are already
                    // past (a host died before planning them) are enqueued at once by Hangfire.
                    var due = milestone.Deadlines.First(d => d.StepIndex == point.StepIndex).Due;
                    var arguments = new ReminderJobArguments(cycleId, milestone.Item.Id, point.StepIndex, point.Kind, point.DaysBefore, point.At);
                    var jobId = jobs.Schedule<MilestoneReminderJob>(j => j.RunAsync(MilestoneJobs.Title(milestone.Item.Id, due, point), arguments, CancellationToken.None), point.At);
                    await using var insert = Sql.Command(connection, transaction,
                        "INSERT INTO milestone_reminder_jobs (cycle_id, point_name, job_id, planned_at) VALUES ($1, $2, $3, $4)", cycleId, point.Name, jobId, point.At);
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                    added++;
                }
            }
        }

        await transaction.CommitAsync(cancellationToken);
        recurring.AddOrUpdate<OverdueDigestJob>(
            MilestoneJobs.DigestId(cycleId), j => j.RunAsync(cycleId, CancellationToken.None), options.Value.OverdueDigestCron, new RecurringJobOptions { TimeZone = TaipeiTime.Zone });
        logger.LogInformation("Milestone cycle {Cycle}: {Added} reminder job(s) scheduled, {Removed} deleted", cycleId, added, removed);
    }

    /// <summary>Replaces the job of a reminder, e.g. when it was run before its time.</summary>
    public static async Task RescheduleAsync(PostgresMilestoneStore store, IBackgroundJobClient jobs, string title, ReminderJobArguments reminder, CancellationToken cancellationToken)
    {
        var jobId = jobs.Schedule<MilestoneReminderJob>(j => j.RunAsync(title, reminder, CancellationToken.None), reminder.PlannedAt);
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        await using var upsert = Sql.Command(connection, null,
            "INSERT INTO milestone_reminder_jobs (cycle_id, point_name, job_id, planned_at) VALUES ($1, $2, $3, $4) ON CONFLICT (cycle_id, point_name) DO UPDATE SET job_id = excluded.job_id",
            reminder.CycleId, ReminderPoint.NameOf(reminder.ItemId, reminder.Step, reminder.Kind), jobId, reminder.PlannedAt);
        await upsert.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>What a reminder job is about, as Hangfire stores it with the job.</summary>
public sealed record ReminderJobArguments(string CycleId, string ItemId, int Step, string Kind, int DaysBefore, DateTimeOffset PlannedAt);

/// <summary>
/// Sends one reminder of an item's deadline step through the outbox. The reminder's key is stored with
/// the emails in one transaction, so however many hosts fire it, it is sent once. Fired long after its
/// time (every host was down), it says so; if a later reminder of the same step is also due by then,
/// that one is sent instead, so a restart sends one late reminder rather than a backlog.
/// </summary>
public sealed class MilestoneReminderJob(
    PostgresMilestoneStore store,
    MilestoneContactBook contactBook,
    IBackgroundJobClient jobs,
    TimeProvider time,
    IOptions<DeadlineOptions> options,
    ILogger<MilestoneReminderJob> logger)
{
    /// <summary>Hangfire may start a delayed job up to a second early; a start this much early waits for the time instead.</summary>
    public static readonly TimeSpan EarlyStartWait = TimeSpan.FromMinutes(1);

    public static string ReminderKey(string cycleId, string pointName) => $"{cycleId}/{pointName}";

    /// <summary>
    /// Hangfire's entry: sends the reminder if it is due on this host's clock. Run well before its time (「立即執行」 in the
    /// dashboard), it sends nothing and is scheduled again for its time.
    /// </summary>
    [JobDisplayName("{0}")]
    public async Task RunAsync(string title, ReminderJobArguments reminder, CancellationToken cancellationToken)
    {
        var early = reminder.PlannedAt - time.GetUtcNow();
        if (early > EarlyStartWait)
        {
            logger.LogInformation("Milestone reminder {Cycle}/{Item}/{Step}/{Kind} run {Early} before its time: scheduled again", reminder.CycleId, reminder.ItemId, reminder.Step, reminder.Kind, early);
            await HangfireMilestoneScheduler.RescheduleAsync(store, jobs, title, reminder, cancellationToken);
            return;
        }

        if (early > TimeSpan.Zero)
        {
            await Task.Delay(early, time, cancellationToken);
        }

        await SendAsync(reminder.CycleId, reminder.ItemId, reminder.Step, reminder.Kind, reminder.DaysBefore, reminder.PlannedAt, cancellationToken);
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

    private string? Link(string cycleId, string itemId) =>
        options.Value.LinkBase is { Length: > 0 } link ? $"{link.TrimEnd('/')}/api/milestones/{Uri.EscapeDataString(cycleId)}/items/{Uri.EscapeDataString(itemId)}" : null;
}

/// <summary>The weekly overdue digest of a cycle: to the 綜合規劃組 with every overdue item, to each lead agency with its own.</summary>
public sealed class OverdueDigestJob(
    PostgresMilestoneStore store,
    MilestoneContactBook contactBook,
    TimeProvider time,
    IOptions<DeadlineOptions> options,
    ILogger<OverdueDigestJob> logger)
{
    /// <summary>Hangfire's entry, on the cycle's recurring job: sends this week's digest unless it went out already.</summary>
    [JobDisplayName("辦理期程 {0} 期：每週逾期彙整")]
    public async Task RunAsync(string cycleId, CancellationToken cancellationToken) => await SendAsync(cycleId, cancellationToken);

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
        var schedule = DeadlineOptions.DigestSchedule(cron);
        DateTimeOffset? latest = null;
        var from = now.AddDays(-8);
        while (schedule.Next(from, TaipeiTime.Zone) is { } next && next <= now)
        {
            latest = next;
            from = next;
        }

        return latest;
    }
}

/// <summary>
/// Sends every reminder and weekly digest that is due on this host's clock and has not gone out: the safety net for a
/// job lost or a host down, run every few minutes and once at every start. Whatever sent it first, each goes out once.
/// </summary>
public sealed class MilestoneCatchUpJob(
    PostgresMilestoneStore store,
    MilestoneReminderJob reminders,
    OverdueDigestJob digests,
    TimeProvider time,
    IOptions<DeadlineOptions> options)
{
    [JobDisplayName("辦理期程：補送已到期而未送出的提醒與每週彙整")]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var cycle in await store.CyclesAsync(cancellationToken))
        {
            var fired = await store.ReminderKeysAsync(cycle.Id, cancellationToken);
            foreach (var milestone in await store.ListAsync(new MilestoneFilter(cycle.Id), now, cancellationToken))
            {
                if (milestone.Status == MilestoneStatus.Done)
                {
                    continue;
                }

                // In time order per step, so an earlier reminder overtaken by a later one is recorded as skipped.
                foreach (var point in ReminderPoint.Of(milestone, options.Value.ReminderDays))
                {
                    if (point.At <= now && point.At >= cycle.LoadedAt && !fired.Contains(MilestoneReminderJob.ReminderKey(cycle.Id, point.Name)))
                    {
                        await reminders.SendAsync(cycle.Id, milestone.Item.Id, point.StepIndex, point.Kind, point.DaysBefore, point.At, cancellationToken);
                    }
                }
            }

            if (OverdueDigestJob.LatestPlannedTime(options.Value.OverdueDigestCron, now) is { } planned && planned >= cycle.LoadedAt)
            {
                await digests.SendAsync(cycle.Id, cancellationToken);
            }
        }
    }
}
