using System.Globalization;
using System.Text;
using AntiDrugFlow.Workflows.Calendar;

namespace AntiDrugFlow.Integrations.Email;

/// <summary>The kinds of notice the chain sends, as written in definitions and agency settings.</summary>
public static class NoticeKinds
{
    public const string TaskRouted = "task-routed";
    public const string Reminder = "reminder";
    public const string Escalation = "escalation";
    public const string OverdueMilestone = "overdue-milestone";
    public const string WeeklyDigest = "weekly-digest";

    public static IReadOnlyList<string> All { get; } = [TaskRouted, Reminder, Escalation, OverdueMilestone, WeeklyDigest];
}

/// <summary>
/// What is asked of an agency, by code. Notices carry only these fixed phrases, never free text from
/// a case, so no name or other identifying detail of a minor can reach a mailbox (DOMAIN.md §5).
/// </summary>
public static class NoticeTasks
{
    private static readonly Dictionary<string, string> Phrases = new(StringComparer.Ordinal)
    {
        ["acknowledge"] = "確認收受通報",
        ["trace-supplier"] = "溯源查察藥頭",
        ["campus-incident-report"] = "填報校安通報",
        ["child-protection-report"] = "辦理兒少保護通報",
        ["outcome-report"] = "回報偵辦結果",
        ["immediate-care"] = "啟動即時關懷並聯繫家長",
        ["case-follow-up"] = "個案追蹤輔導",
        ["referral"] = "辦理轉介",
        ["meeting-summary"] = "彙整聯繫會議統計",
    };

    public static IReadOnlyCollection<string> Codes => Phrases.Keys;

    public static bool TryPhrase(string code, out string phrase) => Phrases.TryGetValue(code, out phrase!);
}

/// <summary>One case's line in a notice: everything a notice may say about it.</summary>
/// <param name="CaseNumber">The system's case number (ASCII letters, digits and hyphens only).</param>
/// <param name="Task">A code of <see cref="NoticeTasks"/>.</param>
/// <param name="Link">Where to open the case in the system (an ASCII http(s) address).</param>
public sealed record NoticeItem(string CaseNumber, string Task, DateTimeOffset Deadline, string Link);

/// <summary>A rendered email: subject and plain-text body.</summary>
public sealed record RenderedNotice(string Subject, string Body);

/// <summary>Refused notice content: the text could carry personal data or is not a known kind.</summary>
public sealed class NoticeContentException(string message) : Exception(message);

/// <summary>The zh-TW email texts of the chain's notices, deadlines in the ROC calendar (Taipei time).</summary>
public static class NotificationTemplates
{
    private const string Footer = "此為系統自動通知，請勿直接回覆。依少年事件處理法第83條及兒童及少年福利與權益保障法第69條，本通知不含個案姓名或其他足以識別身分之資料，請登入系統查閱。";

    /// <summary>Checks every field and renders; throws <see cref="NoticeContentException"/> for anything a notice may not carry.</summary>
    public static RenderedNotice Render(string kind, IReadOnlyList<NoticeItem> items)
    {
        if (items.Count == 0)
        {
            throw new NoticeContentException("通知至少要有一件案件");
        }

        foreach (var item in items)
        {
            Check(item);
        }

        var first = items[0];
        var phrase = Phrase(first.Task);
        var deadline = RocDate.FormatDateTime(first.Deadline);
        return kind switch
        {
            NoticeKinds.TaskRouted => new(
                $"【反毒通報】新交辦事項：{phrase}（案號 {first.CaseNumber}）",
                Body($"貴單位收到一件新的交辦事項。", first, $"請於 {deadline} 前完成。")),
            NoticeKinds.Reminder => new(
                $"【反毒通報】提醒：{phrase} 將於 {deadline} 到期（案號 {first.CaseNumber}）",
                Body("下列交辦事項即將到期，尚未完成。", first, $"請於 {deadline} 前完成，逾期將依規定向上一級陳報。")),
            NoticeKinds.Escalation => new(
                $"【反毒通報】逾期陳報：{phrase} 未於期限內完成（案號 {first.CaseNumber}）",
                Body("下列交辦事項已逾期限，依三級聯繫機制陳報貴單位督導。", first, $"原期限為 {deadline}，請協助督促辦理。")),
            NoticeKinds.OverdueMilestone => new(
                $"【反毒通報】期程逾期：{phrase}（案號 {first.CaseNumber}）",
                Body("下列個案期程已逾期限，尚未完成。", first, $"期限為 {deadline}，請儘速辦理並於系統登錄。")),
            NoticeKinds.WeeklyDigest => new(
                $"【反毒通報】本週待辦摘要：共 {items.Count.ToString(CultureInfo.InvariantCulture)} 件",
                Digest(items)),
            _ => throw new NoticeContentException($"通知種類「{kind}」不存在；可用的種類：{string.Join("、", NoticeKinds.All)}"),
        };
    }

    /// <summary>The fixed phrase of a task code; throws for an unknown code.</summary>
    public static string Phrase(string task) =>
        NoticeTasks.TryPhrase(task, out var phrase)
            ? phrase
            : throw new NoticeContentException($"交辦事項代碼不存在；可用的代碼：{string.Join("、", NoticeTasks.Codes)}");

    /// <summary>A case number or a link must be plain ASCII of a narrow shape, so a name cannot hide in it.</summary>
    public static void Check(NoticeItem item)
    {
        if (item.CaseNumber.Length is 0 or > 40 || !item.CaseNumber.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            throw new NoticeContentException("案號只能由英文字母、數字與連字號組成，最多 40 個字元");
        }

        if (!Uri.TryCreate(item.Link, UriKind.Absolute, out var link) || link.Scheme is not ("http" or "https") || !item.Link.All(char.IsAscii) || item.Link.Contains('%', StringComparison.Ordinal))
        {
            throw new NoticeContentException("連結必須是完整的 http 或 https 網址，且只含 ASCII 字元");
        }

        Phrase(item.Task);
    }

    private static string Body(string opening, NoticeItem item, string closing) =>
        new StringBuilder()
            .AppendLine("您好：")
            .AppendLine()
            .AppendLine(opening)
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"案號：{item.CaseNumber}")
            .AppendLine(CultureInfo.InvariantCulture, $"交辦事項：{Phrase(item.Task)}")
            .AppendLine(CultureInfo.InvariantCulture, $"期限：{RocDate.FormatDateTime(item.Deadline)}")
            .AppendLine(CultureInfo.InvariantCulture, $"連結：{item.Link}")
            .AppendLine()
            .AppendLine(closing)
            .AppendLine()
            .AppendLine(Footer)
            .ToString();

    private static string Digest(IReadOnlyList<NoticeItem> items)
    {
        var text = new StringBuilder()
            .AppendLine("您好：")
            .AppendLine()
            .AppendLine("以下為貴單位尚未完成的交辦事項，依期限排列：")
            .AppendLine();
        var number = 0;
        foreach (var item in items.OrderBy(i => i.Deadline))
        {
            number++;
            text.AppendLine(CultureInfo.InvariantCulture, $"{number}. 案號 {item.CaseNumber}｜{Phrase(item.Task)}｜期限 {RocDate.FormatDateTime(item.Deadline)}")
                .AppendLine(CultureInfo.InvariantCulture, $"   {item.Link}");
        }

        return text.AppendLine().AppendLine(Footer).ToString();
    }
}
