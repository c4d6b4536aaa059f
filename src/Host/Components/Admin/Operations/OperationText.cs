using System.Globalization;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Milestones;
using AntiDrugFlow.Workflows.Operations;

namespace AntiDrugFlow.Host.Components.Admin.Operations;

/// <summary>How a long operation reads on the pages.</summary>
public static class OperationText
{
    public static string Status(OperationStatus status) => status switch
    {
        OperationStatus.Running => "執行中",
        OperationStatus.Succeeded => "已完成",
        OperationStatus.Failed => "失敗",
        OperationStatus.Interrupted => "已中斷",
        _ => status.ToString(),
    };

    /// <summary>The status classes of the stylesheet, shared with the instance pages.</summary>
    public static string StatusClass(OperationStatus status) => status switch
    {
        OperationStatus.Running => "status-running",
        OperationStatus.Succeeded => "status-finished",
        OperationStatus.Failed => "status-faulted",
        _ => "status-cancelled",
    };

    public static string Kind(string kind) => kind switch
    {
        AgencyDirectoryImport.Kind => "匯入機關名錄",
        CycleReport.Kind => "產生執行成果報告",
        _ => kind,
    };

    /// <summary>「已處理 1,200／5,500 筆（21%）」, or the count alone while the total is unknown.</summary>
    public static string Counts(LongOperation operation) =>
        operation.Total is { } total
            ? string.Create(CultureInfo.InvariantCulture, $"已處理 {operation.Done:N0}／{total:N0} 筆（{operation.Percent}%）")
            : string.Create(CultureInfo.InvariantCulture, $"已處理 {operation.Done:N0} 筆");
}
