using System.Text.Json;
using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Cases;
using AntiDrugFlow.Workflows.Services;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AntiDrugFlow.Host.Apis;

public sealed record NotificationRequest(string? Kind, bool? Urgent, int? DrugLevel, string? SubjectName, string? SubjectClass, string? SchoolId, string? MilitarySchoolId, NotificationNarrative? Narrative = null);

public sealed record TaskAction(string? Outcome, string? Note);

public sealed record TransitionRequest(string? ReceivingSchoolId);

/// <summary>A 春暉小組 session: <paramref name="Date"/> as yyyy-MM-dd, <paramref name="Form"/> one of 個別晤談、團體輔導、家庭訪視、親師座談.</summary>
public sealed record CounsellingSessionRequest(DateOnly? Date, string? Form, string? LedBy, string? Note);

/// <summary>A urine re-test: <paramref name="Result"/> negative, positive or not-taken (then <paramref name="Reason"/> says why).</summary>
public sealed record RetestRequest(DateOnly? Date, string? Result, string? Reason);

public sealed record QuarterlyStatistics(int Year, int Quarter, int Total, IReadOnlyList<CaseCount> Counts);

/// <summary>
/// What school staff, police and the other agencies use: start a notification, the inbox of their agency,
/// acknowledge or complete a task, a case and its timeline, and the quarterly level-1 statistics. A case or
/// task the user may not see answers 404, exactly as one that does not exist.
/// </summary>
public static class CasesApi
{
    public static IEndpointRouteBuilder MapCasesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(Policies.SignedIn);
        api.MapPost("/notifications", StartAsync).WithTags("Notifications");
        var cases = api.MapGroup("/cases").WithTags("Cases");
        cases.MapGet("/", ListAsync);
        cases.MapGet("/{caseId}", GetAsync);
        cases.MapGet("/{caseId}/timeline", TimelineAsync);
        cases.MapGet("/{caseId}/notes", NotesAsync);
        cases.MapPost("/{caseId}/transition", TransitionAsync);
        cases.MapGet("/{caseId}/counselling", CounsellingAsync);
        cases.MapPost("/{caseId}/counselling-sessions", SessionAsync);
        cases.MapPost("/{caseId}/retests", RetestAsync);
        var inbox = api.MapGroup("/inbox").WithTags("Inbox");
        inbox.MapGet("/", InboxAsync);
        inbox.MapGet("/{taskId}", InboxTaskAsync);
        inbox.MapPost("/{taskId}/acknowledge", AcknowledgeAsync);
        inbox.MapPost("/{taskId}/complete", CompleteAsync);
        // Level 1 (教育部, 警政署 …) and administrators: counts only, never people.
        api.MapGet("/statistics/quarterly", StatisticsAsync).WithTags("Statistics").RequireAuthorization(Policies.CentralAgency);
        return app;
    }

    /// <summary>
    /// Starts a notification. An <c>Idempotency-Key</c> header makes a retry safe: the same key with the same body answers the
    /// first case again (201, nothing new); the same key with another body is 409.
    /// </summary>
    public static async Task<Results<Created<CaseView>, ValidationProblem>> StartAsync(HttpContext http, CaseService cases, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadAsync<NotificationRequest>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var view = await cases.StartNotificationAsync(http.Actor(), new NewNotification(body!.Kind, body.Urgent ?? false, body.DrugLevel, body.SubjectName, body.SubjectClass, body.SchoolId, body.MilitarySchoolId, body.Narrative),
            IdempotencyKey(http), cancellationToken);
        return TypedResults.Created($"/api/cases/{view.Id}", view);
    }

    /// <summary>A page of the visible cases, newest first; <c>Link</c> gives the next page, from where this one ends (<c>after</c>, keyset paging).</summary>
    public static async Task<Ok<IReadOnlyList<CaseView>>> ListAsync(HttpContext http, CaseService cases, CancellationToken cancellationToken, int page = 1, string? after = null, string? before = null)
    {
        var listed = await cases.ListAsync(http.Actor(), page, cancellationToken, after, before);
        if (listed.More)
        {
            http.Response.Headers.Link = listed.After is null
                ? $"</api/cases?page={listed.Page + 1}>; rel=\"next\""
                : $"</api/cases?page={listed.Page + 1}&after={Uri.EscapeDataString(listed.After)}>; rel=\"next\"";
        }

        return TypedResults.Ok(listed.Cases);
    }

    public static async Task<Results<Ok<CaseView>, NotFound>> GetAsync(string caseId, HttpContext http, CaseService cases, CancellationToken cancellationToken) =>
        await cases.GetAsync(http.Actor(), caseId, cancellationToken) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();

    public static async Task<Results<Ok<IReadOnlyList<TimelineEntry>>, NotFound>> TimelineAsync(string caseId, HttpContext http, CaseService cases, CancellationToken cancellationToken) =>
        await cases.TimelineAsync(http.Actor(), caseId, cancellationToken) is { } timeline ? TypedResults.Ok(timeline) : TypedResults.NotFound();

    /// <summary>The notes the caller's agency wrote when it completed the case's tasks (僅貴單位可見): no other agency's.</summary>
    public static async Task<Results<Ok<IReadOnlyList<CaseNote>>, NotFound>> NotesAsync(string caseId, HttpContext http, CaseService cases, CancellationToken cancellationToken) =>
        await cases.NotesAsync(http.Actor(), caseId, cancellationToken) is { } notes ? TypedResults.Ok(notes) : TypedResults.NotFound();

    public static async Task<Results<NoContent, NotFound, Conflict<string>, ValidationProblem>> TransitionAsync(string caseId, HttpContext http, CaseService cases, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadAsync<TransitionRequest>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        return await cases.ReportTransitionAsync(http.Actor(), caseId, body!.ReceivingSchoolId, cancellationToken) switch
        {
            null => TypedResults.NotFound(),
            true => TypedResults.NoContent(),
            false => TypedResults.Conflict("本案沒有進行中的個案追蹤可辦理轉銜。"),
        };
    }

    /// <summary>The case's 春暉 counselling sessions and re-tests, oldest first (the case's team only: others 403).</summary>
    public static async Task<Results<Ok<IReadOnlyList<CounsellingRecord>>, NotFound>> CounsellingAsync(string caseId, HttpContext http, CaseService cases, CancellationToken cancellationToken) =>
        await cases.CounsellingAsync(http.Actor(), caseId, cancellationToken) is { } records ? TypedResults.Ok(records) : TypedResults.NotFound();

    /// <summary>
    /// The case's school records a 春暉小組 session; the follow-up chain counts it. An <c>Idempotency-Key</c> header makes a retry
    /// safe, as for a notification: the same key with the same body answers the first record again (201, nothing stored); the
    /// same key with another body is 409.
    /// </summary>
    public static async Task<Results<Created<CounsellingRecord>, NotFound, ValidationProblem>> SessionAsync(string caseId, HttpContext http, CaseService cases, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadAsync<CounsellingSessionRequest>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        return await cases.RecordSessionAsync(http.Actor(), caseId, new NewCounsellingSession(body!.Date, body.Form, body.LedBy, body.Note), IdempotencyKey(http), cancellationToken) is { } record
            ? TypedResults.Created($"/api/cases/{caseId}/counselling", record)
            : TypedResults.NotFound();
    }

    /// <summary>
    /// The case's school records a urine re-test; the follow-up chain closes, goes on, starts a second round or refers the case on
    /// it. An <c>Idempotency-Key</c> header makes a retry safe, as for a session.
    /// </summary>
    public static async Task<Results<Created<CounsellingRecord>, NotFound, ValidationProblem>> RetestAsync(string caseId, HttpContext http, CaseService cases, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadAsync<RetestRequest>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        return await cases.RecordRetestAsync(http.Actor(), caseId, new NewRetest(body!.Date, body.Result, body.Reason), IdempotencyKey(http), cancellationToken) is { } record
            ? TypedResults.Created($"/api/cases/{caseId}/counselling", record)
            : TypedResults.NotFound();
    }

    /// <summary>
    /// One page of the caller's agency's inbox (<c>?page=1&amp;pageSize=100</c>): the page's tasks in the body, how many there
    /// are in all in <c>X-Total-Count</c>, the next and previous pages in <c>Link</c>. A page or page size that is not a
    /// positive whole number (or a size over 500) is a 400 naming the parameter.
    /// </summary>
    public static async Task<Ok<IReadOnlyList<InboxItem>>> InboxAsync(HttpContext http, CaseService cases, CancellationToken cancellationToken, string? page = null, string? pageSize = null)
    {
        // Not a number reads as 0, which the service refuses with the parameter's name.
        static int Number(string? text, int absent) => text is null ? absent : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;
        var inbox = await cases.InboxAsync(http.Actor(), Number(page, 1), Number(pageSize, InboxPage.DefaultSize), cancellationToken);
        http.Response.Headers["X-Total-Count"] = inbox.Total.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var links = new List<string>();
        if (inbox.More)
        {
            links.Add($"</api/inbox?page={inbox.Page + 1}&pageSize={inbox.PageSize}>; rel=\"next\"");
        }

        if (inbox.Page > 1)
        {
            links.Add($"</api/inbox?page={Math.Min(inbox.Page - 1, inbox.Pages)}&pageSize={inbox.PageSize}>; rel=\"prev\"");
        }

        if (links.Count > 0)
        {
            http.Response.Headers.Link = string.Join(", ", links);
        }

        return TypedResults.Ok(inbox.Items);
    }

    public static async Task<Results<Ok<InboxItem>, NotFound>> InboxTaskAsync(string taskId, HttpContext http, CaseService cases, CancellationToken cancellationToken) =>
        await cases.InboxTaskAsync(http.Actor(), taskId, cancellationToken) is { } item ? TypedResults.Ok(item) : TypedResults.NotFound();

    public static Task<Results<NoContent, NotFound, Conflict<string>, ValidationProblem>> AcknowledgeAsync(string taskId, HttpContext http, CaseService cases, CancellationToken cancellationToken) =>
        ActAsync(taskId, "acknowledge", new TaskAction(null, null), http, cases, cancellationToken);

    public static async Task<Results<NoContent, NotFound, Conflict<string>, ValidationProblem>> CompleteAsync(string taskId, HttpContext http, CaseService cases, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadAsync<TaskAction>(http.Request, cancellationToken);
        return problem ?? await ActAsync(taskId, "complete", body!, http, cases, cancellationToken);
    }

    public static async Task<Results<Ok<QuarterlyStatistics>, ValidationProblem>> StatisticsAsync(int? year, int? quarter, HttpContext http, CaseService cases, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToOffset(TimeSpan.FromHours(8));
        var y = year ?? now.Year;
        var q = quarter ?? ((now.Month - 1) / 3) + 1;
        var counts = await cases.QuarterlyStatisticsAsync(http.Actor(), y, q, cancellationToken);
        return TypedResults.Ok(new QuarterlyStatistics(y < 1911 ? y + 1911 : y, q, counts.Sum(c => c.Cases), counts));
    }

    private static async Task<Results<NoContent, NotFound, Conflict<string>, ValidationProblem>> ActAsync(string taskId, string action, TaskAction body, HttpContext http, CaseService cases, CancellationToken cancellationToken) =>
        await cases.ActAsync(http.Actor(), taskId, action, body.Outcome, body.Note, cancellationToken) switch
        {
            null => TypedResults.NotFound(),
            ResumeResult.Resumed => TypedResults.NoContent(),
            _ => TypedResults.Conflict("這項待辦已處理或已撤回。"),
        };

    private static string? IdempotencyKey(HttpContext http) => http.Request.Headers[IdempotencyKeys.Header].FirstOrDefault();

    /// <summary>Reads a JSON body into a record; a malformed body or a wrongly typed field is a 400 naming the field.</summary>
    internal static async Task<(T? Body, ValidationProblem? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            var body = await JsonSerializer.DeserializeAsync<T>(request.Body, JsonSerializerOptions.Web, cancellationToken);
            return body is null ? (null, ApiProblems.Field("$", "請求內容須為 JSON 物件。")) : (body, null);
        }
        catch (JsonException ex)
        {
            return (null, ApiProblems.Field(ex.Path ?? "$", $"請求內容有誤：{ex.Message.Split(" Path:")[0]}"));
        }
    }
}
