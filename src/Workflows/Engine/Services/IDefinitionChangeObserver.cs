using Npgsql;

namespace AntiDrugFlow.Workflows.Services;

/// <summary>What happened to a definition's versions.</summary>
public enum DefinitionChangeKind
{
    /// <summary>A draft was created or written over.</summary>
    Saved,
    Published,
    Retracted,
    Deleted,
}

/// <summary>One change to a definition: the version it touched, when there is one.</summary>
public sealed record DefinitionChanged(DefinitionChangeKind Kind, string DefinitionId, string? VersionId, int? Version);

/// <summary>
/// Told of every change to a definition inside the transaction that makes it, so a record of the change
/// (who made it, where it came from) commits with it or not at all.
/// </summary>
public interface IDefinitionChangeObserver
{
    Task OnChangedAsync(DefinitionChanged change, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken);
}

/// <summary>
/// Told when an instance is being cancelled, before the cancellation is saved: what it returns is queued in the
/// same transaction (a notice to whoever started the work), and it may set the instance's variables (a status).
/// </summary>
public interface IWorkflowCancellationObserver
{
    Task<IReadOnlyList<Runtime.OutboxMessage>> OnCancellingAsync(Runtime.WorkflowInstance instance, string reason, CancellationToken cancellationToken);
}
