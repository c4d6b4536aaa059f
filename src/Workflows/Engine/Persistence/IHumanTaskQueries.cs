using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Persistence;

/// <summary>What pages and APIs read of human tasks; completing one goes through the runtime.</summary>
public interface IHumanTaskQueries
{
    Task<HumanTask?> GetTaskAsync(string taskId, CancellationToken cancellationToken);

    /// <summary>The tasks with these ids that exist, in one query, in no particular order.</summary>
    Task<IReadOnlyList<HumanTask>> GetTasksAsync(IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken);

    /// <summary>Tasks by status and instance (either may be null for all), oldest first, at most 500.</summary>
    Task<IReadOnlyList<HumanTask>> ListTasksAsync(HumanTaskStatus? status, string? instanceId, CancellationToken cancellationToken);

    /// <summary>
    /// One page of the tasks routed to one agency (its inbox), by the agency id in the task's payload: by the payload's
    /// <c>dueAt</c>, earliest first (tasks without one last), then by id, skipping <paramref name="offset"/> and taking at
    /// most <paramref name="limit"/>; with how many tasks match in all.
    /// </summary>
    Task<HumanTaskPage> ListTasksForAgencyAsync(string agencyId, HumanTaskStatus status, int offset, int limit, CancellationToken cancellationToken);
}

/// <summary>A page of tasks and how many tasks the query matches in all, whatever the page.</summary>
public sealed record HumanTaskPage(IReadOnlyList<HumanTask> Tasks, int Total);
