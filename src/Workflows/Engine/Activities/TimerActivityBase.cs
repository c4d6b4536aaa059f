using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>Base for activities that wait until a point in time.</summary>
public abstract class TimerActivityBase : IActivity
{
    public abstract string TypeName { get; }

    public abstract IReadOnlyList<InputDescriptor> Inputs { get; }

    public bool CanWait => true;

    public virtual ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var dueAt = DueAt(context);
        context.CreateBookmark(BookmarkKind.Timer, TypeName, context.Instance.CorrelationId, dueAt);
        return ValueTask.FromResult(ActivityOutcome.Suspended);
    }

    protected abstract DateTimeOffset DueAt(ActivityExecutionContext context);
}
