using System.Globalization;
using AntiDrugFlow.Host.Apis;
using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Cases;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AntiDrugFlow.Host.Access;

/// <summary>The audit log for administrators: who read or changed what, and every sign-in.</summary>
public static class AuditApi
{
    public const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/audit", QueryAsync).WithTags("Audit").RequireAuthorization(Policies.Administrator);
        return app;
    }

    /// <param name="caseNumber">A case number (TIP-115-000001), what people have; the log keeps case ids. Unknown numbers are a 400.</param>
    /// <param name="from">ISO 8601 time, inclusive.</param>
    /// <param name="to">ISO 8601 time, exclusive; a range that ends before it starts is a 400 naming both.</param>
    public static async Task<Results<Ok<IReadOnlyList<AuditEntry>>, ValidationProblem>> QueryAsync(
        string? userId, string? caseId, string? caseNumber, string? from, string? to, int? limit,
        HttpContext http, PostgresAuditLog audit, PostgresCaseStore cases, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!TryParseTime(from, out var fromTime))
        {
            return ApiProblems.Field("from", $"「{from}」不是 ISO 8601 時間（例如 2026-11-21T08:00:00+08:00）。");
        }

        if (!TryParseTime(to, out var toTime))
        {
            return ApiProblems.Field("to", $"「{to}」不是 ISO 8601 時間（例如 2026-11-21T08:00:00+08:00）。");
        }

        if (fromTime is not null && toTime is not null && toTime <= fromTime)
        {
            var reversed = $"結束時間（to={to}）必須晚於開始時間（from={from}）；這個範圍不會有任何紀錄，請對調或修正其中一個。";
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = [reversed], ["to"] = [reversed] }, title: "請求內容有誤");
        }

        if (limit is < 1 or > MaxLimit)
        {
            return ApiProblems.Field("limit", $"必須介於 1 到 {MaxLimit} 之間。");
        }

        var (caseById, caseProblem) = await ApiProblems.CaseIdOfNumberAsync(cases, caseNumber, Blank(caseId), "caseId", cancellationToken);
        if (caseProblem is not null)
        {
            return caseProblem;
        }

        var query = new AuditQuery(Blank(userId), caseById, fromTime, toTime, limit ?? 200);
        var entries = await audit.QueryAsync(query, cancellationToken);
        // Reading the log is itself a read of who looked at which case, so it is recorded too.
        var actor = http.Actor();
        await audit.RecordAsync(new AuditEntry(time.GetUtcNow(), actor.UserId, actor.AgencyId, PostgresAuditLog.Actions.AuditQueried, query.CaseId,
            $"userId={query.UserId};from={query.From:O};to={query.To:O};rows={entries.Count}"), cancellationToken);
        return TypedResults.Ok(entries);
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static bool TryParseTime(string? text, out DateTimeOffset? time)
    {
        time = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            time = parsed;
            return true;
        }

        return false;
    }
}
