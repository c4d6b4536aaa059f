using System.Globalization;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Host.Components.Display;

/// <summary>What people read for the engine's codes and instants: Traditional Chinese words, ROC dates, Taipei time.</summary>
public static class Labels
{
    public static string Status(WorkflowStatus status) => status switch
    {
        WorkflowStatus.Running => "執行中",
        WorkflowStatus.Suspended => "等待中",
        WorkflowStatus.Finished => "已完成",
        WorkflowStatus.Faulted => "發生錯誤",
        WorkflowStatus.Cancelled => "已取消",
        _ => status.ToString(),
    };

    public static string Bookmark(BookmarkKind kind) => kind switch
    {
        BookmarkKind.Timer => "計時",
        BookmarkKind.Event => "等待事件",
        BookmarkKind.Task => "人工作業",
        BookmarkKind.Workflow => "等待子流程",
        _ => kind.ToString(),
    };

    public static string Task(HumanTaskStatus status) => status switch
    {
        HumanTaskStatus.Pending => "待處理",
        HumanTaskStatus.Completed => "已完成",
        HumanTaskStatus.Cancelled => "已取消",
        _ => status.ToString(),
    };

    /// <summary>The journal's event codes; an unknown code is shown as it is rather than hidden.</summary>
    public static string JournalEvent(string code) => code switch
    {
        "WorkflowStarted" => "開始執行",
        "WorkflowContinued" => "繼續執行",
        "WorkflowFinished" => "流程結束",
        "WorkflowCancelled" => "流程取消",
        "Executed" => "已執行",
        "Suspended" => "開始等待",
        "Resumed" => "恢復執行",
        "Faulted" => "發生錯誤",
        "BranchCancelled" => "分支取消",
        "WriteLine" => "輸出訊息",
        "TaskRouted" => "分派任務",
        "Reminded" => "提醒",
        "Overdue" => "逾期",
        "Escalated" => "逐級陳報",
        "EscalationTop" => "已達最高層級",
        "TaskCompleted" => "任務完成",
        "TaskProgress" => "中間回報",
        "Notified" => "通知",
        "CaseStatus" => "案件狀態",
        "WorkflowRequested" => "啟動後續流程",
        "ChildWorkflowRequested" => "啟動子流程",
        "ChildWorkflowEnded" => "子流程結束",
        "ParentNotified" => "通知上層流程",
        "ReportNotConfigured" => "未設定介接",
        "ReportSent" => "已送出通報",
        "InformationRequested" => "請求補充資料",
        "InformationAnswered" => "已補充資料",
        _ => code,
    };

    /// <summary>The agency's name from the directory in force, else its code (the system, or an agency since removed).</summary>
    public static string Agency(AntiDrugFlow.Workflows.Agencies.AgencyDirectoryProvider directory, string agencyId) =>
        agencyId == AntiDrugFlow.Workflows.Access.Actor.System.AgencyId ? "系統（未登入）"
            : directory.Current.TryGet(agencyId, out var agency) ? agency.Name : agencyId;

    /// <summary>What an audit entry's action means, in words; an action not listed here shows as its code only.</summary>
    public static string AuditAction(string action)
    {
        var denied = action.EndsWith(".denied", StringComparison.Ordinal);
        var name = (denied ? action[..^".denied".Length] : action) switch
        {
            "account.signed-in" => "登入",
            "account.sign-in-failed" => "登入失敗",
            "account.locked-out" => "帳號暫時鎖定",
            "account.sign-in-while-locked-out" => "鎖定期間嘗試登入",
            "account.signed-out" => "登出",
            "account.password-changed" => "變更密碼",
            "user.created" => "建立帳號",
            "user.locked" => "停用帳號",
            "user.unlocked" => "啟用帳號",
            "user.password-reset" => "重設密碼",
            "audit.queried" => "查閱稽核紀錄",
            "case.create" => "建立案件",
            "case.read" => "查閱案件",
            "case.list" => "查閱案件清單",
            "case.timeline" => "查閱案件歷程",
            "case.notes" => "查閱貴單位說明",
            "case.transition" => "辦理轉銜",
            "case.search" => "搜尋案件",
            "task.acknowledge" => "確認收到任務",
            "task.complete" => "回報處理結果",
            "task.read" => "查閱任務",
            "definition.saved" => "儲存定義草稿",
            "definition.imported" => "自檔案匯入定義",
            "definition.published" => "發布定義",
            "definition.retracted" => "撤回定義發布",
            "definition.deleted" => "刪除定義",
            "information-request.asked" => "請求補充資料",
            "information-request.answered" => "補充資料",
            "information-request.answer" => "補充資料",
            "information-request.ask" => "請求補充資料",
            "information-request.list" => "查閱待補充資料",
            "information-request.read" => "查閱補充資料",
            "information-request.thread" => "查閱補充資料紀錄",
            "agency-directory.imported" => "匯入機關名錄",
            "agency-directory.import-refused" => "機關名錄匯入被拒",
            "milestone.cycle-shifted" => "開設新期別",
            "milestone.progress-recorded" => "登錄辦理情形",
            "statistics.quarterly" => "查閱季統計",
            _ => null,
        };
        return name is null ? string.Empty : denied ? name + "（遭拒）" : name;
    }

    /// <summary>「民國115年11月21日」.</summary>
    public static string Date(DateTimeOffset instant) => RocDate.Format(instant);

    /// <summary>「民國115年11月21日 13:05」 in Taipei time.</summary>
    public static string DateTime(DateTimeOffset instant) => RocDate.FormatDateTime(instant);

    public static string DateTime(DateTimeOffset? instant) => instant is { } value ? DateTime(value) : "—";

    /// <summary>「民國115年11月21日 13:05:09」: the journal needs seconds to tell its steps apart.</summary>
    public static string DateTimeWithSeconds(DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, TaipeiTime.Zone);
        return string.Create(CultureInfo.InvariantCulture, $"{RocDate.Format(instant)} {local.Hour:00}:{local.Minute:00}:{local.Second:00}");
    }

    /// <summary>The value for a machine-readable &lt;time datetime&gt; attribute.</summary>
    public static string Iso(DateTimeOffset instant) =>
        TimeZoneInfo.ConvertTime(instant, TaipeiTime.Zone).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
}
