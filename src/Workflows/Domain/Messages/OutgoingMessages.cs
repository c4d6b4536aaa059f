using System.Globalization;
using System.Text;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Milestones;

namespace AntiDrugFlow.Workflows.Messages;

/// <summary>
/// The one place that writes the texts leaving the system: one method per kind of <see cref="MessageKinds"/>,
/// zh-TW, dates in the ROC calendar and times in Asia/Taipei. Every method first passes its values
/// through <see cref="MessageContent"/>, so a case message carries only a case number, what is asked,
/// the deadline and a link (少年事件處理法 §83, 兒少法 §69), and every message has the same layout:
/// subject 「[【補發】]【反毒通報】title」; body greeting, opening, labelled fields, closing, footer.
/// </summary>
public static class OutgoingMessages
{
    private const string Tag = "【反毒通報】";
    private const string LateTag = "【補發】";
    private const string AutomaticNotice = "此為系統自動通知，請勿直接回覆。";
    private const string CaseFooter = AutomaticNotice + "依少年事件處理法第83條及兒童及少年福利與權益保障法第69條，本通知不含個案姓名或其他足以識別身分之資料，請登入系統查閱。";

    /// <summary>A notice that a workflow asks for by kind (AntiDrugFlow.SendNotice): task codes become their fixed phrases.</summary>
    public static OutgoingMessage Notice(string kind, IReadOnlyList<NoticeItem> items)
    {
        if (items.Count == 0)
        {
            throw new MessageContentException("通知至少要有一件案件");
        }

        foreach (var item in items)
        {
            item.Check();
        }

        var first = items[0];
        var task = NoticeTasks.Phrase(first.Task);
        return kind switch
        {
            MessageKinds.TaskRouted => TaskRouted(first.CaseNumber, task, first.Deadline, first.Link),
            MessageKinds.Reminder => Reminder(first.CaseNumber, task, first.Deadline, first.Link),
            MessageKinds.Escalation => Escalation(first.CaseNumber, task, first.Deadline, first.Link),
            MessageKinds.OverdueMilestone => OverdueMilestone(first.CaseNumber, task, first.Deadline, first.Link),
            MessageKinds.WeeklyDigest => WeeklyDigest(items),
            _ => throw new MessageContentException($"通知種類「{MessageContent.Inline(kind)}」不存在；可用的種類：{string.Join("、", MessageKinds.Notices)}"),
        };
    }

    /// <summary>A new task for an agency; <paramref name="escalated"/> when it came up because the level below let it lapse.</summary>
    public static OutgoingMessage TaskRouted(string caseNumber, string task, DateTimeOffset deadline, string link, bool escalated = false)
    {
        var line = CaseTask.Of(caseNumber, task, deadline, link);
        var deadlineText = RocDate.FormatDateTime(deadline);
        return escalated
            ? new(MessageKinds.TaskRouted, Subject($"逾期升級：{line.Task}（案號 {line.CaseNumber}）"),
                CaseBody("貴單位收到一件因下級單位逾期未處理而升級的交辦事項。", line, $"請於 {deadlineText} 前完成。"))
            : new(MessageKinds.TaskRouted, Subject($"新交辦事項：{line.Task}（案號 {line.CaseNumber}）"),
                CaseBody("貴單位收到一件新的交辦事項。", line, $"請於 {deadlineText} 前完成。"));
    }

    public static OutgoingMessage Reminder(string caseNumber, string task, DateTimeOffset deadline, string link)
    {
        var line = CaseTask.Of(caseNumber, task, deadline, link);
        var deadlineText = RocDate.FormatDateTime(deadline);
        return new(MessageKinds.Reminder, Subject($"提醒：{line.Task} 將於 {deadlineText} 到期（案號 {line.CaseNumber}）"),
            CaseBody("下列交辦事項即將到期，尚未完成。", line, $"請於 {deadlineText} 前完成，逾期將依規定向上一級陳報。"));
    }

    public static OutgoingMessage Escalation(string caseNumber, string task, DateTimeOffset deadline, string link)
    {
        var line = CaseTask.Of(caseNumber, task, deadline, link);
        return new(MessageKinds.Escalation, Subject($"逾期陳報：{line.Task} 未於期限內完成（案號 {line.CaseNumber}）"),
            CaseBody("下列交辦事項已逾期限，依三級聯繫機制陳報貴單位督導。", line, $"原期限為 {RocDate.FormatDateTime(deadline)}，請協助督促辦理。"));
    }

    public static OutgoingMessage OverdueMilestone(string caseNumber, string task, DateTimeOffset deadline, string link)
    {
        var line = CaseTask.Of(caseNumber, task, deadline, link);
        return new(MessageKinds.OverdueMilestone, Subject($"期程逾期：{line.Task}（案號 {line.CaseNumber}）"),
            CaseBody("下列個案期程已逾期限，尚未完成。", line, $"期限為 {RocDate.FormatDateTime(deadline)}，請儘速辦理並於系統登錄。"));
    }

    /// <summary>An agency's open tasks, earliest deadline first.</summary>
    public static OutgoingMessage WeeklyDigest(IReadOnlyList<NoticeItem> items)
    {
        var lines = items.Select(i => CaseTask.Of(i.CaseNumber, NoticeTasks.Phrase(i.Task), i.Deadline, i.Link)).OrderBy(i => i.Deadline).ToList();
        var body = new MessageBody().Paragraph("您好：").Paragraph("以下為貴單位尚未完成的交辦事項，依期限排列：");
        var number = 0;
        foreach (var line in lines)
        {
            number++;
            body.Line(string.Create(CultureInfo.InvariantCulture, $"{number}. 案號 {line.CaseNumber}｜{line.Task}｜期限 {RocDate.FormatDateTime(line.Deadline)}"))
                .Line($"   {line.Link}");
        }

        return new(MessageKinds.WeeklyDigest, Subject(string.Create(CultureInfo.InvariantCulture, $"本週待辦摘要：共 {lines.Count} 件")), body.Blank().Line(CaseFooter).ToString());
    }

    /// <summary>A case's new status, as the definition words it (never the investigation detail), and when it changed.</summary>
    public static OutgoingMessage StatusUpdate(string caseNumber, string status, DateTimeOffset at, string link)
    {
        var number = MessageContent.CaseNumber(caseNumber);
        var text = MessageContent.Text(status, "狀態");
        var body = new MessageBody().Paragraph("您好：").Paragraph("貴單位關注的案件狀態已更新。")
            .Field("案號", number).Field("狀態", text).Field("更新時間", RocDate.FormatDateTime(at)).Field("連結", MessageContent.Link(link)).Blank()
            .Paragraph("詳情請登入系統查閱。").Line(CaseFooter);
        return new(MessageKinds.StatusUpdate, Subject($"案件 {number} 狀態更新"), body.ToString());
    }

    /// <summary>The question itself stays in the system.</summary>
    public static OutgoingMessage InformationRequested(string caseNumber, string task, DateTimeOffset at, string link) =>
        Information(MessageKinds.InformationRequested, $"請求補充資料（案號 {MessageContent.CaseNumber(caseNumber)}）", "貴單位通報的案件，承辦機關請求補充資料。", caseNumber, task, ("請求時間", at), link, "請登入系統查看請求內容並回覆；本通知不含請求內容。");

    /// <summary>The answer itself stays in the system.</summary>
    public static OutgoingMessage InformationAnswered(string caseNumber, string task, DateTimeOffset at, string link) =>
        Information(MessageKinds.InformationAnswered, $"已補充資料（案號 {MessageContent.CaseNumber(caseNumber)}）", "貴單位請求補充的資料，通報機關已回覆。", caseNumber, task, ("回覆時間", at), link, "請登入系統查看；本通知不含回覆內容。");

    /// <summary>An action-plan item's deadline is <paramref name="daysBefore"/> days away. Plan obligations carry no personal data, but pass the same rules.</summary>
    public static OutgoingMessage MilestoneReminder(TrackedMilestone milestone, MilestoneDeadline deadline, int daysBefore, DateTimeOffset plannedAt, bool late, string? link)
    {
        var id = MessageContent.CaseNumber(milestone.Item.Id, "項目編號");
        var body = new MessageBody().LateNotice(late, plannedAt).Paragraph("主辦機關承辦人員您好：")
            .Paragraph(string.Create(CultureInfo.InvariantCulture, $"下列行動方案的辦理期限為{RocDate.FormatDateTime(deadline.Due)}，距今約 {daysBefore} 天，請於期限前完成並至系統登錄辦理情形。"));
        return new(MessageKinds.MilestoneReminder,
            Subject(string.Create(CultureInfo.InvariantCulture, $"辦理期程提醒：{id} 將於{RocDate.Format(deadline.Due)}到期（剩 {daysBefore} 天）"), late),
            MilestoneItem(body, milestone, deadline, link).ToString());
    }

    /// <summary>An action-plan item missed its deadline; the 綜合規劃組 receives a copy.</summary>
    public static OutgoingMessage MilestoneOverdue(TrackedMilestone milestone, MilestoneDeadline deadline, DateTimeOffset plannedAt, bool late, string planningGroup, string? link)
    {
        var id = MessageContent.CaseNumber(milestone.Item.Id, "項目編號");
        var body = new MessageBody().LateNotice(late, plannedAt).Paragraph("主辦機關及綜合規劃組承辦人員您好：")
            .Paragraph($"下列行動方案已逾辦理期限（{RocDate.FormatDateTime(deadline.Due)}）尚未登錄完成，本通知副知{MessageContent.Text(planningGroup, "綜合規劃組名稱")}。請主辦機關儘速辦理並登錄辦理情形；完成前每週將寄送逾期彙整。");
        return new(MessageKinds.MilestoneOverdue, Subject($"逾期通知：{id} 已逾{RocDate.Format(deadline.Due)}之辦理期限", late),
            MilestoneItem(body, milestone, deadline, link).ToString());
    }

    /// <summary>The overdue items of a cycle as of <paramref name="now"/>, each with its missed deadlines.</summary>
    public static OutgoingMessage MilestoneDigest(string cycleId, IReadOnlyList<TrackedMilestone> overdue, DateTimeOffset now, bool late, DateTimeOffset plannedAt, string? link)
    {
        var body = new MessageBody().LateNotice(late, plannedAt)
            .Paragraph(string.Create(CultureInfo.InvariantCulture, $"截至{RocDate.FormatDateTime(now)}，{MessageContent.Text(cycleId, "期別")} 期行動綱領下列 {overdue.Count} 項已逾辦理期限、尚未登錄完成："));
        foreach (var milestone in overdue)
        {
            var item = milestone.Item;
            var due = milestone.Deadlines.Where(d => d.Due < now).Select(d => RocDate.Format(d.Due));
            body.Line($"- {MessageContent.CaseNumber(item.Id, "項目編號")}｜{MessageContent.Text(item.Group, "工作分組")}｜主辦：{Agencies(item.LeadAgencies, "主辦機關")}｜期限：{string.Join("、", due)}｜辦理期程：{MessageContent.Text(item.ScheduleText, "辦理期程")}");
        }

        body.Blank();
        if (link is not null)
        {
            body.Line($"系統連結：{MessageContent.Link(link)}").Blank();
        }

        return new(MessageKinds.MilestoneDigest,
            Subject(string.Create(CultureInfo.InvariantCulture, $"逾期項目每週彙整（{RocDate.Format(now)}）：共 {overdue.Count} 項"), late),
            body.Line(AutomaticNotice).ToString());
    }

    private static OutgoingMessage Information(string kind, string title, string opening, string caseNumber, string task, (string Label, DateTimeOffset At) when, string link, string closing)
    {
        var body = new MessageBody().Paragraph("您好：").Paragraph(opening)
            .Field("案號", MessageContent.CaseNumber(caseNumber)).Field("交辦事項", MessageContent.Text(task, "交辦事項")).Field(when.Label, RocDate.FormatDateTime(when.At)).Field("連結", MessageContent.Link(link)).Blank()
            .Paragraph(closing).Line(CaseFooter);
        return new(kind, Subject(title), body.ToString());
    }

    private static string Subject(string title, bool late = false) => $"{(late ? LateTag : string.Empty)}{Tag}{title}";

    private static string CaseBody(string opening, CaseTask line, string closing) =>
        new MessageBody().Paragraph("您好：").Paragraph(opening)
            .Field("案號", line.CaseNumber).Field("交辦事項", line.Task).Field("期限", RocDate.FormatDateTime(line.Deadline)).Field("連結", line.Link).Blank()
            .Paragraph(closing).Line(CaseFooter).ToString();

    private static MessageBody MilestoneItem(MessageBody body, TrackedMilestone milestone, MilestoneDeadline deadline, string? link)
    {
        var item = milestone.Item;
        body.Field("項目編號", MessageContent.CaseNumber(item.Id, "項目編號"))
            .Field("工作分組", MessageContent.Text(item.Group, "工作分組"))
            .Field("策略", MessageContent.Text(item.Strategy, "策略"))
            .Field("行動方案", MessageContent.Text(item.Action, "行動方案"))
            .Field("辦理期程（原文）", MessageContent.Text(item.ScheduleText, "辦理期程"));
        if (deadline.Label is not null)
        {
            body.Field("本階段", MessageContent.Text(deadline.Label, "本階段"));
        }

        body.Field("辦理期限", RocDate.FormatDateTime(deadline.Due)).Field("主辦機關", Agencies(item.LeadAgencies, "主辦機關"));
        if (item.CoAgencies.Count > 0)
        {
            body.Field("協辦機關", Agencies(item.CoAgencies, "協辦機關"));
        }

        if (link is not null)
        {
            body.Field("系統連結", MessageContent.Link(link));
        }

        return body.Blank().Line(AutomaticNotice);
    }

    private static string Agencies(IReadOnlyList<string> agencies, string field) => string.Join("、", agencies.Select(a => MessageContent.Text(a, field)));

    /// <summary>What a case message may say about a case, each value checked.</summary>
    private sealed record CaseTask(string CaseNumber, string Task, DateTimeOffset Deadline, string Link)
    {
        public static CaseTask Of(string caseNumber, string task, DateTimeOffset deadline, string link) =>
            new(MessageContent.CaseNumber(caseNumber), MessageContent.Text(task, "交辦事項"), deadline, MessageContent.Link(link));
    }

    /// <summary>The plain-text body every message shares: paragraphs, 「label：value」 fields, blank lines between parts.</summary>
    private sealed class MessageBody
    {
        private const string LateNoticeFormat = "【補發通知】本提醒原訂於{0}寄出，因系統停止運作而延後寄送，特此說明。";
        private readonly StringBuilder _text = new();

        public MessageBody LateNotice(bool late, DateTimeOffset plannedAt) =>
            late ? Paragraph(string.Format(CultureInfo.InvariantCulture, LateNoticeFormat, RocDate.FormatDateTime(plannedAt))) : this;

        public MessageBody Paragraph(string text) => Line(text).Blank();

        public MessageBody Field(string label, string value) => Line($"{label}：{value}");

        public MessageBody Line(string text)
        {
            _text.Append(text).Append('\n');
            return this;
        }

        public MessageBody Blank() => Line(string.Empty);

        public override string ToString() => _text.ToString();
    }
}
