using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using Npgsql;

namespace AntiDrugFlow.Workflows.Cases;

/// <summary>
/// A request for more information as stored, with the task's name and the case number it is about.
/// The question and the answer are for the asking and the answering agency only.
/// </summary>
public sealed record InformationRequestRecord(
    string Id, string TaskId, string TaskName, string InstanceId, string CaseId, string CaseNumber,
    string AskingAgencyId, string AskedBy, string AskedByName, string Question, DateTimeOffset AskedAt,
    string AnsweringAgencyId, string? Answer = null, string? AnsweredBy = null, string? AnsweredByName = null, DateTimeOffset? AnsweredAt = null);

/// <summary>Work the caller adds to the store's transaction (the audit row), so both commit or neither does.</summary>
public delegate Task AlsoInTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken);

/// <summary>All SQL of information requests: asking and answering (each with its email in the outbox), and reading them back.</summary>
public sealed class PostgresInformationRequestStore(NpgsqlDataSource dataSource, IOutbox outbox)
{
    private const string Select = """
        SELECT r.id, r.task_id, t.task_name, t.instance_id, r.case_id, c.case_number, r.asking_agency_id, r.asked_by, r.asked_by_name, r.question, r.asked_at,
               r.answering_agency_id, r.answer, r.answered_by, r.answered_by_name, r.answered_at
        FROM information_requests r JOIN human_tasks t ON t.id = r.task_id JOIN cases c ON c.id = r.case_id
        """;

    /// <summary>
    /// Stores a new request, its email and whatever the caller adds, in one transaction. The task row is
    /// share-locked while it is checked, so a task completed at the same moment cannot slip in between:
    /// false (nothing stored) when the task is no longer pending.
    /// </summary>
    public async Task<bool> AskAsync(InformationRequestRecord request, OutboxMessage? email, AlsoInTransaction alsoInTransaction, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = Sql.Command(connection, transaction, """
            INSERT INTO information_requests (id, task_id, case_id, asking_agency_id, asked_by, asked_by_name, question, asked_at, answering_agency_id)
            SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9
            FROM (SELECT 1 FROM human_tasks WHERE id = $2 AND status = 'Pending' FOR SHARE) pending
            """,
            request.Id, request.TaskId, request.CaseId, request.AskingAgencyId, request.AskedBy, request.AskedByName, request.Question, request.AskedAt, request.AnsweringAgencyId))
        {
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }

        await FinishAsync(connection, transaction, email, alsoInTransaction, cancellationToken);
        return true;
    }

    /// <summary>Records the answer with its email and the caller's work, in one transaction; false when the request is not the agency's to answer or is answered already.</summary>
    public async Task<bool> AnswerAsync(
        string requestId, string answeringAgencyId, string answer, string answeredBy, string answeredByName, DateTimeOffset answeredAt,
        OutboxMessage? email, AlsoInTransaction alsoInTransaction, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var update = Sql.Command(connection, transaction, """
            UPDATE information_requests SET answer = $3, answered_by = $4, answered_by_name = $5, answered_at = $6
            WHERE id = $1 AND answering_agency_id = $2 AND answered_at IS NULL
            """, requestId, answeringAgencyId, answer, answeredBy, answeredByName, answeredAt))
        {
            if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }

        await FinishAsync(connection, transaction, email, alsoInTransaction, cancellationToken);
        return true;
    }

    public async Task<InformationRequestRecord?> GetAsync(string requestId, CancellationToken cancellationToken) =>
        (await QueryAsync($"{Select} WHERE r.id = $1", cancellationToken, requestId)).FirstOrDefault();

    /// <summary>The thread of one task, oldest first.</summary>
    public Task<IReadOnlyList<InformationRequestRecord>> ForTaskAsync(string taskId, CancellationToken cancellationToken) =>
        QueryAsync($"{Select} WHERE r.task_id = $1 ORDER BY r.asked_at, r.id", cancellationToken, taskId);

    public Task<IReadOnlyList<InformationRequestRecord>> ForCaseAsync(string caseId, CancellationToken cancellationToken) =>
        QueryAsync($"{Select} WHERE r.case_id = $1 ORDER BY r.asked_at, r.id", cancellationToken, caseId);

    /// <summary>The requests an agency has still to answer, oldest first.</summary>
    public Task<IReadOnlyList<InformationRequestRecord>> OpenForAgencyAsync(string agencyId, CancellationToken cancellationToken) =>
        QueryAsync($"{Select} WHERE r.answering_agency_id = $1 AND r.answered_at IS NULL ORDER BY r.asked_at, r.id LIMIT 500", cancellationToken, agencyId);

    private async Task FinishAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, OutboxMessage? email, AlsoInTransaction alsoInTransaction, CancellationToken cancellationToken)
    {
        if (email is not null)
        {
            await outbox.EnqueueAsync(transaction, [email], cancellationToken);
        }

        await alsoInTransaction(connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<InformationRequestRecord>> QueryAsync(string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<InformationRequestRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new InformationRequestRecord(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                reader.GetString(6), reader.GetString(7), reader.GetString(8), reader.GetString(9), reader.GetFieldValue<DateTimeOffset>(10),
                reader.GetString(11), reader.NullableString(12), reader.NullableString(13), reader.NullableString(14), reader.NullableTime(15)));
        }

        return result;
    }
}
