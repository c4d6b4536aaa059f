using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Operations;

namespace AntiDrugFlow.Workflows.Milestones;

/// <summary>The period of a cycle's execution report that an administrator asked for.</summary>
public sealed record CycleReportRequest(string CycleId, DateOnly From, DateOnly Until);

/// <summary>
/// The execution report (執行成果報告) of a cycle as a long operation: progress per item, and the
/// finished report kept in the operation's result, so the page shows exactly what was generated.
/// </summary>
public sealed class CycleReport(PostgresMilestoneStore store, TimeProvider time) : IOperationKind
{
    public const string Kind = "milestones.cycle-report";

    string IOperationKind.Kind => Kind;

    Task<OperationResult> IOperationKind.RunAsync(JsonElement input, IOperationProgress progress, CancellationToken cancellationToken) =>
        RunAsync(input.Deserialize<CycleReportRequest>(OperationRunner.InputJson)!, progress, cancellationToken);

    public static string Title(MilestoneCycle cycle, CycleReportRequest request) =>
        $"產生執行成果報告（{cycle.Title}，{RocDate.Format(request.From)}至{RocDate.Format(request.Until)}）";

    /// <summary>The in-site page of a finished report operation.</summary>
    public static string ReportPage(long operationId) => string.Create(CultureInfo.InvariantCulture, $"/admin/operations/{operationId}/report");

    public async Task<OperationResult> RunAsync(CycleReportRequest request, IOperationProgress progress, CancellationToken cancellationToken)
    {
        var report = await ExecutionReport.BuildAsync(store, request.CycleId, request.From, request.Until, time.GetUtcNow(), progress, cancellationToken);
        var items = report.Sections.Sum(s => s.Rows.Count);
        return new OperationResult(
            string.Create(CultureInfo.InvariantCulture, $"已產生「{report.Title}」執行成果報告：報告期間{RocDate.Format(report.From)}至{RocDate.Format(report.Until)}，共 {items} 個項目。"),
            ReportPage(progress.OperationId),
            "檢視執行成果報告",
            Data: ExecutionReportDocument.ToJson(report));
    }
}

/// <summary>An execution report as stored in an operation's result, and read back for the page and the Markdown download.</summary>
public sealed record ExecutionReportDocument(
    string Title, string CycleId, DateOnly From, DateOnly Until, DateTimeOffset GeneratedAt, IReadOnlyList<ExecutionReportSectionDocument> Sections)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static JsonNode ToJson(ExecutionReport report) => JsonSerializer.SerializeToNode(
        new ExecutionReportDocument(report.Title, report.CycleId, report.From, report.Until, report.GeneratedAt,
            [.. report.Sections.Select(s => new ExecutionReportSectionDocument(s.Group, s.Rows))]),
        Json)!;

    /// <summary>The report in an operation's data, or null when the data is not one.</summary>
    public static ExecutionReport? FromJson(JsonNode? data)
    {
        if (data is null || data.Deserialize<ExecutionReportDocument>(Json) is not { } document)
        {
            return null;
        }

        return new ExecutionReport(document.Title, document.CycleId, document.From, document.Until, document.GeneratedAt,
            [.. document.Sections.Select(s => (s.Group, s.Rows))]);
    }
}

public sealed record ExecutionReportSectionDocument(string Group, IReadOnlyList<ExecutionReportRow> Rows);
