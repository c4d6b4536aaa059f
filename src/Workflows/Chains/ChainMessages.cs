using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Calendar;

namespace AntiDrugFlow.Workflows.Chains;

/// <summary>
/// The emails the chains send to agencies. By law (少年事件處理法 §83, 兒少法 §69) they carry only the
/// case number, what is asked, the deadline and a link: never a name or anything else that identifies a minor.
/// </summary>
public static class ChainMessages
{
    public static JsonObject TaskRouted(IReadOnlyList<string> to, string caseNumber, string taskName, DateTimeOffset dueAt, string link, bool escalated) => Email(
        to,
        $"【反毒通報】{(escalated ? "逾期升級：" : string.Empty)}{taskName}｜案件 {caseNumber}",
        $"""
        貴單位有一件{(escalated ? "因下級單位逾期未處理而升級的" : "新的")}反毒通報待辦事項。

        案件編號：{caseNumber}
        待辦事項：{taskName}
        處理期限：{RocDate.FormatDateTime(dueAt)}

        請登入系統處理：{link}

        本郵件僅含案件編號與待辦事項；依少年事件處理法第83條及兒童及少年福利與權益保障法第69條，案件當事人資料僅能於系統內查閱。
        """);

    public static JsonObject Reminder(IReadOnlyList<string> to, string caseNumber, string taskName, DateTimeOffset dueAt, string link) => Email(
        to,
        $"【反毒通報】提醒：{taskName} 即將到期｜案件 {caseNumber}",
        $"""
        提醒您，下列待辦事項即將到期，逾期未處理將依規定往上一層級通報。

        案件編號：{caseNumber}
        待辦事項：{taskName}
        處理期限：{RocDate.FormatDateTime(dueAt)}

        請登入系統處理：{link}
        """);

    public static JsonObject StatusNotice(IReadOnlyList<string> to, string caseNumber, string message, string link) => Email(
        to,
        $"【反毒通報】案件 {caseNumber} 狀態更新",
        $"""
        案件編號：{caseNumber}
        狀態：{message}

        詳情請登入系統查閱：{link}
        """);

    /// <summary>To the agency that started the case: another agency asks it for more information. The question stays in the system.</summary>
    public static JsonObject InformationRequested(IReadOnlyList<string> to, string caseNumber, string taskName, string link) => Email(
        to,
        $"【反毒通報】請求補充資料｜案件 {caseNumber}",
        $"""
        貴單位通報的案件，承辦機關請求補充資料。

        案件編號：{caseNumber}
        承辦事項：{taskName}

        請登入系統查看請求內容並回覆：{link}

        本郵件不含請求內容；依少年事件處理法第83條及兒童及少年福利與權益保障法第69條，案件當事人資料僅能於系統內查閱。
        """);

    /// <summary>Back to the asking agency: its request was answered. The answer stays in the system.</summary>
    public static JsonObject InformationAnswered(IReadOnlyList<string> to, string caseNumber, string taskName, string link) => Email(
        to,
        $"【反毒通報】已補充資料｜案件 {caseNumber}",
        $"""
        貴單位請求補充的資料，通報機關已回覆。

        案件編號：{caseNumber}
        承辦事項：{taskName}

        請登入系統查看：{link}

        本郵件不含回覆內容；依少年事件處理法第83條及兒童及少年福利與權益保障法第69條，案件當事人資料僅能於系統內查閱。
        """);

    private static JsonObject Email(IReadOnlyList<string> to, string subject, string body) => new()
    {
        ["to"] = new JsonArray([.. to.Select(a => JsonValue.Create(a))]),
        ["cc"] = new JsonArray(),
        ["bcc"] = new JsonArray(),
        ["subject"] = subject,
        ["body"] = body,
    };
}
