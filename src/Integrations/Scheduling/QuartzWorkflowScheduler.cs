using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace AntiDrugFlow.Integrations.Scheduling;

/// <summary>
/// Every workflow timer is a Quartz trigger in the clustered store: scheduled after the step that made
/// the bookmark committed, removed when the bookmark goes. The bookmark table stays the truth; a lost
/// trigger (a host died between commit and scheduling) is restored by <see cref="WorkflowTimerReconciler"/>.
/// </summary>
public sealed class QuartzWorkflowScheduler(ISchedulerFactory schedulers, TimeProvider time, ILogger<QuartzWorkflowScheduler> logger) : IWorkflowScheduler
{
    public const string TriggerGroup = "workflow-timers";

    /// <summary>
    /// The bookmark a timer job is resuming on this call path. Its trigger is completing and Quartz deletes
    /// it, so unscheduling it again would only cost one more serialized round on Quartz's lock per firing.
    /// </summary>
    internal static readonly AsyncLocal<string?> Firing = new();

    public async ValueTask TimersChangedAsync(IReadOnlyList<Bookmark> added, IReadOnlyList<Bookmark> removed, CancellationToken cancellationToken)
    {
        try
        {
            var scheduler = await schedulers.GetScheduler(cancellationToken);
            var addedIds = added.Select(b => b.Id).ToHashSet(StringComparer.Ordinal);
            var gone = removed.Where(b => !addedIds.Contains(b.Id) && b.Id != Firing.Value).Select(b => TriggerKeyOf(b.Id)).ToList();
            if (gone.Count > 0)
            {
                await scheduler.UnscheduleJobs(gone, cancellationToken);
            }

            var triggers = added.Where(b => b.DueAt is not null).Select(b => TriggerFor(b.InstanceId, b.Id, b.DueAt!.Value, time)).ToList();
            if (triggers.Count > 0)
            {
                await scheduler.ScheduleJob(WorkflowTimerJob.Detail(), triggers, ScheduleJobOptions.Replacing, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is SchedulerException or NpgsqlException or TimeoutException)
        {
            // The step is committed; the reconciler schedules what this call could not.
            logger.LogError(ex, "Scheduling {Added} timer(s) and cancelling {Removed} failed; the reconciler will restore them", added.Count, removed.Count);
        }
    }

    public static TriggerKey TriggerKeyOf(string bookmarkId) => new(bookmarkId, TriggerGroup);

    /// <summary>A one-shot trigger at the due time. Missed while every host was down, it fires once, as soon as one is back.</summary>
    public static ITrigger TriggerFor(string instanceId, string bookmarkId, DateTimeOffset dueAt, TimeProvider time) =>
        TriggerBuilder.Create(time)
            .WithIdentity(TriggerKeyOf(bookmarkId))
            .ForJob(WorkflowTimerJob.Key)
            .UsingJobData(WorkflowTimerJob.InstanceIdKey, instanceId)
            .UsingJobData(WorkflowTimerJob.BookmarkIdKey, bookmarkId)
            .StartAt(dueAt)
            .WithSchedule(SimpleScheduleBuilder.Create().WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();
}

/// <summary>Fires one timer bookmark: resumes its instance through the engine, under the instance's row lock.</summary>
public sealed class WorkflowTimerJob(WorkflowRuntime runtime, TimeProvider time, ILogger<WorkflowTimerJob> logger) : IJob
{
    public const string InstanceIdKey = "instanceId";
    public const string BookmarkIdKey = "bookmarkId";
    public static readonly JobKey Key = new("workflow-timer", "workflows");

    /// <summary>How long a firing that failed on the database waits before it is tried again.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(30);

    public static IJobDetail Detail() => JobBuilder.Create<WorkflowTimerJob>().WithIdentity(Key).StoreDurably().Build();

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var instanceId = context.MergedJobDataMap[InstanceIdKey] as string ?? string.Empty;
        var bookmarkId = context.MergedJobDataMap[BookmarkIdKey] as string ?? string.Empty;
        QuartzWorkflowScheduler.Firing.Value = bookmarkId;
        try
        {
            var result = await runtime.ResumeAsync(instanceId, bookmarkId, null, cancellationToken);
            logger.LogDebug("Timer {BookmarkId} of instance {InstanceId}: {Result}", bookmarkId, instanceId, result);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // The bookmark is still there; fire again shortly rather than wait for the reconciler.
            logger.LogWarning(ex, "Timer {BookmarkId} of instance {InstanceId} could not fire; retrying in {Delay}", bookmarkId, instanceId, RetryDelay);
            await context.Scheduler.RescheduleJob(context.Trigger.Key, QuartzWorkflowScheduler.TriggerFor(instanceId, bookmarkId, time.GetUtcNow() + RetryDelay, time), CancellationToken.None);
        }
    }
}

/// <summary>
/// Makes the triggers match the timer bookmarks, at start-up and then every <see cref="DeadlineOptions.ReconcileInterval"/>:
/// a bookmark without a trigger gets one (due ones fire at once), a trigger without a bookmark goes.
/// </summary>
public sealed class WorkflowTimerReconciler(
    ISchedulerFactory schedulers,
    ITimerBookmarkQueries timers,
    TimeProvider time,
    IOptions<DeadlineOptions> options,
    ILogger<WorkflowTimerReconciler> logger) : BackgroundService
{
    /// <summary>Returns how many triggers were added and removed.</summary>
    public async Task<(int Added, int Removed)> ReconcileAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);

        // Triggers first: a trigger seen here belongs to a bookmark committed before the read below.
        var page = await scheduler.QueryTriggers(new TriggerQuery { Group = GroupMatcher<TriggerKey>.GroupEquals(QuartzWorkflowScheduler.TriggerGroup), Take = TriggerQuery.All }, cancellationToken);
        var triggers = page.Items.Select(t => t.Key.Name).ToHashSet(StringComparer.Ordinal);

        var bookmarks = await timers.ListTimerBookmarksAsync(cancellationToken);

        var missing = bookmarks.Where(b => !triggers.Contains(b.BookmarkId)).Select(b => QuartzWorkflowScheduler.TriggerFor(b.InstanceId, b.BookmarkId, b.DueAt, time)).ToList();
        var known = bookmarks.Select(b => b.BookmarkId).ToHashSet(StringComparer.Ordinal);
        var orphans = triggers.Where(t => !known.Contains(t)).Select(QuartzWorkflowScheduler.TriggerKeyOf).ToList();
        foreach (var chunk in missing.Chunk(1000))
        {
            await scheduler.ScheduleJob(WorkflowTimerJob.Detail(), chunk, ScheduleJobOptions.Replacing, cancellationToken);
        }

        if (orphans.Count > 0)
        {
            await scheduler.UnscheduleJobs(orphans, cancellationToken);
        }

        if (missing.Count > 0 || orphans.Count > 0)
        {
            logger.LogInformation("Workflow timers reconciled: {Added} trigger(s) restored, {Removed} without a bookmark removed", missing.Count, orphans.Count);
        }

        return (missing.Count, orphans.Count);
    }

    // The first pass starts with the host but does not hold its start-up: restoring many lost triggers
    // takes minutes (see docs/BENCHMARKS-scheduling.md), and a restored trigger that is already due fires at once.
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await PassAsync(stoppingToken);
            try
            {
                await Task.Delay(options.Value.ReconcileInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task PassAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReconcileAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is SchedulerException or NpgsqlException or TimeoutException)
        {
            logger.LogError(ex, "Reconciling workflow timers failed; the next pass retries");
        }
    }
}
