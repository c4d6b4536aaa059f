using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Milestones;

namespace AntiDrugFlow.Host.Access;

/// <summary>The audit rules of the action plan's milestones, one place for the API and the pages.</summary>
public static class MilestoneAudit
{
    /// <summary>Opening a cycle is a change to the system's settings, so it is audited, from the API and the page alike.</summary>
    public static Task RecordShiftAsync(IAuditLog audit, Actor actor, MilestoneCycle cycle, int years, TimeProvider time, CancellationToken cancellationToken) =>
        audit.RecordAsync(
            new AuditEntry(time.GetUtcNow(), actor.UserId, actor.AgencyId, PostgresAuditLog.Actions.MilestoneCycleShifted, null, $"cycle={cycle.Id};from={cycle.ShiftedFrom};years={years}"),
            cancellationToken);

    /// <summary>Marking progress changes what the action plan's report says, so it is audited, from the API and the page alike.</summary>
    public static Task RecordProgressAsync(IAuditLog audit, Actor actor, string cycleId, string itemId, ProgressUpdate update, TimeProvider time, CancellationToken cancellationToken) =>
        audit.RecordAsync(
            new AuditEntry(
                time.GetUtcNow(), actor.UserId, actor.AgencyId, PostgresAuditLog.Actions.MilestoneProgressRecorded, null,
                $"cycle={cycleId};item={itemId};status={update.Status?.ToString() ?? "-"}" + (update.Occurrence is { } day ? $";occurred={day:yyyy-MM-dd}" : string.Empty)),
            cancellationToken);
}
