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
