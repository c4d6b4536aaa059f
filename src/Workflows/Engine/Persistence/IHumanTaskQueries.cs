using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Persistence;

/// <summary>What pages and APIs read of human tasks; completing one goes through the runtime.</summary>
public interface IHumanTaskQueries
{
    Task<HumanTask?> GetTaskAsync(string taskId, CancellationToken cancellationToken);

    /// <summary>Tasks by status and instance (either may be null for all), oldest first, at most 500.</summary>
    Task<IReadOnlyList<HumanTask>> ListTasksAsync(HumanTaskStatus? status, string? instanceId, CancellationToken cancellationToken);

    /// <summary>The tasks routed to one agency (its inbox), by the agency id in the task's payload.</summary>
    Task<IReadOnlyList<HumanTask>> ListTasksForAgencyAsync(string agencyId, HumanTaskStatus status, CancellationToken cancellationToken);
}
