using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Chains;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Persistence;
using Npgsql;

namespace AntiDrugFlow.Workflows.Cases;

/// <summary>A 春暉小組 session as the school records it: when, in which form, who led it and a short note.</summary>
public sealed record NewCounsellingSession(DateOnly? Date, string? Form, string? LedBy, string? Note);

/// <summary>A urine re-test as the school records it: when, the result, and why when it was not taken.</summary>
public sealed record NewRetest(DateOnly? Date, string? Result, string? Reason);

/// <summary>
/// One counselling record of a case as its team reads it back. <paramref name="LedBy"/>, <paramref name="Note"/> and
/// <paramref name="Reason"/> are decrypted for the team only.
/// </summary>
public sealed record CounsellingRecord(
    string Id, string Kind, DateOnly OccurredOn, string? Form, string? Result, string? LedBy, string? Note, string? Reason, string RecordedBy, DateTimeOffset RecordedAt)
{
    public string KindName => Kind == CounsellingRecordEvent.Session ? "春暉小組輔導" : "尿液篩檢";

    public string? ResultName => Result is null ? null : CounsellingRecords.ResultName(Result);
}

/// <summary>
/// The sessions and re-tests of 春暉 counselling, kept with the case: the free text (who led a session, its note, why a test
/// was not taken) encrypted as case notes are. The rows are written in the transaction that resumes the follow-up chain, or in
/// their own when the chain is not waiting (e.g. the case was referred already): either way with their audit row.
/// </summary>
public sealed class CounsellingRecords(NpgsqlDataSource dataSource, IPersonalDataProtector protector)
{
    public const int MaxLedByLength = 50;
    public const int MaxNoteLength = 500;

    /// <summary>The forms a session takes (DOMAIN: individual talk, group, home visit, parents' meeting).</summary>
    public static readonly IReadOnlyList<string> Forms = ["個別晤談", "團體輔導", "家庭訪視", "親師座談"];

    /// <summary>A re-test's results and their names.</summary>
    public static readonly IReadOnlyList<(string Value, string Name)> Results = [("negative", "陰性"), ("positive", "陽性"), ("not-taken", "未篩檢")];

    public static string ResultName(string result) => Results.FirstOrDefault(r => r.Value == result).Name ?? result;

    /// <summary>The row to store for a session, checked: errors name the field (date, form, ledBy, note).</summary>
    public PendingRecord Session(string caseId, DateOnly earliest, DateOnly today, NewCounsellingSession session, string agencyId, string userId, DateTimeOffset now)
    {
        var date = CheckDate(session.Date, earliest, today, "輔導日期");
        if (!Forms.Contains(session.Form ?? string.Empty))
        {
            throw new CaseRequestException("form", $"輔導方式須為：{string.Join("、", Forms)}。");
        }

        var ledBy = Text("ledBy", "帶領人", session.LedBy, MaxLedByLength, required: true);
        var note = Text("note", "紀要", session.Note, MaxNoteLength, required: false);
        var details = new JsonObject { ["ledBy"] = ledBy, ["note"] = note };
        return new PendingRecord(Guid.CreateVersion7(now).ToString("N"), caseId, CounsellingRecordEvent.Session, date, session.Form, null, protector.Protect(details.ToJsonString()), agencyId, userId, now);
    }

    /// <summary>The row to store for a re-test, checked: errors name the field (date, result, reason).</summary>
    public PendingRecord Retest(string caseId, DateOnly earliest, DateOnly today, NewRetest retest, string agencyId, string userId, DateTimeOffset now)
    {
        var date = CheckDate(retest.Date, earliest, today, "篩檢日期");
        if (!Results.Any(r => r.Value == retest.Result))
        {
            throw new CaseRequestException("result", $"篩檢結果須為：{string.Join("、", Results.Select(r => $"{r.Value}（{r.Name}）"))}。");
        }

        var reason = Text("reason", "未篩檢原因", retest.Reason, MaxNoteLength, required: retest.Result == "not-taken");
        var details = reason is null ? null : protector.Protect(new JsonObject { ["reason"] = reason }.ToJsonString());
        return new PendingRecord(Guid.CreateVersion7(now).ToString("N"), caseId, CounsellingRecordEvent.Retest, date, null, retest.Result, details, agencyId, userId, now);
    }

    /// <summary>Inserts the record in the caller's transaction.</summary>
    public async Task InsertAsync(PendingRecord record, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var insert = Sql.Command(connection, transaction, """
            INSERT INTO counselling_records (id, case_id, kind, occurred_on, session_form, result, details_protected, agency_id, recorded_by, recorded_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """, record.Id, record.CaseId, record.Kind, record.OccurredOn, record.Form, record.Result, record.DetailsProtected, record.AgencyId, record.RecordedBy, record.RecordedAt);
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The user's earlier counselling request with this Idempotency-Key, naming the record it stored; null when there was none.</summary>
    public Task<IdempotencyRequest?> FindRequestAsync(string userId, string idempotencyKey, DateTimeOffset now, CancellationToken cancellationToken) =>
        IdempotencyTable.Counselling.FindAsync(dataSource, userId, idempotencyKey, now, cancellationToken);

    /// <summary>Runs <paramref name="store"/> (a record and its audit row) in a transaction of its own, for a record no chain step takes.</summary>
    public async Task InOwnTransactionAsync(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task> store, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await store(connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The case's records, oldest first, with the free text in clear (for the case's team only).</summary>
    public async Task<IReadOnlyList<CounsellingRecord>> ListAsync(string caseId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, kind, occurred_on, session_form, result, details_protected, recorded_by, recorded_at FROM counselling_records
            WHERE case_id = $1 ORDER BY occurred_on, recorded_at, id
            """);
        command.Parameters.Add(Sql.Parameter(caseId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<CounsellingRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var details = reader.IsDBNull(5) ? null : JsonNode.Parse(protector.Unprotect(reader.GetString(5)));
            records.Add(new CounsellingRecord(
                reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateOnly>(2), reader.NullableString(3), reader.NullableString(4),
                JsonValues.AsString(details?["ledBy"]), JsonValues.AsString(details?["note"]), JsonValues.AsString(details?["reason"]),
                reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7)));
        }

        return records;
    }

    private static DateOnly CheckDate(DateOnly? date, DateOnly earliest, DateOnly today, string what)
    {
        if (date is not { } given)
        {
            throw new CaseRequestException("date", $"請填寫{what}。");
        }

        if (given > today)
        {
            throw new CaseRequestException("date", $"{what}不可晚於今天（{RocDate.Format(today)}）。");
        }

        if (given < earliest)
        {
            throw new CaseRequestException("date", $"{what}不可早於立案日（{RocDate.Format(earliest)}）。");
        }

        return given;
    }

    private static string? Text(string field, string what, string? value, int maxLength, bool required)
    {
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return required ? throw new CaseRequestException(field, $"請填寫{what}。") : null;
        }

        if (text.Length > maxLength)
        {
            throw new CaseRequestException(field, $"{what}最多 {maxLength} 字，目前 {text.Length} 字。");
        }

        if (text.Any(c => c == '\0' || (char.IsControl(c) && c is not ('\n' or '\r' or '\t'))))
        {
            throw new CaseRequestException(field, $"{what}不可含控制字元（例如 NUL）。");
        }

        return text;
    }
}

/// <summary>A checked record not stored yet; <see cref="DetailsProtected"/> is already encrypted.</summary>
public sealed record PendingRecord(
    string Id, string CaseId, string Kind, DateOnly OccurredOn, string? Form, string? Result, string? DetailsProtected, string AgencyId, string RecordedBy, DateTimeOffset RecordedAt)
{
    public CounsellingRecordEvent Event => new(Id, Kind, OccurredOn, Result);
}
