using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Services;

/// <summary>
/// Fires timer bookmarks when they come due. The bookmark table is the truth; a scheduler is told
/// after each commit which timers appeared or went, so it can plan its wake-ups.
/// </summary>
public interface IWorkflowScheduler
{
    ValueTask TimersChangedAsync(IReadOnlyList<Bookmark> added, IReadOnlyList<Bookmark> removed, CancellationToken cancellationToken);
}

/// <summary>For runs with nothing to wake (the command line's in-memory run).</summary>
public sealed class NoScheduler : IWorkflowScheduler
{
    public ValueTask TimersChangedAsync(IReadOnlyList<Bookmark> added, IReadOnlyList<Bookmark> removed, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
