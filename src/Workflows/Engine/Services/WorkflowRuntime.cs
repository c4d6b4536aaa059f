using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Diagnostics;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Scheduling;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AntiDrugFlow.Workflows.Services;

public enum ResumeResult
{
    Resumed,

    /// <summary>The bookmark is gone: another host or an earlier call resumed it first.</summary>
    AlreadyResumed,
    InstanceNotFound,
}

/// <summary>
/// How to start an instance: a fixed id for idempotent starts, rows of the caller's to write in the same transaction,
/// what triggered it (<see cref="InstanceState.Trigger"/>), and the parent of a sub-workflow.
/// </summary>
public sealed record StartOptions(
    string? InstanceId = null,
    Func<WorkflowTransaction, WorkflowInstance, CancellationToken, Task>? AlsoInTransaction = null,
    JsonObject? Trigger = null,
    ParentLink? Parent = null);

/// <summary>An instance after a step, with the step (null when the call ran none, e.g. a repeated idempotent start).</summary>
public sealed record StepResult(WorkflowInstance Instance, ExecutionStep? Step);

/// <summary>One batch of due timers: how many were claimed, and how many of those resumed their instance.</summary>
public sealed record TimerBatch(int Claimed, int Fired);

/// <summary>A task's completion: what happened and, when resumed, the instance after the step.</summary>
public sealed record TaskCompletion(ResumeResult Result, HumanTask? Task, WorkflowInstance? Instance);

/// <summary>
/// The durable runtime. Every step runs while holding the instance's row lock and commits the instance,
/// its bookmarks, tasks, journal and outbox rows in one transaction; two hosts never run one instance at once.
/// </summary>
public sealed class WorkflowRuntime(
    WorkflowDefinitionService definitions,
    PostgresInstanceStore store,
    StartGroups startGroups,
    IOutbox outbox,
    WorkflowExecutor executor,
    IWorkflowScheduler scheduler,
    TimeProvider time,
    ILogger<WorkflowRuntime> logger,
    IEnumerable<IWorkflowCancellationObserver> cancellationObservers)
{
    public PostgresInstanceStore Store => store;

    /// <summary>Starts the published version and runs it to its first wait, in one transaction (one commit).</summary>
    public Task<WorkflowInstance> StartAsync(string definitionId, JsonObject? input, string? correlationId, CancellationToken cancellationToken) =>
        StartAsync(definitionId, input, correlationId, new StartOptions(), cancellationToken);

    /// <summary>
    /// Starts an instance; with <see cref="StartOptions.InstanceId"/> a repeated start returns the first instance
    /// instead of starting another, and <see cref="StartOptions.AlsoInTransaction"/> writes the caller's own rows
    /// (e.g. the case the instance serves) in the same transaction as the first step.
    /// </summary>
    public async Task<WorkflowInstance> StartAsync(string definitionId, JsonObject? input, string? correlationId, StartOptions options, CancellationToken cancellationToken) =>
        (await StartStepAsync(definitionId, input, correlationId, options, cancellationToken)).Instance;

    /// <summary>As <see cref="StartAsync(string, JsonObject?, string?, StartOptions, CancellationToken)"/>, giving the first step too (e.g. the HTTP response it recorded).</summary>
    /// <remarks>
    /// The published version comes from this host's memory when it has started one before; the step's writes prove it
    /// still the published one (<see cref="PostgresInstanceStore.SaveStepAsync"/> with the version's stamp), so nothing commits on a version
    /// retracted or replaced on another host meanwhile: the start looks again and runs on what is published then, or is refused.
    /// </remarks>
    public async Task<StepResult> StartStepAsync(string definitionId, JsonObject? input, string? correlationId, StartOptions options, CancellationToken cancellationToken)
    {
        const int attempts = 3;
        var published = await definitions.PublishedForStartAsync(definitionId, fresh: false, cancellationToken) ?? throw NotPublished(definitionId);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnAsync(published, input, correlationId, options, cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresDefinitionStore.NotPublishedState)
            {
                if (attempt == attempts)
                {
                    throw new InvalidOperationException($"工作流程定義「{definitionId}」的發布版本在啟動期間一再變更，請稍後再試。", ex);
                }

                published = await definitions.PublishedForStartAsync(definitionId, fresh: true, cancellationToken) ?? throw NotPublished(definitionId);
            }
        }
    }

    private static KeyNotFoundException NotPublished(string definitionId) => new($"工作流程定義「{definitionId}」沒有發布中的版本。");

    /// <summary>
    /// Runs the first step on <paramref name="published"/> and writes it. Without an instance id to check and with a caller
    /// that only batches rows, the proof of publication, the step's writes and the caller's rows go in one round trip as one
    /// implicit transaction, grouped with the starts that arrive meanwhile (<see cref="StartGroups"/>); otherwise in an
    /// explicit transaction of its own, as a resumed step is.
    /// </summary>
    private async Task<StepResult> StartOnAsync(PublishedDefinition published, JsonObject? input, string? correlationId, StartOptions options, CancellationToken cancellationToken)
    {
        var definition = published.Definition;
        // The step runs in memory before a connection is taken, so the pool is held only for the write.
        var instance = NewInstance(definition, input, correlationId, options);
        var step = await executor.StartAsync(definition, instance, cancellationToken);
        if (options.InstanceId is { } id)
        {
            await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
            await using var shared = new WorkflowTransaction(connection, outbox);
            await store.LockKeyAsync(connection, shared.Transaction, "instance:" + id, cancellationToken);
            if (await store.LockAsync(connection, shared.Transaction, id, skipLocked: false, cancellationToken) is { } existing)
            {
                return new StepResult(existing, null);
            }

            await WriteStartAsync(shared, instance, step, published.Stamp, options, cancellationToken);
        }
        else
        {
            await using var shared = new WorkflowTransaction(store.DataSource, outbox);
            await WriteStartAsync(shared, instance, step, published.Stamp, options, cancellationToken);
        }

        EngineTelemetry.InstanceStarted(definition.DefinitionId);
        await AfterCommitAsync(step, cancellationToken);
        return new StepResult(instance, step);
    }

    /// <summary>Runs the caller's part, then writes the step with it: alone when the caller took a transaction, else grouped.</summary>
    private async Task WriteStartAsync(WorkflowTransaction shared, WorkflowInstance instance, ExecutionStep step, PublishedStamp stamp, StartOptions options, CancellationToken cancellationToken)
    {
        // The caller's rows go with the step's writes in one round trip (WorkflowTransaction.Batch).
        if (options.AlsoInTransaction is { } also)
        {
            await also(shared, instance, cancellationToken);
        }

        if (shared.Opened is not { } connection)
        {
            await startGroups.WriteAsync(new StartWrite(PostgresInstanceStore.RowsOf(step, stamp), [.. shared.Batched]), cancellationToken);
            return;
        }

        await store.SaveStepAsync(connection, shared.Begun, step, cancellationToken, shared.Batched, startedOn: stamp);
        if (shared.Begun is { } transaction)
        {
            await transaction.CommitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// A new instance as <paramref name="options"/> say; one started by a trigger begins at the trigger's activity, as Elsa's
    /// flowchart does when it is given the trigger activity id.
    /// </summary>
    private WorkflowInstance NewInstance(WorkflowDefinition definition, JsonObject? input, string? correlationId, StartOptions options)
    {
        var instance = WorkflowExecutor.NewInstance(definition, input, correlationId, time.GetUtcNow(), options.InstanceId);
        instance.State.Trigger = options.Trigger?.DeepClone().AsObject();
        instance.Parent = options.Parent;
        if (JsonValues.AsString(options.Trigger?["activityId"]) is { } triggerActivity && triggerActivity != definition.StartActivityId && definition.FindActivity(triggerActivity) is { Container: null })
        {
            instance.State.Queue.Clear();
            instance.State.Queue.Add(new WorkItem(triggerActivity, null));
        }

        return instance;
    }

    /// <summary>
    /// Starts an instance for each cron trigger due by now (<see cref="CronTriggers"/>), up to <paramref name="limit"/>, in one
    /// transaction with the claim: the schedules are locked <c>FOR UPDATE SKIP LOCKED</c>, the instances are written and the
    /// schedules moved on before it commits, so a host that dies mid-batch leaves them to another. An occurrence's instance id
    /// is derived from the version, the activity and the occurrence, so it is started once even by a host that claimed a
    /// schedule another host had moved on in between. Occurrences missed while no host ran are not caught up one by one:
    /// the oldest due one starts once now and the schedule moves to the first occurrence after now (a misfire fires once).
    /// Returns how many instances it started.
    /// </summary>
    public async Task<int> FireDueCronTriggersAsync(int limit, CancellationToken cancellationToken)
    {
        var steps = new List<ExecutionStep>();
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = time.GetUtcNow();
        var claimed = await CronTriggers.ClaimDueAsync(connection, transaction, now, limit, cancellationToken);
        if (claimed.Count == 0)
        {
            return 0;
        }

        foreach (var schedule in claimed)
        {
            var id = CronTriggers.InstanceId(schedule);
            await store.LockKeyAsync(connection, transaction, "instance:" + id, cancellationToken);
            if (await store.LockAsync(connection, transaction, id, skipLocked: false, cancellationToken) is null)
            {
                var occurrence = schedule.NextDueAt.ToOffset(CronSchedule.Taipei.GetUtcOffset(schedule.NextDueAt));
                var trigger = new JsonObject { ["activityId"] = schedule.ActivityId, ["payload"] = new JsonObject { ["occurrence"] = occurrence.ToString("O", System.Globalization.CultureInfo.InvariantCulture) } };
                try
                {
                    var definition = await definitions.VersionAsync(schedule.DefinitionVersionId, cancellationToken);
                    steps.Add(await executor.StartAsync(definition, NewInstance(definition, null, null, new StartOptions(InstanceId: id, Trigger: trigger)), cancellationToken));
                }
                catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException or Definitions.DefinitionValidationException)
                {
                    // The schedule stays due and comes back in a later batch; the rest of this one goes on.
                    logger.LogError(ex, "Cron trigger {ActivityId} of {DefinitionVersionId} could not start an instance", schedule.ActivityId, schedule.DefinitionVersionId);
                    continue;
                }
            }

            var next = CronSchedule.TryParse(schedule.CronExpression, out var cron, out _) ? cron.Next(now, CronSchedule.Taipei) : null;
            await CronTriggers.AdvanceAsync(connection, transaction, schedule, next, cancellationToken);
        }

        await store.SaveStepsAsync(connection, transaction, steps, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        foreach (var step in steps)
        {
            EngineTelemetry.InstanceStarted(step.Instance.DefinitionId);
            await AfterCommitAsync(step, cancellationToken);
        }

        return steps.Count;
    }

    /// <summary>Accepts an instance durably (status Running) without running it; a runner picks it up.</summary>
    public async Task<WorkflowInstance> DispatchAsync(string definitionId, JsonObject? input, string? correlationId, CancellationToken cancellationToken)
    {
        var definition = await definitions.PublishedAsync(definitionId, cancellationToken)
            ?? throw new KeyNotFoundException($"工作流程定義「{definitionId}」沒有發布中的版本。");
        var now = time.GetUtcNow();
        var instance = WorkflowExecutor.NewInstance(definition, input, correlationId, now);
        var step = new ExecutionStep { Instance = instance };
        step.Journal.Add(new JournalEntry(instance.Id, now, null, null, "WorkflowDispatched", $"{definition.DefinitionId} v{definition.Version}"));
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await store.SaveStepAsync(connection, transaction, step, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        EngineTelemetry.InstanceStarted(definition.DefinitionId);
        return instance;
    }

    /// <summary>Runs queued work of instances left Running (dispatched, or interrupted by a crash). Returns how many ran.</summary>
    public async Task<int> RunPendingAsync(int limit, CancellationToken cancellationToken)
    {
        var ran = 0;
        foreach (var id in await store.RunningInstanceIdsAsync(limit, cancellationToken))
        {
            if (await WithLockAsync(id, skipLocked: true, async (instance, _) =>
                {
                    if (instance.Status != WorkflowStatus.Running)
                    {
                        return null;
                    }

                    var definition = await definitions.VersionAsync(instance.DefinitionVersionId, cancellationToken);
                    return await executor.ContinueAsync(definition, instance, cancellationToken);
                }, cancellationToken) is not null)
            {
                ran++;
            }
        }

        return ran;
    }

    /// <summary>Resumes one bookmark. Exactly one of several concurrent callers gets <see cref="ResumeResult.Resumed"/>.</summary>
    public async Task<ResumeResult> ResumeAsync(string instanceId, string bookmarkId, JsonNode? input, CancellationToken cancellationToken) =>
        (await ResumeStepAsync(instanceId, bookmarkId, input, cancellationToken)).Result;

    /// <summary>As <see cref="ResumeAsync"/>, giving the step it ran too (e.g. the HTTP response it recorded).</summary>
    public Task<(ResumeResult Result, ExecutionStep? Step)> ResumeStepAsync(string instanceId, string bookmarkId, JsonNode? input, CancellationToken cancellationToken) =>
        ResumeStepAsync(instanceId, bookmarkId, input, null, cancellationToken);

    /// <summary>As <see cref="ResumeStepAsync(string, string, JsonNode?, CancellationToken)"/>, writing the caller's rows in the step's transaction when it resumes.</summary>
    private async Task<(ResumeResult Result, ExecutionStep? Step)> ResumeStepAsync(
        string instanceId, string bookmarkId, JsonNode? input, Func<WorkflowTransaction, CancellationToken, Task>? alsoInTransaction, CancellationToken cancellationToken)
    {
        var found = false;
        var step = await WithLockAsync(instanceId, skipLocked: false, async (instance, _) =>
        {
            found = true;
            if (instance.IsEnded || instance.Bookmarks.All(b => b.Id != bookmarkId))
            {
                return null;
            }

            var definition = await definitions.VersionAsync(instance.DefinitionVersionId, cancellationToken);
            return await executor.ResumeAsync(definition, instance, bookmarkId, input, cancellationToken);
        }, cancellationToken, alsoInTransaction);
        return (step is not null ? ResumeResult.Resumed : found ? ResumeResult.AlreadyResumed : ResumeResult.InstanceNotFound, step);
    }

    /// <summary>
    /// Resumes the parent's bookmark that waits for a child instance (named by the child's id) with what the child
    /// gives it. A repeat finds the bookmark gone and resumes nothing, so the parent goes on once.
    /// </summary>
    public async Task<ResumeResult> ResumeParentAsync(string parentInstanceId, string childInstanceId, JsonObject result, CancellationToken cancellationToken)
    {
        var found = false;
        var step = await WithLockAsync(parentInstanceId, skipLocked: false, async (instance, _) =>
        {
            found = true;
            var bookmark = instance.Bookmarks.Find(b => b.Kind == BookmarkKind.Workflow && b.Name == childInstanceId);
            if (instance.IsEnded || bookmark is null)
            {
                return null;
            }

            var definition = await definitions.VersionAsync(instance.DefinitionVersionId, cancellationToken);
            return await executor.ResumeAsync(definition, instance, bookmark.Id, result.DeepClone(), cancellationToken);
        }, cancellationToken);
        return step is not null ? ResumeResult.Resumed : found ? ResumeResult.AlreadyResumed : ResumeResult.InstanceNotFound;
    }

    /// <summary>
    /// Tells an instance that a sub-workflow it dispatched without waiting could not start (no published version): it
    /// faults with a message naming the definition (see <see cref="WorkflowExecutor.ChildNotPublished"/>). Once: a
    /// repeat finds the instance faulted and only journals again. False when the instance is gone.
    /// </summary>
    public async Task<bool> ChildNotPublishedAsync(string parentInstanceId, string activityId, string childDefinitionId, CancellationToken cancellationToken)
    {
        var step = await WithLockAsync(parentInstanceId, skipLocked: false, async (instance, _) =>
        {
            var definition = await definitions.VersionAsync(instance.DefinitionVersionId, cancellationToken);
            return executor.ChildNotPublished(definition, instance, activityId, childDefinitionId);
        }, cancellationToken);
        return step is not null;
    }

    /// <summary>Triggers an event: resumes every instance waiting for it (only those with the correlation id, when one is given).</summary>
    public Task<IReadOnlyList<string>> TriggerEventAsync(string eventName, string? correlationId, JsonNode? payload, CancellationToken cancellationToken) =>
        TriggerEventAsync(eventName, correlationId, payload, null, cancellationToken);

    /// <summary>
    /// As <see cref="TriggerEventAsync(string, string?, JsonNode?, CancellationToken)"/>; <paramref name="alsoInTransaction"/> writes the
    /// caller's rows in the transaction of the first step the event resumes, so they commit with it. When the event resumes nothing,
    /// nothing of the caller's is written (the caller sees an empty list and decides).
    /// </summary>
    public async Task<IReadOnlyList<string>> TriggerEventAsync(
        string eventName, string? correlationId, JsonNode? payload, Func<WorkflowTransaction, CancellationToken, Task>? alsoInTransaction, CancellationToken cancellationToken)
    {
        var resumed = new List<string>();
        foreach (var bookmark in await store.FindEventBookmarksAsync(eventName, correlationId, cancellationToken))
        {
            var rows = resumed.Count == 0 ? alsoInTransaction : null;
            if ((await ResumeStepAsync(bookmark.InstanceId, bookmark.BookmarkId, payload?.DeepClone(), rows, cancellationToken)).Result == ResumeResult.Resumed)
            {
                resumed.Add(bookmark.InstanceId);
            }
        }

        return resumed;
    }

    /// <summary>Completes a human task with a result and resumes its instance.</summary>
    public Task<TaskCompletion> CompleteTaskAsync(string taskId, JsonNode? result, CancellationToken cancellationToken) =>
        CompleteTaskAsync(taskId, result, null, cancellationToken);

    /// <summary>
    /// Completes a human task and resumes its instance; <paramref name="alsoInTransaction"/> writes the caller's own rows (e.g. a
    /// note kept out of the workflow's variables) in the step's transaction, so they commit only when the task completes.
    /// </summary>
    public async Task<TaskCompletion> CompleteTaskAsync(string taskId, JsonNode? result, Func<WorkflowTransaction, CancellationToken, Task>? alsoInTransaction, CancellationToken cancellationToken)
    {
        var task = await store.GetTaskAsync(taskId, cancellationToken);
        if (task is null)
        {
            return new TaskCompletion(ResumeResult.InstanceNotFound, null, null);
        }

        var outcome = await CompleteTaskAsync(task, result, alsoInTransaction, cancellationToken);
        return new TaskCompletion(outcome, await store.GetTaskAsync(taskId, cancellationToken), await store.GetAsync(task.InstanceId, cancellationToken));
    }

    /// <summary>
    /// As <see cref="CompleteTaskAsync(string, JsonNode?, Func{WorkflowTransaction, CancellationToken, Task}?, CancellationToken)"/>
    /// for a task the caller has just read, giving only what happened: no read before or after the step.
    /// </summary>
    public async Task<ResumeResult> CompleteTaskAsync(HumanTask task, JsonNode? result, Func<WorkflowTransaction, CancellationToken, Task>? alsoInTransaction, CancellationToken cancellationToken) =>
        task.Status == HumanTaskStatus.Pending
            ? (await ResumeStepAsync(task.InstanceId, task.BookmarkId, result, alsoInTransaction, cancellationToken)).Result
            : ResumeResult.AlreadyResumed;

    /// <summary>
    /// Fires every timer due by now, in batches of <paramref name="limit"/> (see <see cref="FireDueTimerBatchAsync"/>), including
    /// several of one instance, one per batch. Returns how many it resumed.
    /// </summary>
    public async Task<int> FireDueTimersAsync(int limit, CancellationToken cancellationToken)
    {
        var fired = 0;
        TimerBatch batch;
        do
        {
            batch = await FireDueTimerBatchAsync(limit, cancellationToken);
            fired += batch.Fired;
        }
        while (batch.Fired > 0);

        return fired;
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> due timers and resumes their instances, all in one transaction: the claim is the
    /// bookmark rows' lock, held until the steps that delete them commit. A host that dies mid-batch rolls the whole batch
    /// back and its locks go with its connection, so another host claims the same timers; a committed batch has deleted
    /// them, so none fires twice. "Due" is decided on <see cref="TimeProvider"/>, so none fires early.
    /// </summary>
    /// <remarks>
    /// Instances another transaction holds (a task completed at this moment, another batch resuming a second timer of the
    /// same instance) are skipped rather than waited for; their timers stay due and come back in a later batch. One timer
    /// per instance per batch, so each step starts from the instance as stored.
    /// </remarks>
    public async Task<TimerBatch> FireDueTimerBatchAsync(int limit, CancellationToken cancellationToken)
    {
        var steps = new List<ExecutionStep>();
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var claimed = await store.ClaimDueTimersAsync(connection, transaction, time.GetUtcNow(), limit, cancellationToken);
        if (claimed.Count == 0)
        {
            return new TimerBatch(0, 0);
        }

        var firstOfEach = claimed.DistinctBy(t => t.InstanceId, StringComparer.Ordinal).ToList();
        var locked = await store.LockInstancesAsync(connection, transaction, firstOfEach.Select(t => t.InstanceId).ToList(), cancellationToken);
        var mine = firstOfEach.Where(t => locked.Contains(t.InstanceId)).ToList();
        var instances = mine.Count == 0 ? new Dictionary<string, WorkflowInstance>() : await store.ReadLockedAsync(connection, transaction, mine.Select(t => t.InstanceId).ToList(), cancellationToken);
        var stale = new List<string>();
        foreach (var timer in mine)
        {
            if (!instances.TryGetValue(timer.InstanceId, out var instance) || instance.IsEnded)
            {
                stale.Add(timer.BookmarkId);
                continue;
            }

            ExecutionStep step;
            try
            {
                var definition = await definitions.VersionAsync(instance.DefinitionVersionId, cancellationToken);
                step = await executor.ResumeAsync(definition, instance, timer.BookmarkId, null, cancellationToken);
            }
            catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException)
            {
                // Nothing of this instance is written; its timer stays due and the rest of the batch goes on.
                logger.LogError(ex, "Timer {BookmarkId} of instance {InstanceId} could not fire", timer.BookmarkId, timer.InstanceId);
                continue;
            }

            steps.Add(step);
        }

        await store.SaveStepsAsync(connection, transaction, steps, cancellationToken);

        if (stale.Count > 0)
        {
            await store.DeleteBookmarksAsync(connection, transaction, stale, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        foreach (var step in steps)
        {
            await AfterCommitAsync(step, cancellationToken);
        }

        return new TimerBatch(claimed.Count, steps.Count);
    }

    public async Task<bool> CancelAsync(string instanceId, string reason, CancellationToken cancellationToken)
    {
        var step = await WithLockAsync(instanceId, skipLocked: false, async (instance, ct) =>
        {
            if (instance.IsEnded)
            {
                return null;
            }

            var cancelled = executor.Cancel(instance, reason);
            foreach (var observer in cancellationObservers)
            {
                cancelled.Outbox.AddRange(await observer.OnCancellingAsync(instance, reason, ct));
            }

            return cancelled;
        }, cancellationToken);
        return step is not null;
    }

    /// <summary>Locks the instance, lets <paramref name="work"/> compute a step, saves it and commits. Null when there was nothing to do.</summary>
    private async Task<ExecutionStep?> WithLockAsync(
        string instanceId, bool skipLocked, Func<WorkflowInstance, CancellationToken, Task<ExecutionStep?>> work, CancellationToken cancellationToken,
        Func<WorkflowTransaction, CancellationToken, Task>? alsoInTransaction = null)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var instance = await store.LockAsync(connection, transaction, instanceId, skipLocked, cancellationToken);
        if (instance is null)
        {
            return null;
        }

        var step = await work(instance, cancellationToken);
        if (step is null)
        {
            return null;
        }

        var shared = new WorkflowTransaction(transaction, outbox);
        if (alsoInTransaction is not null)
        {
            await alsoInTransaction(shared, cancellationToken);
        }

        await store.SaveStepAsync(connection, transaction, step, cancellationToken, shared.Batched);
        await transaction.CommitAsync(cancellationToken);
        await AfterCommitAsync(step, cancellationToken);
        return step;
    }

    private async Task AfterCommitAsync(ExecutionStep step, CancellationToken cancellationToken)
    {
        var added = step.AddedBookmarks.Where(b => b.Kind == BookmarkKind.Timer).ToList();
        var removed = step.RemovedBookmarks.Where(b => b.Kind == BookmarkKind.Timer).ToList();
        if (added.Count > 0 || removed.Count > 0)
        {
            await scheduler.TimersChangedAsync(added, removed, cancellationToken);
        }

        if (step.Instance.Status == WorkflowStatus.Faulted)
        {
            logger.LogWarning("Instance {InstanceId} of {DefinitionId} faulted at activity {ActivityId} ({Path}): {FaultCode}", step.Instance.Id, step.Instance.DefinitionId, step.Fault?.ActivityId, step.Fault?.Path, step.Fault?.Code);
        }
    }
}
