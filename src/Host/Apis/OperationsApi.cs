using AntiDrugFlow.Workflows.Milestones;
using AntiDrugFlow.Workflows.Operations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AntiDrugFlow.Host.Apis;

/// <summary>A long operation as the API shows it; <c>page</c> is where a person follows it.</summary>
public sealed record OperationView(
    long Id, string Kind, string Title, string StartedByUser, string StartedByAgency,
    DateTimeOffset StartedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FinishedAt, OperationStatus Status,
    string Stage, long Done, long? Total, int? Percent, OperationResult? Result, string? Error, string Page)
{
    public static OperationView From(LongOperation o) => new(
        o.Id, o.Kind, o.Title, o.StartedByUser, o.StartedByAgency, o.StartedAt, o.UpdatedAt, o.FinishedAt, o.Status,
        o.Stage, o.Done, o.Total, o.Percent, o.Result, o.Error, OperationsApi.PagePath(o.Id));
}

/// <summary>Long operations: the recent ones, one with its progress, and the finished report of a cycle-report operation.</summary>
public static class OperationsApi
{
    public static string PagePath(long id) => $"/admin/operations/{id}";

    public static string ApiPath(long id) => $"/api/operations/{id}";

    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        var operations = app.MapGroup("/api/operations").WithTags("Operations");
        operations.MapGet("/", ListAsync);
        operations.MapGet("/{id:long}", GetAsync);
        operations.MapGet("/{id:long}/report", ReportAsync);
        return app;
    }

    public static async Task<Results<Ok<IReadOnlyList<OperationView>>, ValidationProblem>> ListAsync(int? limit, PostgresOperationStore store, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 500)
        {
            return ApiProblems.Field("limit", "筆數須介於 1 到 500 之間");
        }

        var operations = await store.ListAsync(limit ?? 50, cancellationToken);
        return TypedResults.Ok<IReadOnlyList<OperationView>>([.. operations.Select(OperationView.From)]);
    }

    public static async Task<Results<Ok<OperationView>, NotFound>> GetAsync(long id, PostgresOperationStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } operation ? TypedResults.Ok(OperationView.From(operation)) : TypedResults.NotFound();

    /// <summary>
    /// The report a finished cycle-report operation produced, as Markdown (a download, the default) or HTML.
    /// 404 for another kind of operation; 409 while it runs or when it did not succeed.
    /// </summary>
    public static async Task<Results<ContentHttpResult, NotFound, ProblemHttpResult, ValidationProblem>> ReportAsync(
        long id, string? format, HttpContext http, PostgresOperationStore store, CancellationToken cancellationToken)
    {
        var markdown = format is null || string.Equals(format, "markdown", StringComparison.OrdinalIgnoreCase) || string.Equals(format, "md", StringComparison.OrdinalIgnoreCase);
        if (!markdown && !string.Equals(format, "html", StringComparison.OrdinalIgnoreCase))
        {
            return ApiProblems.Field("format", "格式須為 markdown 或 html");
        }

        if (await store.GetAsync(id, cancellationToken) is not { Kind: CycleReport.Kind } operation)
        {
            return TypedResults.NotFound();
        }

        if (operation.Status != OperationStatus.Succeeded || ExecutionReportDocument.FromJson(operation.Result?.Data) is not { } report)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict, title: "報告尚未產生",
                detail: operation.IsRunning ? "這項作業仍在執行，完成後才有報告。" : "這項作業沒有順利完成，沒有報告可下載；請重新產生。");
        }

        if (!markdown)
        {
            return TypedResults.Text(report.ToHtml(), "text/html; charset=utf-8");
        }

        // A Chinese file name (filename*) with an ASCII fallback for clients that read only filename.
        var disposition = new Microsoft.Net.Http.Headers.ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName($"執行成果報告-{report.CycleId}-{id}.md");
        http.Response.Headers.ContentDisposition = disposition.ToString();
        return TypedResults.Text(report.ToMarkdown(), "text/markdown; charset=utf-8");
    }
}
