using Npgsql;

namespace AntiDrugFlow.Workflows.Access;

/// <summary>One read or change of a case or of the system's settings: who, when, what.</summary>
public sealed record AuditEntry(DateTimeOffset At, string UserId, string AgencyId, string Action, string? CaseId, string? Details);

/// <summary>Records every read and change of a case. Details never hold personal data.</summary>
public interface IAuditLog
{
    Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>Records inside the caller's transaction, so a change and its audit row commit together or not at all.</summary>
    Task RecordAsync(AuditEntry entry, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Records with a workflow step, in its transaction and its round trip (<see cref="Persistence.WorkflowTransaction.Batch"/>).</summary>
    void Record(AuditEntry entry, Persistence.WorkflowTransaction transaction);
}
