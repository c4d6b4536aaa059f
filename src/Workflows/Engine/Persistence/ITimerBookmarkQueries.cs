namespace AntiDrugFlow.Workflows.Persistence;

/// <summary>A timer bookmark and when it is due: what a scheduler needs to keep a trigger for it.</summary>
public sealed record TimerBookmark(string InstanceId, string BookmarkId, DateTimeOffset DueAt);

/// <summary>The timer bookmarks, the truth a scheduler's triggers are reconciled with.</summary>
public interface ITimerBookmarkQueries
{
    Task<IReadOnlyList<TimerBookmark>> ListTimerBookmarksAsync(CancellationToken cancellationToken);

    /// <summary>When the next timer or cron trigger is due; null when none waits.</summary>
    Task<DateTimeOffset?> NextTimerDueAsync(CancellationToken cancellationToken);
}
