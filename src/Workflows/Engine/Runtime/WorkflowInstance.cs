using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AntiDrugFlow.Workflows.Runtime;

public enum WorkflowStatus
{
    /// <summary>Accepted, with work queued that no host has finished yet.</summary>
    Running,

    /// <summary>Waiting on bookmarks: a timer, an event or a task.</summary>
    Suspended,
    Finished,
    Faulted,
    Cancelled,
}

/// <summary>
/// A token on its way to an activity; <see cref="ViaConnection"/> tells a join which inbound connection it came by,
/// <see cref="Scope"/> the run-time scope it runs in (null: the root flowchart).
/// </summary>
public sealed record WorkItem(
    string ActivityId,
    int? ViaConnection,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Scope = null);

/// <summary>
/// A token on a connection, in Elsa 3's sense: emitted when the source completes through the port, consumed when
/// the target completes. Merge modes decide from the tokens waiting at an activity whether it runs. Tokens of one
/// run-time <see cref="Scope"/> never meet those of another.
/// </summary>
public sealed record FlowToken(
    string From,
    string Port,
    string To,
    int Connection,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Scope = null);

/// <summary>
/// A run-time scope: one run of a nested flowchart or body (<c>Elsa.Flowchart</c> inside a flowchart, <c>Elsa.FlowNode</c>,
/// one iteration of <c>Elsa.ParallelForEach</c>), started by <see cref="Owner"/> running in <see cref="Parent"/>. Its
/// tokens, joins and completion are its own; when nothing in it runs or waits any more it completes and its owner
/// goes on. <see cref="Locals"/> are variables only its activities see (an iteration's <c>CurrentValue</c>).
/// </summary>
public sealed record RunScope(
    string Id,
    string Owner,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Parent,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonObject? Locals = null);

/// <summary>The arrivals at a FlowJoin as instances saved before tokens kept them; read once and turned into tokens.</summary>
public sealed class JoinState
{
    public HashSet<int> Arrived { get; init; } = [];

    public bool Fired { get; set; }
}

/// <summary>
/// A running workflow. Everything here is saved in one transaction per step: the fields as columns,
/// <see cref="State"/> as JSON, and the bookmarks in a table of their own.
/// </summary>
public sealed class WorkflowInstance
{
    public required string Id { get; init; }

    public required string DefinitionId { get; init; }

    public required string DefinitionVersionId { get; init; }

    public required int Version { get; init; }

    public WorkflowStatus Status { get; set; }

    public string? CorrelationId { get; init; }

    public string? Fault { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public InstanceState State { get; init; } = new();

    public List<Bookmark> Bookmarks { get; init; } = [];

    /// <summary>The instance that started this one as a sub-workflow; null for an instance started on its own.</summary>
    public ParentLink? Parent { get; set; }

    public bool IsEnded => Status is WorkflowStatus.Finished or WorkflowStatus.Faulted or WorkflowStatus.Cancelled;
}

/// <summary>The part of an instance saved as one JSON document.</summary>
public sealed class InstanceState
{
    [JsonPropertyName("variables")]
    public Dictionary<string, JsonNode?> Variables { get; init; } = new(StringComparer.Ordinal);

    [JsonPropertyName("input")]
    public JsonObject Input { get; init; } = [];

    [JsonPropertyName("output")]
    public JsonObject Output { get; init; } = [];

    [JsonPropertyName("queue")]
    public List<WorkItem> Queue { get; init; } = [];

    /// <summary>Tokens emitted and not yet consumed: the flowchart's memory of which branches reached an activity.</summary>
    [JsonPropertyName("tokens")]
    public List<FlowToken> Tokens { get; init; } = [];

    /// <summary>The run-time scopes alive, by id (nested flowcharts running, parallel iterations).</summary>
    [JsonPropertyName("scopes")]
    public Dictionary<string, RunScope> Scopes { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The run-time scope of each bookmark made inside one, by bookmark id; a bookmark not listed waits in the root.</summary>
    [JsonPropertyName("bookmarkScopes")]
    public Dictionary<string, string> BookmarkScopes { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Loop activities' state (Elsa.ForEach's position, a Break asked of a loop), by activity id.</summary>
    [JsonPropertyName("loops")]
    public Dictionary<string, JsonObject> Loops { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Only in instances saved before <see cref="Tokens"/>; the executor turns it into tokens.</summary>
    [JsonPropertyName("joins")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public Dictionary<string, JoinState>? Joins { get; set; }

    /// <summary>Numbers the instance's outbox messages, so a replayed step produces the same idempotency keys.</summary>
    [JsonPropertyName("outboxSequence")]
    public int OutboxSequence { get; set; }

    /// <summary>The outcomes an <c>Elsa.Complete</c> finished the workflow with; a parent using it as an activity leaves by them.</summary>
    [JsonPropertyName("outcomes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Outcomes { get; set; }

    /// <summary>
    /// What started the instance, for its trigger activity to read once (an HTTP request for an
    /// <c>Elsa.HttpEndpoint</c>): <c>{"activityId":…, "payload":…}</c>. The activity clears it.
    /// </summary>
    [JsonPropertyName("trigger")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonObject? Trigger { get; set; }
}

/// <summary>
/// A child instance's link to its parent: the parent instance, the parent's activity that started it, and when
/// the parent waits to be told of the child. Saved as columns of the child's row.
/// </summary>
public sealed record ParentLink(string InstanceId, string ActivityId, ParentWaits Waits);

/// <summary>When a child tells its parent about itself (through the outbox, which resumes the parent's bookmark once).</summary>
public enum ParentWaits
{
    /// <summary>The parent does not wait (a dispatch without waiting), or has been told already.</summary>
    None,

    /// <summary>Once the child has finished, faulted or been cancelled.</summary>
    Completion,

    /// <summary>Once the child's first run is over: it waits on something, or has ended (Elsa.ExecuteWorkflow without waiting).</summary>
    Idle,
}

public enum BookmarkKind
{
    Timer,
    Event,
    Task,

    /// <summary>A parent waiting for a child instance, named by the child's id.</summary>
    Workflow,
}

/// <summary>A place where an instance waits: a timer (with <see cref="DueAt"/>), an event name, or a human task.</summary>
public sealed record Bookmark(
    string Id,
    string InstanceId,
    string ActivityId,
    BookmarkKind Kind,
    string Name,
    string? CorrelationId,
    DateTimeOffset? DueAt,
    string? TaskId,
    JsonNode? Payload,
    DateTimeOffset CreatedAt);

public enum HumanTaskStatus
{
    Pending,
    Completed,
    Cancelled,
}

/// <summary>A task for a person (Elsa.RunTask): its completion resumes the bookmark it belongs to.</summary>
public sealed record HumanTask(
    string Id,
    string InstanceId,
    string BookmarkId,
    string ActivityId,
    string TaskName,
    JsonNode? Payload,
    HumanTaskStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ClosedAt = null,
    JsonNode? Result = null);

/// <summary>A side effect to deliver after the step commits: an email or an HTTP request. No instance for a message a job sends (a milestone reminder).</summary>
public sealed record OutboxMessage(
    Guid Id,
    string? InstanceId,
    string Kind,
    string IdempotencyKey,
    JsonObject Payload,
    DateTimeOffset CreatedAt);

public static class OutboxKinds
{
    public const string Email = "email";
    public const string Http = "http";

    /// <summary>An Elsa.PublishEvent: delivered by resuming the instances that wait for it.</summary>
    public const string Event = "event";

    /// <summary>Starts another workflow; the message's key becomes the new instance's id, so a repeat starts nothing.</summary>
    public const string StartWorkflow = "start-workflow";

    /// <summary>A child instance tells its parent it finished (or went idle): resumes the parent's bookmark for that child, once.</summary>
    public const string ResumeParent = "resume-parent";
}

public sealed record JournalEntry(
    string InstanceId,
    DateTimeOffset At,
    string? ActivityId,
    string? ActivityType,
    string Event,
    string? Message);

/// <summary>A closed task: completed with a result, or cancelled because its branch was cancelled.</summary>
public sealed record TaskClosure(string TaskId, HumanTaskStatus Status, JsonNode? Result, DateTimeOffset At);

/// <summary>Everything one step changed; a store saves it in one transaction.</summary>
public sealed class ExecutionStep
{
    public required WorkflowInstance Instance { get; init; }

    public List<Bookmark> AddedBookmarks { get; } = [];

    public List<Bookmark> RemovedBookmarks { get; } = [];

    public List<HumanTask> NewTasks { get; } = [];

    public List<TaskClosure> ClosedTasks { get; } = [];

    public List<OutboxMessage> Outbox { get; } = [];

    public List<JournalEntry> Journal { get; } = new(16); // a short run's lines without growing

    /// <summary>Texts of Elsa.WriteLine, in order.</summary>
    public List<string> Lines { get; } = [];

    /// <summary>The answer an <c>Elsa.WriteHttpResponse</c> recorded in this step, for the host to write to the request that ran it; not stored.</summary>
    public HttpResponseRecord? HttpResponse { get; set; }

    /// <summary>Set when the step faulted the instance; not stored (the instance's fault text is).</summary>
    public StepFault? Fault { get; set; }

    /// <summary>The run-time scopes in which an activity faulted during the step: they never complete (not stored; the step ends the instance).</summary>
    internal HashSet<string>? FaultedScopes { get; set; }
}

/// <summary>An HTTP answer a step recorded: status, content (text or JSON), content type and extra headers.</summary>
public sealed record HttpResponseRecord(int StatusCode, JsonNode? Content, string? ContentType, IReadOnlyDictionary<string, string> Headers);
