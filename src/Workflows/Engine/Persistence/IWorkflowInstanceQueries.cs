using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Persistence;

/// <summary>What pages and APIs read of instances; nothing here locks or writes.</summary>
public interface IWorkflowInstanceQueries
{
    Task<IReadOnlyList<InstanceSummary>> ListInstancesAsync(InstanceFilter filter, CancellationToken cancellationToken);

    /// <summary>An instance with its bookmarks, as last committed; null when it does not exist.</summary>
    Task<WorkflowInstance?> GetAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>The instances this one started as sub-workflows (each names it as its parent), oldest first.</summary>
    Task<IReadOnlyList<InstanceSummary>> ListChildrenAsync(string parentInstanceId, CancellationToken cancellationToken);

    Task<IReadOnlyList<JournalEntry>> JournalAsync(string instanceId, CancellationToken cancellationToken);
}
