using System.Globalization;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Models;

namespace AntiDrugFlow.Workflows.Runtime;

/// <summary>What an activity may read and do while it runs: inputs, variables, bookmarks, tasks, outbox, journal.</summary>
public sealed class ActivityExecutionContext
{
    private readonly ExecutionStep _step;
    private readonly ExpressionEvaluator _expressions;

    internal ActivityExecutionContext(WorkflowDefinition definition, ActivityNode node, WorkItem item, ExecutionStep step, ExpressionEvaluator expressions, DateTimeOffset now, CancellationToken cancellationToken)
    {
        Definition = definition;
        Node = node;
        Item = item;
        _step = step;
        _expressions = expressions;
        Now = now;
        CancellationToken = cancellationToken;
    }

    /// <summary>
    /// Points the context at the next activity of the same step: the executor runs one activity at a time and no
    /// activity keeps its context once it has returned, so a step needs one context, not one per activity.
    /// </summary>
    internal ActivityExecutionContext For(ActivityNode node, WorkItem item, DateTimeOffset now)
    {
        Node = node;
        Item = item;
        Now = now;
        return this;
    }

    public WorkflowDefinition Definition { get; }

    public ActivityNode Node { get; private set; }

    public WorkItem Item { get; private set; }

    /// <summary>The run-time scope the activity runs in (a nested flowchart's run, a parallel iteration); null in the root flowchart.</summary>
    public string? Scope => Item.Scope;

    public WorkflowInstance Instance => _step.Instance;

    public DateTimeOffset Now { get; private set; }

    public CancellationToken CancellationToken { get; }

    /// <summary>The input's value as evaluated, or null when the definition does not set it.</summary>
    public JsonNode? Evaluate(InputDescriptor input)
    {
        var spec = Node.Input(input.Name);
        return spec is null ? null : JsonValues.Coerce(_expressions.Evaluate(spec), spec.TypeName);
    }

    public JsonNode? Evaluate(ExpressionSpec spec) => JsonValues.Coerce(_expressions.Evaluate(spec), spec.TypeName);

    /// <summary>True when the definition sets the input, whatever its value.</summary>
    public bool Has(InputDescriptor input) => Node.HasInput(input.Name);

    /// <summary>The text, or null when unset; a number or JSON value is read as its JSON text.</summary>
    public string? Get(Input<string> input)
    {
        var spec = Node.Input(input.Name);
        if (spec is { Type: ExpressionTypes.Literal, TypeName: null or "String", Value: JsonValue literal } && literal.GetValueKind() == System.Text.Json.JsonValueKind.String)
        {
            return literal.GetValue<string>(); // a literal text is read as it is, without a copy to evaluate
        }

        return spec is null ? null : JsonValues.AsString(JsonValues.Coerce(_expressions.Evaluate(spec), spec.TypeName));
    }

    /// <summary>The text, faulting when it is unset or empty.</summary>
    public string Require(Input<string> input) =>
        Get(input) is { Length: > 0 } text ? text : throw new ExpressionException(FaultKinds.ValueRequired, Where(input));

    /// <summary>The condition; unset is false.</summary>
    public bool Get(Input<bool> input) => JsonValues.AsBool(Evaluate(input), Where(input));

    public TimeSpan Get(Input<TimeSpan> input) => JsonValues.AsTimeSpan(Evaluate(input), Where(input));

    public DateTimeOffset Get(Input<DateTimeOffset> input) => JsonValues.AsDateTimeOffset(Evaluate(input), Where(input));

    /// <summary>The object, or null when unset or not an object.</summary>
    public JsonObject? Get(Input<JsonObject> input) => Evaluate(input) as JsonObject;

    /// <summary>The array, or null when unset or not an array.</summary>
    public JsonArray? Get(Input<JsonArray> input) => Evaluate(input) as JsonArray;

    public JsonNode? Get(Input<JsonNode> input) => Evaluate(input);

    /// <summary>The variable's id or name as the definition wrote it, or null when it names none.</summary>
    public VariableReference? Get(Input<VariableReference> input) =>
        VariableName(input) is { } name ? new VariableReference(name) : null;

    /// <summary>The variable's id or name as the definition wrote it, or null when it names none (without a reference object).</summary>
    public string? VariableName(Input<VariableReference> input) => ExpressionEvaluator.VariableName(Node.Raw(input.Name));

    /// <summary>The JSON path of the input, for faults.</summary>
    public string Where(InputDescriptor input) => $"{Node.JsonPath}.{input.Name}";

    public JsonNode? GetVariable(string name) => _expressions.Scope.Get(name);

    public void SetVariable(string name, JsonNode? value) => _expressions.Scope.Set(name, value);

    /// <summary>Writes an output where the definition bound it: <c>{"memoryReference":{"id":VARIABLE}}</c>, as in Elsa.</summary>
    public void SetOutput(string output, JsonNode? value)
    {
        if (Node.Raw(output) is JsonObject binding && binding["memoryReference"] is JsonObject reference && JsonValues.AsString(reference["id"]) is { } id)
        {
            var variable = Definition.FindVariable(id);
            SetVariable(variable?.Name ?? id, value?.DeepClone());
        }
    }

    public void WriteLine(string text)
    {
        _step.Lines.Add(text);
        Journal("WriteLine", text);
    }

    public void Journal(string eventName, string? message) =>
        _step.Journal.Add(new JournalEntry(Instance.Id, Now, Node.Id, Node.Type, eventName, message));

    public Bookmark CreateBookmark(BookmarkKind kind, string name, string? correlationId = null, DateTimeOffset? dueAt = null, JsonNode? payload = null, string? taskId = null)
    {
        var bookmark = new Bookmark(NewId(), Instance.Id, Node.Id, kind, name, correlationId, dueAt, taskId, payload, Now);
        Instance.Bookmarks.Add(bookmark);
        if (Scope is { } scope)
        {
            Instance.State.BookmarkScopes[bookmark.Id] = scope;
        }

        _step.AddedBookmarks.Add(bookmark);
        return bookmark;
    }

    /// <summary>Removes bookmarks this instance no longer waits on (e.g. a task's deadline once the task is done); their tasks are cancelled.</summary>
    public void RemoveBookmarks(Func<Bookmark, bool> which)
    {
        foreach (var bookmark in Instance.Bookmarks.Where(which).ToList())
        {
            Instance.Bookmarks.Remove(bookmark);
            Instance.State.BookmarkScopes.Remove(bookmark.Id);
            _step.RemovedBookmarks.Add(bookmark);
            if (bookmark.TaskId is { } taskId)
            {
                _step.ClosedTasks.Add(new TaskClosure(taskId, HumanTaskStatus.Cancelled, null, Now));
            }
        }
    }

    /// <summary>
    /// Starts a run of what this activity contains (its nested flowchart, its body) in a new run-time scope inside
    /// the activity's own, with variables only that run sees; null when the activity contains nothing to run.
    /// The executor calls <see cref="IActivity.ScopeCompletedAsync"/> once the run has nothing left to do.
    /// </summary>
    public string? StartScope(JsonObject? locals = null)
    {
        if ((TriggerChild() ?? Definition.StartOf(Node.Id)) is not { } start)
        {
            return null;
        }

        var id = NewId();
        Instance.State.Scopes[id] = new RunScope(id, Node.Id, Scope, locals);
        Instance.State.Queue.Add(new WorkItem(start, null, id));
        return id;
    }

    /// <summary>
    /// The trigger that started the instance when it is one of this container's own children (an <c>Elsa.Cron</c> with
    /// <c>canStartWorkflow</c> inside a nested flowchart): as Elsa's flowchart starts at the trigger activity when it holds
    /// it, the run starts there rather than at its usual start. Null otherwise, and once the trigger has run (it clears it).
    /// </summary>
    private string? TriggerChild() =>
        Instance.State.Trigger is { } trigger && JsonValues.AsString(trigger["activityId"]) is { } id
        && Definition.FindActivity(id) is { } node && node.Container == Node.Id ? id : null;

    /// <summary>
    /// The key of a loop activity's state in <see cref="InstanceState.Loops"/>: its id, and in a nested run-time scope the
    /// scope's too, so parallel iterations looping through the same activity keep positions of their own.
    /// </summary>
    public string LoopKey(string activityId) => Scope is null ? activityId : activityId + "@" + Scope;

    /// <summary>The run-time scopes this activity started that still run.</summary>
    public int RunningScopes => Instance.State.Scopes.Values.Count(s => s.Owner == Node.Id && s.Parent == Scope);

    /// <summary>A human task and the bookmark its completion resumes.</summary>
    public HumanTask CreateTask(string taskName, JsonNode? payload)
    {
        var taskId = NewId();
        var bookmark = CreateBookmark(BookmarkKind.Task, taskName, Instance.CorrelationId, null, payload, taskId);
        var task = new HumanTask(taskId, Instance.Id, bookmark.Id, Node.Id, taskName, payload?.DeepClone(), HumanTaskStatus.Pending, Now);
        _step.NewTasks.Add(task);
        return task;
    }

    /// <summary>Queues a side effect in the step's outbox, with a key stable across a replay of the same step.</summary>
    public OutboxMessage Enqueue(string kind, JsonObject payload)
    {
        var sequence = ++Instance.State.OutboxSequence;
        var key = string.Create(CultureInfo.InvariantCulture, $"{Instance.Id}:{Node.Id}:{sequence}");
        var message = new OutboxMessage(Guid.CreateVersion7(Now), Instance.Id, kind, key, payload, Now);
        _step.Outbox.Add(message);
        return message;
    }

    internal ExecutionStep Step => _step;

    /// <summary>True when the activity was entered by a connection that loops back (a loop body's way back into its loop).</summary>
    public bool EnteredByLoopBack => Item.ViaConnection is int via && Definition.Connections.FirstOrDefault(c => c.Index == via) is { } connection && Definition.IsBackward(connection);

    /// <summary>Runs another activity of the flowchart next, without a connection (a Break sends its loop on to Done).</summary>
    public void Schedule(string activityId) => Instance.State.Queue.Add(new WorkItem(activityId, null, Scope));

    private static string NewId() => Guid.CreateVersion7().ToString("N");
}
