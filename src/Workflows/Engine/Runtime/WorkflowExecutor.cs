using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Diagnostics;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Models;

namespace AntiDrugFlow.Workflows.Runtime;

/// <summary>
/// Runs a flowchart instance in memory, one step at a time: from a start or a resumed bookmark until no
/// token is left to move. It does no I/O; the caller saves the returned step in one transaction.
/// </summary>
public sealed class WorkflowExecutor(ActivityRegistry activities, TimeProvider time, EngineOptions options)
{
    private readonly JavaScriptEvaluator _javaScript = new(options.JavaScript);

    public ActivityRegistry Activities { get; } = activities;

    public static WorkflowInstance NewInstance(WorkflowDefinition definition, JsonObject? input, string? correlationId, DateTimeOffset now, string? id = null)
    {
        var instance = new WorkflowInstance
        {
            Id = id ?? Guid.CreateVersion7(now).ToString("N"),
            DefinitionId = definition.DefinitionId,
            DefinitionVersionId = definition.Id,
            Version = definition.Version,
            Status = WorkflowStatus.Running,
            CorrelationId = correlationId,
            CreatedAt = now,
            UpdatedAt = now,
            State = new InstanceState { Input = input?.DeepClone().AsObject() ?? [] },
        };
        foreach (var variable in definition.Variables)
        {
            instance.State.Variables[variable.Name] = JsonValues.Coerce(variable.Value?.DeepClone(), variable.TypeName);
        }

        if (definition.StartActivityId is { } start)
        {
            instance.State.Queue.Add(new WorkItem(start, null));
        }

        return instance;
    }

    /// <summary>The id of an instance started by an outbox message: the same message always names the same instance.</summary>
    public static string InstanceIdFromKey(string idempotencyKey) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(idempotencyKey)))[..32];

    /// <summary>Runs a new instance from its start activity.</summary>
    public async ValueTask<ExecutionStep> StartAsync(WorkflowDefinition definition, WorkflowInstance instance, CancellationToken cancellationToken)
    {
        using var span = EngineTelemetry.StartStep("start", definition, instance);
        var started = Stopwatch.GetTimestamp();
        var step = new ExecutionStep { Instance = instance };
        var message = instance.Parent is { } parent ? $"{definition.VersionLabel}, parent {parent.InstanceId} ({parent.ActivityId})" : definition.VersionLabel;
        step.Journal.Add(new JournalEntry(instance.Id, time.GetUtcNow(), null, null, "WorkflowStarted", message));
        step = TellParent(await DrainAsync(definition, step, cancellationToken), firstRun: true);
        EngineTelemetry.StepEnded("start", definition, instance, span, Stopwatch.GetElapsedTime(started));
        return step;
    }

    /// <summary>Runs work that an instance still has queued, e.g. after the host that started it crashed.</summary>
    public async ValueTask<ExecutionStep> ContinueAsync(WorkflowDefinition definition, WorkflowInstance instance, CancellationToken cancellationToken)
    {
        using var span = EngineTelemetry.StartStep("continue", definition, instance);
        var started = Stopwatch.GetTimestamp();
        var step = new ExecutionStep { Instance = instance };
        step.Journal.Add(new JournalEntry(instance.Id, time.GetUtcNow(), null, null, "WorkflowContinued", $"{instance.State.Queue.Count} queued"));
        step = TellParent(await DrainAsync(definition, step, cancellationToken), firstRun: false);
        EngineTelemetry.StepEnded("continue", definition, instance, span, Stopwatch.GetElapsedTime(started));
        return step;
    }

    /// <summary>Resumes one bookmark with an input (an event payload, a task result, a timer's firing).</summary>
    public async ValueTask<ExecutionStep> ResumeAsync(WorkflowDefinition definition, WorkflowInstance instance, string bookmarkId, JsonNode? input, CancellationToken cancellationToken) =>
        TellParent(await ResumeBookmarkAsync(definition, instance, bookmarkId, input, cancellationToken), firstRun: false);

    private async ValueTask<ExecutionStep> ResumeBookmarkAsync(WorkflowDefinition definition, WorkflowInstance instance, string bookmarkId, JsonNode? input, CancellationToken cancellationToken)
    {
        using var span = EngineTelemetry.StartStep("resume", definition, instance);
        var started = Stopwatch.GetTimestamp();
        var step = await ResumeCoreAsync(definition, instance, bookmarkId, input, span, cancellationToken);
        EngineTelemetry.StepEnded("resume", definition, instance, span, Stopwatch.GetElapsedTime(started));
        return step;
    }

    private async ValueTask<ExecutionStep> ResumeCoreAsync(WorkflowDefinition definition, WorkflowInstance instance, string bookmarkId, JsonNode? input, Activity? span, CancellationToken cancellationToken)
    {
        var step = new ExecutionStep { Instance = instance };
        var bookmark = instance.Bookmarks.Find(b => b.Id == bookmarkId)
            ?? throw new InvalidOperationException($"Instance {instance.Id} has no bookmark {bookmarkId}.");
        instance.Bookmarks.Remove(bookmark);
        step.RemovedBookmarks.Add(bookmark);
        var now = time.GetUtcNow();
        span?.SetTag("workflow.bookmark.kind", bookmark.Kind.ToString());
        EngineTelemetry.InstanceResumed(definition.DefinitionId, bookmark.Kind);
        if (bookmark is { Kind: BookmarkKind.Timer, DueAt: { } due })
        {
            EngineTelemetry.TimerFired(definition.DefinitionId, now - due);
        }

        if (bookmark.TaskId is { } taskId)
        {
            step.ClosedTasks.Add(new TaskClosure(taskId, HumanTaskStatus.Completed, input?.DeepClone(), now));
        }

        instance.Status = WorkflowStatus.Running;
        UpgradeJoins(definition, instance.State);
        var node = definition.Activity(bookmark.ActivityId);
        var activity = Activities.Get(node);
        var scope = instance.State.BookmarkScopes.Remove(bookmark.Id, out var bookmarkScope) ? bookmarkScope : null;
        var evaluator = new ExpressionEvaluator(new ExpressionScope(instance) { RunScope = scope }, _javaScript);
        step.Journal.Add(new JournalEntry(instance.Id, now, node.Id, node.Type, "Resumed", bookmark.Kind + ": " + bookmark.Name));
        try
        {
            using var activitySpan = EngineTelemetry.StartActivity(definition, instance, node);
            var context = new ActivityExecutionContext(definition, node, new WorkItem(node.Id, null, scope), step, evaluator, now, cancellationToken);
            var outcome = await activity.ResumeAsync(context, bookmark, input);
            if (!await ApplyAsync(definition, step, node, scope, outcome, now, evaluator, cancellationToken))
            {
                return step;
            }
        }
        catch (WorkflowFaultException ex)
        {
            RaiseFault(step, node, scope, ex, now);
        }

        return await DrainAsync(definition, step, cancellationToken, evaluator);
    }

    /// <summary>Cancels the instance: its bookmarks go, its open tasks are cancelled.</summary>
    public ExecutionStep Cancel(WorkflowInstance instance, string reason)
    {
        var step = new ExecutionStep { Instance = instance };
        var now = time.GetUtcNow();
        CloseEverything(step, now);
        instance.Status = WorkflowStatus.Cancelled;
        instance.FinishedAt = now;
        instance.UpdatedAt = now;
        step.Journal.Add(new JournalEntry(instance.Id, now, null, null, "WorkflowCancelled", reason));
        return TellParent(step, firstRun: false);
    }

    /// <summary>
    /// A sub-workflow the instance dispatched without waiting could not start: its definition has no published version.
    /// The instance faults at the activity that dispatched it (<c>workflow.child-not-published</c>, naming the
    /// definition), cancelling what it still runs or waits for; one that has ended already gets a journal line instead.
    /// </summary>
    public ExecutionStep ChildNotPublished(WorkflowDefinition definition, WorkflowInstance instance, string activityId, string childDefinitionId)
    {
        var step = new ExecutionStep { Instance = instance };
        var now = time.GetUtcNow();
        var node = definition.FindActivity(activityId);
        var description = FaultKinds.ChildDefinitionNotPublished.Format(childDefinitionId);
        if (instance.IsEnded || node is null)
        {
            step.Journal.Add(new JournalEntry(instance.Id, now, activityId, node?.Type, "ChildWorkflowNotStarted", description));
            return step;
        }

        Fault(step, node, FaultKinds.ChildDefinitionNotPublished, $"{node.JsonPath}.workflowDefinitionId", description, now);
        return TellParent(step, firstRun: false);
    }

    /// <summary>
    /// A child instance whose parent waits for it queues, in its own step, the message that resumes the parent's
    /// bookmark: once it has ended (or, for a parent waiting only for the first run, once that run is over). The
    /// message's key is the child's, so the parent hears of it once, and a crash between the two commits loses nothing.
    /// </summary>
    private ExecutionStep TellParent(ExecutionStep step, bool firstRun)
    {
        var instance = step.Instance;
        if (instance.Parent is not { Waits: not ParentWaits.None } parent
            || (parent.Waits == ParentWaits.Completion ? !instance.IsEnded : instance.Status == WorkflowStatus.Running))
        {
            return step;
        }

        var now = time.GetUtcNow();
        instance.Parent = parent with { Waits = ParentWaits.None };
        step.Outbox.Add(new OutboxMessage(Guid.CreateVersion7(now), instance.Id, OutboxKinds.ResumeParent, instance.Id + ":parent", new JsonObject
        {
            ["parentInstanceId"] = parent.InstanceId,
            ["childInstanceId"] = instance.Id,
            ["result"] = ChildResult(instance, firstRun),
        }, now));
        step.Journal.Add(new JournalEntry(instance.Id, now, null, null, "ParentNotified", $"{parent.InstanceId} ({parent.ActivityId})"));
        return step;
    }

    /// <summary>What a parent learns of a child, in the shape of Elsa's ExecuteWorkflowResult (status and sub-status as Elsa names them).</summary>
    public static JsonObject ChildResult(WorkflowInstance child, bool firstRun) => new()
    {
        ["workflowInstanceId"] = child.Id,
        ["workflowDefinitionVersionId"] = child.DefinitionVersionId,
        ["correlationId"] = child.CorrelationId,
        ["status"] = child.IsEnded ? "Finished" : "Running",
        ["subStatus"] = child.Status switch
        {
            WorkflowStatus.Finished => "Finished",
            WorkflowStatus.Faulted => "Faulted",
            WorkflowStatus.Cancelled => "Cancelled",
            WorkflowStatus.Suspended => "Suspended",
            _ => "Executing",
        },
        ["output"] = child.State.Output.DeepClone(),
        ["outcomes"] = child.State.Outcomes is { } outcomes ? new JsonArray([.. outcomes.Select(o => (JsonNode)o)]) : null,
        ["firstRun"] = firstRun,
    };

    private async ValueTask<ExecutionStep> DrainAsync(WorkflowDefinition definition, ExecutionStep step, CancellationToken cancellationToken, ExpressionEvaluator? evaluator = null)
    {
        var instance = step.Instance;
        UpgradeJoins(definition, instance.State);
        evaluator ??= new ExpressionEvaluator(new ExpressionScope(instance), _javaScript);
        // Executions per activity, counted only in the second half of the step limit: enough to name the loop that hits it.
        Dictionary<string, int>? counts = null;
        ActivityExecutionContext? reused = null;
        var executed = 0;
        while (instance.State.Queue.Count > 0 && instance.Status == WorkflowStatus.Running)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var item = instance.State.Queue[0];
            instance.State.Queue.RemoveAt(0);
            var now = time.GetUtcNow();
            if (++executed > options.MaxStepsPerRun)
            {
                var hottest = counts!.MaxBy(p => p.Value).Key;
                var loop = LoopThrough(definition, hottest);
                Fault(step, definition.Activity(hottest), FaultKinds.StepLimit, null, FaultKinds.StepLimit.Format(options.MaxStepsPerRun.ToString(CultureInfo.InvariantCulture), loop), now);
                break;
            }

            if (executed > options.MaxStepsPerRun / 2)
            {
                counts ??= new Dictionary<string, int>(StringComparer.Ordinal);
                counts[item.ActivityId] = counts.GetValueOrDefault(item.ActivityId) + 1;
            }

            var node = definition.Activity(item.ActivityId);
            var activity = Activities.Get(node);
            try
            {
                using var activitySpan = EngineTelemetry.StartActivity(definition, instance, node);
                evaluator.Scope.RunScope = item.Scope;
                var context = reused?.For(node, item, now) ?? (reused = new ActivityExecutionContext(definition, node, item, step, evaluator, now, cancellationToken));
                var outcome = await activity.ExecuteAsync(context);
                step.Journal.Add(new JournalEntry(instance.Id, now, node.Id, node.Type, JournalEvent(outcome), PortsText(outcome)));
                await ApplyAsync(definition, step, node, item.Scope, outcome, now, evaluator, cancellationToken);
            }
            catch (WorkflowFaultException ex)
            {
                RaiseFault(step, node, item.Scope, ex, now);
            }
        }

        if (step.Fault is not null && instance.Status == WorkflowStatus.Running)
        {
            EndFaulted(step, time.GetUtcNow());
        }

        Settle(step);
        return step;
    }

    private static string? PortsText(ActivityOutcome outcome) => outcome.Ports.Count switch
    {
        0 => null,
        1 => outcome.Ports[0],
        _ => string.Join(",", outcome.Ports),
    };

    private static string JournalEvent(ActivityOutcome outcome) => outcome.Kind switch
    {
        ActivityOutcomeKind.Suspended => "Suspended",
        ActivityOutcomeKind.Running => "Started",
        _ => "Executed",
    };

    /// <summary>
    /// Applies an activity's outcome in its run-time scope, then, while that leaves a nested scope with nothing to run
    /// or wait for, completes the scope and applies its owner's outcome in the scope around it. An Elsa.End or
    /// Elsa.Complete in a nested scope ends that scope's flowchart only. Returns false when the instance ended.
    /// </summary>
    private async ValueTask<bool> ApplyAsync(WorkflowDefinition definition, ExecutionStep step, ActivityNode node, string? scope, ActivityOutcome outcome, DateTimeOffset now, ExpressionEvaluator evaluator, CancellationToken cancellationToken)
    {
        var instance = step.Instance;
        while (true)
        {
            IReadOnlyList<string> outcomes = [];
            if (outcome.Kind == ActivityOutcomeKind.FinishWorkflow && scope is not null)
            {
                outcomes = instance.State.Outcomes ?? [];
                instance.State.Outcomes = null;
                CancelScope(step, scope, now, $"by {node.Id}", keepScope: true);
                step.Journal.Add(new JournalEntry(instance.Id, now, node.Id, node.Type, "FlowchartCompleted", outcomes.Count == 0 ? null : string.Join(",", outcomes)));
                outcome = ActivityOutcome.EndOfBranch;
            }

            if (!Apply(definition, step, node, scope, outcome, now, evaluator))
            {
                return false;
            }

            if (scope is null || instance.Status != WorkflowStatus.Running || !IsIdle(instance, scope)
                || step.FaultedScopes?.Contains(scope) == true || !instance.State.Scopes.Remove(scope, out var completed))
            {
                return true;
            }

            RemoveTokensIn(instance.State.Tokens, scope); // left at a merge that never ran
            ForgetLoops(instance.State, scope);
            node = definition.Activity(completed.Owner);
            scope = completed.Parent;
            evaluator.Scope.RunScope = scope;
            var context = new ActivityExecutionContext(definition, node, new WorkItem(node.Id, null, scope), step, evaluator, now, cancellationToken);
            outcome = await Activities.Get(node).ScopeCompletedAsync(context, completed, outcomes);
            step.Journal.Add(new JournalEntry(instance.Id, now, node.Id, node.Type, outcome.Kind == ActivityOutcomeKind.Running ? "ScopeCompleted" : "Completed", PortsText(outcome)));
        }
    }

    /// <summary>True when nothing runs or waits in a run-time scope any more: no work queued, no bookmark, no scope inside it.</summary>
    private static bool IsIdle(WorkflowInstance instance, string scope)
    {
        var state = instance.State;
        return !state.Queue.Exists(item => item.Scope == scope)
            && !instance.Bookmarks.Exists(b => ScopeOf(state, b) == scope)
            && !state.Scopes.Values.Any(s => s.Parent == scope);
    }

    private static string? ScopeOf(InstanceState state, Bookmark bookmark) => state.BookmarkScopes.GetValueOrDefault(bookmark.Id);

    /// <summary>
    /// Cancels what runs or waits in a run-time scope and the scopes inside it: queued work, tokens, bookmarks (their
    /// tasks cancelled). The scope itself goes too unless <paramref name="keepScope"/> (its flowchart completing).
    /// </summary>
    private static void CancelScope(ExecutionStep step, string scope, DateTimeOffset now, string reason, bool keepScope)
    {
        var instance = step.Instance;
        var state = instance.State;
        foreach (var inner in state.Scopes.Values.Where(s => s.Parent == scope).Select(s => s.Id).ToList())
        {
            CancelScope(step, inner, now, reason, keepScope: false);
        }

        state.Queue.RemoveAll(item => item.Scope == scope);
        state.Tokens.RemoveAll(token => token.Scope == scope);
        foreach (var bookmark in instance.Bookmarks.Where(b => ScopeOf(state, b) == scope).ToList())
        {
            RemoveBookmark(step, bookmark, now);
            step.Journal.Add(new JournalEntry(instance.Id, now, bookmark.ActivityId, null, "BranchCancelled", reason));
        }

        ForgetLoops(state, scope);
        if (!keepScope)
        {
            state.Scopes.Remove(scope);
        }
    }

    /// <summary>Drops the loop positions kept for a run-time scope (see <see cref="ActivityExecutionContext.LoopKey"/>).</summary>
    private static void ForgetLoops(InstanceState state, string scope)
    {
        if (state.Loops.Count == 0)
        {
            return;
        }

        var suffix = "@" + scope;
        foreach (var key in state.Loops.Keys.Where(k => k.EndsWith(suffix, StringComparison.Ordinal)).ToList())
        {
            state.Loops.Remove(key);
        }
    }

    private static void RemoveBookmark(ExecutionStep step, Bookmark bookmark, DateTimeOffset now)
    {
        var instance = step.Instance;
        instance.Bookmarks.Remove(bookmark);
        instance.State.BookmarkScopes.Remove(bookmark.Id);
        step.RemovedBookmarks.Add(bookmark);
        if (bookmark.TaskId is { } taskId)
        {
            step.ClosedTasks.Add(new TaskClosure(taskId, HumanTaskStatus.Cancelled, null, now));
        }
    }

    /// <summary>Moves tokens out of the ports an activity completed through, in its run-time scope. Returns false when the instance ended.</summary>
    private static bool Apply(WorkflowDefinition definition, ExecutionStep step, ActivityNode node, string? scope, ActivityOutcome outcome, DateTimeOffset now, ExpressionEvaluator evaluator)
    {
        var instance = step.Instance;
        switch (outcome.Kind)
        {
            case ActivityOutcomeKind.FinishWorkflow when step.Fault is not null:
                EndFaulted(step, now); // another branch reached the end after a fault: the fault stands
                return false;
            case ActivityOutcomeKind.FinishWorkflow:
                CloseEverything(step, now);
                instance.Status = WorkflowStatus.Finished;
                instance.FinishedAt = now;
                step.Journal.Add(new JournalEntry(instance.Id, now, node.Id, node.Type, "WorkflowFinished", null));
                return false;
            case ActivityOutcomeKind.Suspended or ActivityOutcomeKind.Running:
                return true;
        }

        // As in Elsa 3: the activity consumes the tokens that brought it, then emits one per connection it leaves by.
        // (Loops rather than lambdas on this path: it runs for every activity of every step.)
        var tokens = instance.State.Tokens;
        for (var i = tokens.Count - 1; i >= 0; i--)
        {
            if (tokens[i].To == node.Id && tokens[i].Scope == scope)
            {
                tokens.RemoveAt(i);
            }
        }

        var ports = outcome.Ports;
        for (var p = 0; p < ports.Count; p++)
        {
            var connections = definition.Outgoing(node.Id, ports[p]);
            for (var c = 0; c < connections.Count; c++)
            {
                var connection = connections[c];
                tokens.Add(new FlowToken(connection.Source, connection.SourcePort, connection.Target, connection.Index, scope));
            }
        }

        for (var p = 0; p < ports.Count; p++)
        {
            var connections = definition.Outgoing(node.Id, ports[p]);
            for (var c = 0; c < connections.Count; c++)
            {
                MoveInto(definition, step, connections[c], scope, now, evaluator);
            }
        }

        ReleaseStreams(definition, instance, evaluator);
        return true;
    }

    /// <summary>Queues the target of a connection a token was just emitted on, when its merge mode lets it run.</summary>
    private static void MoveInto(WorkflowDefinition definition, ExecutionStep step, FlowConnection connection, string? scope, DateTimeOffset now, ExpressionEvaluator evaluator)
    {
        var instance = step.Instance;
        {
            var target = definition.Activity(connection.Target);
            var mode = MergeModes.Of(target, evaluator.Text);
            if (mode != MergeMode.Cascade && IsQueued(instance.State, target.Id, scope))
            {
                return; // already on its way: a merge continues once per activation
            }

            if (mode == MergeMode.Race)
            {
                CancelBranchesInto(definition, step, target.Id, scope, now);
            }

            if (mode is MergeMode.Cascade or MergeMode.Race || IsReady(definition, instance, target.Id, mode, scope))
            {
                instance.State.Queue.Add(new WorkItem(target.Id, connection.Index, scope));
            }
        }
    }

    private static bool IsQueued(InstanceState state, string activityId, string? scope)
    {
        foreach (var item in state.Queue)
        {
            if (item.ActivityId == activityId && item.Scope == scope)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A Stream merge held back by a branch still running goes on once that branch is over, even when the
    /// branch ended elsewhere (a port not connected to the merge, a branch cancelled).
    /// </summary>
    private static void ReleaseStreams(WorkflowDefinition definition, WorkflowInstance instance, ExpressionEvaluator evaluator)
    {
        var state = instance.State;
        // By index, without a copy: an activity queued here is seen by the later tokens' check. Usually every token's
        // activity is queued already and nothing is allocated.
        var count = state.Tokens.Count;
        for (var i = 0; i < count; i++)
        {
            var token = state.Tokens[i];
            if (IsQueued(state, token.To, token.Scope) || SeenBefore(state.Tokens, i)
                || IsWaiting(instance, token.To, token.Scope) || RunsScope(state, token.To, token.Scope))
            {
                continue; // on its way, waiting, or running its nested flowchart: the token is the one that brought it
            }

            var target = definition.Activity(token.To);
            if (MergeModes.Of(target, evaluator.Text) == MergeMode.Stream && IsReady(definition, instance, target.Id, MergeMode.Stream, token.Scope))
            {
                state.Queue.Add(new WorkItem(target.Id, token.Connection, token.Scope));
            }
        }
    }

    /// <summary>True when the activity has a bookmark in the run-time scope.</summary>
    private static bool IsWaiting(WorkflowInstance instance, string activityId, string? scope)
    {
        foreach (var bookmark in instance.Bookmarks)
        {
            if (bookmark.ActivityId == activityId && ScopeOf(instance.State, bookmark) == scope)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the activity, running in <paramref name="scope"/>, has a run-time scope of its own still running (its nested flowchart, its iterations).</summary>
    private static bool RunsScope(InstanceState state, string activityId, string? scope)
    {
        if (state.Scopes.Count == 0)
        {
            return false;
        }

        foreach (var running in state.Scopes.Values)
        {
            if (running.Owner == activityId && running.Parent == scope)
            {
                return true;
            }
        }

        return false;
    }

    private static void RemoveTokensIn(List<FlowToken> tokens, string scope)
    {
        for (var i = tokens.Count - 1; i >= 0; i--)
        {
            if (tokens[i].Scope == scope)
            {
                tokens.RemoveAt(i);
            }
        }
    }

    /// <summary>True when an earlier token goes to the same activity in the same scope.</summary>
    private static bool SeenBefore(List<FlowToken> tokens, int index)
    {
        var token = tokens[index];
        for (var i = 0; i < index; i++)
        {
            if (tokens[i].To == token.To && tokens[i].Scope == token.Scope)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the tokens waiting at an activity let it run in its merge mode.</summary>
    private static bool IsReady(WorkflowDefinition definition, WorkflowInstance instance, string target, MergeMode mode, string? scope)
    {
        switch (mode)
        {
            case MergeMode.Converge or MergeMode.Merge:
                return AllBranchesArrived(definition, instance.State.Tokens, scope, target, mode);
            default:
                // Stream: go on unless a branch leading here is still running: an activity upstream has a token waiting or is queued.
                // (Loops rather than lambdas: this runs for every connection a token moves along.)
                var upstream = definition.ForwardAncestors(target);
                foreach (var token in instance.State.Tokens)
                {
                    if (token.Scope == scope && upstream.Contains(token.To))
                    {
                        return false;
                    }
                }

                foreach (var item in instance.State.Queue)
                {
                    if (item.Scope == scope && upstream.Contains(item.ActivityId))
                    {
                        return false;
                    }
                }

                return true;
        }
    }

    /// <summary>Converge: a token on every inbound connection; Merge: on a connection from every activity connected forward into the target.</summary>
    private static bool AllBranchesArrived(WorkflowDefinition definition, List<FlowToken> all, string? scope, string target, MergeMode mode)
    {
        var tokens = all.FindAll(t => t.Scope == scope);
        var inbound = definition.Incoming(target);
        if (mode == MergeMode.Converge)
        {
            return inbound.Count <= 1 || inbound.All(c => tokens.Exists(t => t.Connection == c.Index));
        }

        var branches = inbound.Where(c => !definition.IsBackward(c)).GroupBy(c => c.Source, StringComparer.Ordinal).ToList();
        return branches.Count <= 1 || branches.All(branch => branch.Any(c => tokens.Exists(t => t.Connection == c.Index)));
    }

    /// <summary>Turns the FlowJoin arrivals of an instance saved before tokens into tokens, once.</summary>
    private static void UpgradeJoins(WorkflowDefinition definition, InstanceState state)
    {
        if (state.Joins is not { } joins)
        {
            return;
        }

        foreach (var (joinId, join) in joins)
        {
            foreach (var connection in definition.Incoming(joinId).Where(c => join.Arrived.Contains(c.Index)))
            {
                state.Tokens.Add(new FlowToken(connection.Source, connection.SourcePort, joinId, connection.Index));
            }
        }

        state.Joins = null;
    }

    private static void Settle(ExecutionStep step)
    {
        var instance = step.Instance;
        if (instance.Status == WorkflowStatus.Running && instance.State.Queue.Count == 0)
        {
            var now = step.Journal.Count > 0 ? step.Journal[^1].At : instance.UpdatedAt;
            if (instance.Bookmarks.Count > 0)
            {
                instance.Status = WorkflowStatus.Suspended;
            }
            else
            {
                instance.Status = WorkflowStatus.Finished;
                instance.FinishedAt = now;
                instance.State.Tokens.Clear(); // tokens left at a merge that never ran (Converge on a branch not taken)
                instance.State.Scopes.Clear();
                step.Journal.Add(new JournalEntry(instance.Id, now, null, null, "WorkflowFinished", null));
            }
        }

        instance.UpdatedAt = step.Journal.Count > 0 ? step.Journal[^1].At : instance.UpdatedAt;
    }

    /// <summary>Ends the instance at once (the step limit, a child that cannot start): nothing else of the step runs.</summary>
    private static void Fault(ExecutionStep step, ActivityNode node, ErrorKind kind, string? path, string description, DateTimeOffset now)
    {
        RecordFault(step, node, kind, path, description, now);
        EndFaulted(step, now);
    }

    /// <summary>
    /// An activity faulted, as Elsa 3's default incident strategy (FaultStrategy) handles it: the instance is faulted, but
    /// the work already scheduled in the step still runs, and what it schedules, until nothing is left (Elsa's scheduler
    /// loop does not stop at a fault): other branches of a fork, the other iterations of an Elsa.ParallelForEach. The
    /// faulted activity completes nothing, so nothing after it runs and its run-time scope never completes. The step ends
    /// the instance Faulted with the first fault (<see cref="EndFaulted"/>); later ones only go to the journal.
    /// </summary>
    private static void RaiseFault(ExecutionStep step, ActivityNode node, string? scope, WorkflowFaultException ex, DateTimeOffset now)
    {
        RecordFault(step, node, ex.Kind, ex.Path, ex.Description, now);
        if (scope is not null)
        {
            (step.FaultedScopes ??= new HashSet<string>(StringComparer.Ordinal)).Add(scope);
        }
    }

    /// <summary>The fault names the activity and the path at fault in zh-TW; the step keeps the code for the log. The first fault of a step is the instance's.</summary>
    private static void RecordFault(ExecutionStep step, ActivityNode node, ErrorKind kind, string? path, string description, DateTimeOffset now)
    {
        var instance = step.Instance;
        if (step.Fault is null)
        {
            instance.Fault = path is null ? $"活動「{node.DisplayName}」出錯：{description}" : $"活動「{node.DisplayName}」在 {path} 出錯：{description}";
            step.Fault = new StepFault(kind.Code, node.Id, path);
        }

        step.Journal.Add(new JournalEntry(instance.Id, now, node.Id, node.Type, "Faulted", path is null ? description : $"{path}：{description}"));
    }

    /// <summary>Ends a faulted instance: whatever still waits (bookmarks, tasks) is cancelled.</summary>
    private static void EndFaulted(ExecutionStep step, DateTimeOffset now)
    {
        var instance = step.Instance;
        instance.Status = WorkflowStatus.Faulted;
        instance.FinishedAt = now;
        CloseEverything(step, now);
    }

    private static void CloseEverything(ExecutionStep step, DateTimeOffset now)
    {
        var instance = step.Instance;
        foreach (var bookmark in instance.Bookmarks)
        {
            step.RemovedBookmarks.Add(bookmark);
            if (bookmark.TaskId is { } taskId)
            {
                step.ClosedTasks.Add(new TaskClosure(taskId, HumanTaskStatus.Cancelled, null, now));
            }
        }

        instance.Bookmarks.Clear();
        instance.State.Queue.Clear();
        instance.State.Tokens.Clear();
        instance.State.Scopes.Clear();
        instance.State.BookmarkScopes.Clear();
    }

    /// <summary>Cancels the other branches running into an activity that won a race (Race, FlowJoin WaitAny): their work, tokens, bookmarks and tasks.</summary>
    private static void CancelBranchesInto(WorkflowDefinition definition, ExecutionStep step, string joinId, string? scope, DateTimeOffset now)
    {
        var upstream = Upstream(definition, joinId);
        var instance = step.Instance;
        var state = instance.State;
        state.Queue.RemoveAll(item => item.Scope == scope && upstream.Contains(item.ActivityId));
        state.Tokens.RemoveAll(token => token.Scope == scope && upstream.Contains(token.To));
        foreach (var bookmark in instance.Bookmarks.Where(b => ScopeOf(state, b) == scope && upstream.Contains(b.ActivityId)).ToList())
        {
            RemoveBookmark(step, bookmark, now);
            step.Journal.Add(new JournalEntry(instance.Id, now, bookmark.ActivityId, null, "BranchCancelled", $"by join {joinId}"));
        }

        // A nested flowchart (or parallel iterations) on a losing branch is cancelled with all it runs.
        foreach (var inner in state.Scopes.Values.Where(s => s.Parent == scope && upstream.Contains(s.Owner)).Select(s => s.Id).ToList())
        {
            CancelScope(step, inner, now, $"by join {joinId}", keepScope: false);
        }
    }

    private static HashSet<string> Upstream(WorkflowDefinition definition, string activityId)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(activityId);
        while (pending.Count > 0)
        {
            foreach (var connection in definition.Incoming(pending.Pop()))
            {
                if (connection.Source != activityId && seen.Add(connection.Source))
                {
                    pending.Push(connection.Source);
                }
            }
        }

        return seen;
    }

    /// <summary>Names a cycle through an activity, for the runaway-loop message: "a → b → a".</summary>
    private static string LoopThrough(WorkflowDefinition definition, string activityId)
    {
        var previous = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        queue.Enqueue(activityId);
        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            foreach (var connection in definition.AllOutgoing(current))
            {
                if (connection.Target == activityId)
                {
                    var path = new List<string> { activityId };
                    for (var at = current; at != activityId; at = previous[at])
                    {
                        path.Insert(1, at);
                    }

                    path.Add(activityId);
                    return string.Join(" → ", path);
                }

                if (previous.TryAdd(connection.Target, current))
                {
                    queue.Enqueue(connection.Target);
                }
            }
        }

        return activityId;
    }
}
