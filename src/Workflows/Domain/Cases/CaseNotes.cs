using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using Npgsql;

namespace AntiDrugFlow.Workflows.Cases;

/// <summary>A note as its agency reads it back: when, on which task, and the text in clear.</summary>
public sealed record CaseNote(DateTimeOffset WrittenAt, string TaskId, string TaskName, string WrittenBy, string Text);

/// <summary>
/// Notes an agency writes when it completes a routed task (說明，僅貴單位可見). They never enter the workflow's
/// variables, which administrators browse: the note is stored encrypted (Data Protection, as a minor's name)
/// in the transaction that completes the task, and read back only by the agency that wrote it.
/// </summary>
public sealed class CaseNotes(NpgsqlDataSource dataSource, IPersonalDataProtector protector, TimeProvider time)
{
    public const int MaxLength = 1000;

    /// <summary>
    /// The work that stores <paramref name="text"/> for the task's agency in the completion's transaction; null when there is no
    /// text. The caller passes it to <c>WorkflowRuntime.CompleteTaskAsync</c>, so the note exists only if the task completed.
    /// </summary>
    public Func<WorkflowTransaction, CancellationToken, Task>? Store(HumanTask task, string agencyId, string writtenBy, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var caseId = JsonValues.AsString(task.Payload?["caseId"]);
        var stored = protector.Protect(text.Trim());
        var at = time.GetUtcNow();
        // Sent with the step's writes, in their round trip.
        return (transaction, _) =>
        {
            transaction.Batch(Sql.BatchCommand("""
                INSERT INTO case_notes (id, case_id, task_id, task_name, agency_id, written_by, note_protected, written_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                """, Guid.CreateVersion7(at).ToString("N"), caseId, task.Id, task.TaskName, agencyId, writtenBy, stored, at));
            return Task.CompletedTask;
        };
    }

    /// <summary>The notes <paramref name="agencyId"/> wrote on the case, oldest first; another agency's never.</summary>
    public async Task<IReadOnlyList<CaseNote>> ListAsync(string caseId, string agencyId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT written_at, task_id, task_name, written_by, note_protected FROM case_notes
            WHERE case_id = $1 AND agency_id = $2 ORDER BY written_at, id
            """);
        command.Parameters.Add(Sql.Parameter(caseId));
        command.Parameters.Add(Sql.Parameter(agencyId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var notes = new List<CaseNote>();
        while (await reader.ReadAsync(cancellationToken))
        {
            notes.Add(new CaseNote(reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), protector.Unprotect(reader.GetString(4))));
        }

        return notes;
    }
}
