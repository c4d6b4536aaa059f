using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>
/// The extension point for activities: the built-in Elsa ones and the domain's AntiDrugFlow.* ones.
/// An activity is stateless; whatever it must remember lives in the instance (variables, bookmarks).
/// </summary>
public interface IActivity
{
    /// <summary>The JSON type name, e.g. <c>Elsa.WriteLine</c>.</summary>
    string TypeName { get; }

    /// <summary>The inputs it reads, each an <see cref="Input{T}"/> the activity declares once and reads through.</summary>
    IReadOnlyList<InputDescriptor> Inputs { get; }

    /// <summary>True when the activity may suspend the instance (a bookmark, a timer, a task).</summary>
    bool CanWait => false;

    /// <summary>True for a loop activity (Elsa.ForEach, Elsa.While): its <c>Iterate</c> port leads to a body that connects back, and it leaves by <c>Done</c>.</summary>
    bool IsLoop => false;

    /// <summary>True when the ports are only known at run time (a definition used as an activity leaves by the child's outcomes).</summary>
    bool AcceptsAnyPort => false;

    /// <summary>The ports connections may leave from.</summary>
    IReadOnlyList<string> OutputPorts(ActivityNode node) => Ports.Done;

    /// <summary>Checks beyond required inputs, e.g. the shape of a branch list.</summary>
    void Validate(ActivityNode node, DefinitionValidationContext context)
    {
    }

    ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context);

    /// <summary>Called when one of this activity's bookmarks is resumed.</summary>
    ValueTask<ActivityOutcome> ResumeAsync(ActivityExecutionContext context, Bookmark bookmark, JsonNode? input) =>
        ValueTask.FromResult(ActivityOutcome.Done);

    /// <summary>
    /// Called when a run-time scope this activity started (<see cref="ActivityExecutionContext.StartScope"/>) has nothing
    /// left to run or wait for; <paramref name="outcomes"/> are those an <c>Elsa.Complete</c> in it gave (empty: none).
    /// Returns <see cref="ActivityOutcome.Running"/> while other scopes it started still run.
    /// </summary>
    ValueTask<ActivityOutcome> ScopeCompletedAsync(ActivityExecutionContext context, RunScope completed, IReadOnlyList<string> outcomes) =>
        ValueTask.FromResult(outcomes.Count > 0 ? ActivityOutcome.Through(outcomes) : ActivityOutcome.Done);
}

public static class Ports
{
    public const string Iterate = "Iterate";
    public const string DoneName = "Done";
    public const string In = "In";
    public static readonly IReadOnlyList<string> Done = [DoneName];
    public static readonly IReadOnlyList<string> None = [];
}

/// <summary>What an activity did: continue through ports, wait, or finish the whole workflow.</summary>
public sealed record ActivityOutcome(ActivityOutcomeKind Kind, IReadOnlyList<string> Ports)
{
    public static readonly ActivityOutcome Done = new(ActivityOutcomeKind.Completed, Activities.Ports.Done);
    public static readonly ActivityOutcome Suspended = new(ActivityOutcomeKind.Suspended, Activities.Ports.None);
    public static readonly ActivityOutcome EndOfBranch = new(ActivityOutcomeKind.Completed, Activities.Ports.None);
    public static readonly ActivityOutcome FinishWorkflow = new(ActivityOutcomeKind.FinishWorkflow, Activities.Ports.None);

    /// <summary>The activity runs on in scopes it started (a nested flowchart, parallel iterations); it completes when they do.</summary>
    public static readonly ActivityOutcome Running = new(ActivityOutcomeKind.Running, Activities.Ports.None);

    public static ActivityOutcome Through(params string[] ports) => new(ActivityOutcomeKind.Completed, ports);

    public static ActivityOutcome Through(IReadOnlyList<string> ports) => new(ActivityOutcomeKind.Completed, ports);
}

public enum ActivityOutcomeKind
{
    Completed,
    Suspended,

    /// <summary>
    /// Ends the flowchart the activity is in (Elsa.End, Elsa.Complete): the workflow when it is the root, else the
    /// nested flowchart, whose owner goes on.
    /// </summary>
    FinishWorkflow,

    /// <summary>Waits for run-time scopes the activity started; see <see cref="IActivity.ScopeCompletedAsync"/>.</summary>
    Running,
}
