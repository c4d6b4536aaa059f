using AntiDrugFlow.Host.Operations;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Operations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AntiDrugFlow.Host.Apis;

/// <summary>What the page and the API accept as an upload of directory files.</summary>
public static class AgencyUploads
{
    public const int MaxFiles = 20;

    public const long MaxFileBytes = 10 * 1024 * 1024;

    /// <summary>Reads the uploaded files into memory (the import runs after the request ends), or says what is wrong with them, naming the field.</summary>
    public static async Task<(IReadOnlyList<AgencySourceFile>? Files, string? Problem)> ReadAsync(IReadOnlyList<IFormFile>? uploads, CancellationToken cancellationToken)
    {
        var chosen = (uploads ?? []).Where(f => !string.IsNullOrEmpty(f.FileName)).ToList();
        if (chosen.Count == 0)
        {
            return (null, "請選擇至少一個名錄檔案（.json 或 .csv）。");
        }

        if (chosen.Count > MaxFiles)
        {
            return (null, $"一次最多匯入 {MaxFiles} 個檔案。");
        }

        var files = new List<AgencySourceFile>();
        foreach (var upload in chosen)
        {
            // Browsers send the bare name; a path from an old client is cut to the name, which is what errors show.
            var name = Path.GetFileName(upload.FileName.Replace('\\', '/'));
            if (!name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && !name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                return (null, $"「{name}」不是 .json 或 .csv 檔案。");
            }

            if (upload.Length > MaxFileBytes)
            {
                return (null, $"「{name}」超過 {MaxFileBytes / 1024 / 1024} MB。");
            }

            using var content = new MemoryStream((int)upload.Length);
            await using (var stream = upload.OpenReadStream())
            {
                await stream.CopyToAsync(content, cancellationToken);
            }

            files.Add(new AgencySourceFile(name, content.ToArray()));
        }

        return (files, null);
    }

    /// <summary>「merge」 (the default) or 「replace」.</summary>
    public static AgencyImportMode? ParseMode(string? mode) => mode?.Trim().ToLowerInvariant() switch
    {
        null or "" or "merge" => AgencyImportMode.Merge,
        "replace" => AgencyImportMode.Replace,
        _ => null,
    };
}

/// <summary>The agency directory's import: files in, a long operation out.</summary>
public static class AgenciesApi
{
    public static IEndpointRouteBuilder MapAgenciesApi(this IEndpointRouteBuilder app)
    {
        var agencies = app.MapGroup("/api/agencies").WithTags("Agencies");
        // Read by hand rather than bound, so bad input gets the project's problem details and scripts need no antiforgery token
        // (the session cookie is SameSite=Strict, the API's defence against cross-site posts).
        agencies.MapPost("/import", ImportAsync).DisableAntiforgery();
        agencies.MapGet("/versions", VersionsAsync);
        return app;
    }

    /// <summary>
    /// multipart/form-data with one or more <c>files</c> (.json, .csv) and <c>mode</c> (merge, the
    /// default, or replace). 202 with the operation's address; its result lists every problem found.
    /// </summary>
    public static async Task<Results<Accepted<OperationView>, ValidationProblem>> ImportAsync(
        HttpRequest request, OperationRunner runner, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return ApiProblems.Field("files", "請以 multipart/form-data 上傳名錄檔案（欄位 files）。");
        }

        var form = await request.ReadFormAsync(cancellationToken);
        if (AgencyUploads.ParseMode(form["mode"]) is not { } mode)
        {
            return ApiProblems.Field("mode", "匯入方式須為 merge（新增或更新）或 replace（取代整份名錄）。");
        }

        var (files, problem) = await AgencyUploads.ReadAsync(form.Files, cancellationToken);
        if (files is null)
        {
            return ApiProblems.Field("files", problem!);
        }

        var id = await runner.StartImportAsync(new AgencyImportRequest(files, mode, request.HttpContext.OperationActor()), cancellationToken);
        var operation = await runner.Store.GetAsync(id, cancellationToken);
        return TypedResults.Accepted(OperationsApi.ApiPath(id), OperationView.From(operation!));
    }

    public static async Task<Ok<IReadOnlyList<AgencyDirectoryVersion>>> VersionsAsync(PostgresAgencyDirectoryStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.VersionsAsync(100, cancellationToken));
}
