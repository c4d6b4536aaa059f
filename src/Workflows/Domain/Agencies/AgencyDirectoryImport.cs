using System.Globalization;
using System.Text.Json;
using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Operations;
using Microsoft.Extensions.Logging;

namespace AntiDrugFlow.Workflows.Agencies;

/// <summary>What an administrator asked to import: the files, how to combine them, and who asked.</summary>
public sealed record AgencyImportRequest(IReadOnlyList<AgencySourceFile> Files, AgencyImportMode Mode, Actor Actor)
{
    /// <summary>The request as stored with its operation, for the background job that runs it.</summary>
    public AgencyImportInput ToInput() => new(
        [.. Files.Select(f => new AgencyImportInputFile(f.Name, f.Content.ToArray()))], Mode, Actor.UserId, Actor.UserName, Actor.AgencyId, [.. Actor.Roles]);
}

/// <summary>An import request as stored with its operation (the files' bytes in base64).</summary>
public sealed record AgencyImportInput(
    IReadOnlyList<AgencyImportInputFile> Files, AgencyImportMode Mode, string UserId, string UserName, string AgencyId, IReadOnlyList<string> Roles)
{
    public AgencyImportRequest ToRequest() => new(
        [.. Files.Select(f => new AgencySourceFile(f.Name, f.Content))], Mode, new Actor(UserId, UserName, AgencyId, Roles.ToHashSet(StringComparer.Ordinal)));
}

public sealed record AgencyImportInputFile(string Name, byte[] Content);

/// <summary>
/// The directory import as a long operation: reads and checks every row of the files (progress per
/// row), and either lists every problem and changes nothing, or stores the new directory as the next
/// version in one transaction and puts it in force. Both outcomes are audited.
/// </summary>
public sealed class AgencyDirectoryImport(
    PostgresAgencyDirectoryStore store, AgencyDirectoryProvider provider, AgencyDirectoryLoader loader, IAuditLog audit, TimeProvider time,
    ILogger<AgencyDirectoryImport> logger) : IOperationKind
{
    public const string Kind = "agency-directory.import";

    string IOperationKind.Kind => Kind;

    Task<OperationResult> IOperationKind.RunAsync(System.Text.Json.JsonElement input, IOperationProgress progress, CancellationToken cancellationToken) =>
        RunAsync(input.Deserialize<AgencyImportInput>(OperationRunner.InputJson)!.ToRequest(), progress, cancellationToken);

    public const string SaveStage = "儲存名錄";

    /// <summary>The most problems a refused import lists; the count says how many there were in all.</summary>
    public const int MaxListedProblems = 1000;

    public const string DirectoryPage = "/admin/agencies";

    public static class AuditActions
    {
        public const string Imported = "agency-directory.imported";
        public const string Refused = "agency-directory.import-refused";
    }

    /// <summary>The title an import operation is listed under.</summary>
    public static string Title(AgencyImportRequest request) =>
        $"匯入機關名錄（{(request.Mode == AgencyImportMode.Replace ? "取代整份名錄" : "新增或更新")}：{string.Join("、", request.Files.Select(f => f.Name))}）";

    public async Task<OperationResult> RunAsync(AgencyImportRequest request, IOperationProgress progress, CancellationToken cancellationToken)
    {
        // A merge goes onto the newest stored version, even one another host imported a moment ago.
        await loader.RefreshAsync(cancellationToken);
        var (current, baseVersion) = provider.Loaded;
        var files = request.Files.Select(f => f.Name).ToList();
        var check = await new AgencyDirectoryImporter().CheckAsync(
            request.Files, request.Mode == AgencyImportMode.Merge ? current : null, progress, cancellationToken);

        if (check.Directory is not { } directory)
        {
            await RecordAsync(request.Actor, AuditActions.Refused,
                $"operation {progress.OperationId}; {check.Errors.Count} problems; files: {string.Join(", ", files)}", cancellationToken);
            var message = string.Create(CultureInfo.InvariantCulture, $"匯入的檔案有 {check.Errors.Count} 項錯誤，名錄沒有任何變更。請修正下列錯誤後重新匯入。")
                + (check.RelationsChecked ? "" : "因有檔案無法讀取，尚未檢查機構之間的關係；修正後可能還會發現其他錯誤。");
            throw new OperationFailedException(message, new OperationResult(
                message, DirectoryPage, "回到機關名錄重新匯入",
                [.. check.Errors.Take(MaxListedProblems).Select(e => new OperationProblem($"{e.File} {e.Position}", e.Field, e.Problem))])
            {
                ProblemCount = check.Errors.Count,
            });
        }

        if (directory.Count == 0)
        {
            const string empty = "上傳的檔案中沒有任何機關，名錄沒有任何變更。";
            throw new OperationFailedException(empty, new OperationResult(empty, DirectoryPage, "回到機關名錄重新匯入"));
        }

        await progress.ReportAsync(SaveStage, 0, 1, cancellationToken);
        long version;
        try
        {
            version = await store.SaveAsync(
                directory,
                new AgencyDirectoryImportRecord(time.GetUtcNow(), request.Actor.UserId, request.Actor.AgencyId, request.Mode, files, baseVersion, progress.OperationId),
                cancellationToken);
        }
        catch (AgencyDirectoryConflictException)
        {
            await loader.RefreshAsync(cancellationToken);
            const string conflict = "匯入期間名錄已由另一項匯入更新；為免覆蓋他人的變更，這次匯入沒有生效。請重新匯入，新的匯入會併入最新的名錄。";
            throw new OperationFailedException(conflict, new OperationResult(conflict, DirectoryPage, "回到機關名錄重新匯入"));
        }

        provider.ReplaceWithNewer(directory, version);
        await progress.ReportAsync(SaveStage, 1, 1, cancellationToken);

        var (added, changed, removed) = Compare(current, directory);
        try
        {
            await RecordAsync(request.Actor, AuditActions.Imported, string.Create(CultureInfo.InvariantCulture,
                $"operation {progress.OperationId}; version {version}; {request.Mode.ToString().ToLowerInvariant()}; {directory.Count} agencies ({added} added, {changed} changed, {removed} removed); files: {string.Join(", ", files)}"),
                cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The version is committed and in force, and its row names who imported it and when; a failed audit insert must not report the import as failed.
            logger.LogError(e, "Agency directory version {Version} is in force but its audit entry could not be written", version);
        }
        return new OperationResult(
            string.Create(CultureInfo.InvariantCulture, $"已匯入機關名錄第 {version} 版並立即生效：共 {directory.Count} 個機關，新增 {added} 個、更新 {changed} 個、移除 {removed} 個。"),
            DirectoryPage,
            "查看機關名錄");
    }

    private static (int Added, int Changed, int Removed) Compare(AgencyDirectory before, AgencyDirectory after)
    {
        var added = 0;
        var changed = 0;
        foreach (var agency in after.Agencies)
        {
            if (!before.TryGet(agency.Id, out var previous))
            {
                added++;
            }
            else if (!previous.Equals(agency))
            {
                changed++;
            }
        }

        var removed = before.Agencies.Count(a => !after.TryGet(a.Id, out _));
        return (added, changed, removed);
    }

    private Task RecordAsync(Actor actor, string action, string details, CancellationToken cancellationToken) =>
        audit.RecordAsync(new AuditEntry(time.GetUtcNow(), actor.UserId, actor.AgencyId, action, null, details), cancellationToken);
}
