using System.Globalization;
using System.Text;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Milestones;

namespace AntiDrugFlow.Integrations.Scheduling;

/// <summary>
/// The text of milestone reminder emails (zh-TW, ROC dates), kept in one place so it can join the
/// project's other email templates. The items are plan obligations: no personal data is involved.
/// </summary>
public static class MilestoneReminderTemplates
{
    private const string LateNotice = "【補發通知】本提醒原訂於{0}寄出，因系統停止運作而延後寄送，特此說明。";

    public static (string Subject, string Body) BeforeDeadline(TrackedMilestone milestone, MilestoneDeadline deadline, int daysBefore, DateTimeOffset plannedAt, bool late, string? link)
    {
        var subject = string.Create(CultureInfo.InvariantCulture, $"{(late ? "【補發】" : string.Empty)}辦理期程提醒：{milestone.Item.Id} 將於{RocDate.Format(deadline.Due)}到期（剩 {daysBefore} 天）");
        var body = new StringBuilder();
        if (late)
        {
            body.AppendLine(string.Format(CultureInfo.InvariantCulture, LateNotice, RocDate.FormatDateTime(plannedAt))).AppendLine();
        }

        body.AppendLine("主辦機關承辦人員您好：").AppendLine();
        body.AppendLine(string.Create(CultureInfo.InvariantCulture, $"下列行動方案的辦理期限為{RocDate.FormatDateTime(deadline.Due)}，距今約 {daysBefore} 天，請於期限前完成並至系統登錄辦理情形。"));
        AppendItem(body, milestone, deadline, link);
        return (subject, body.ToString());
    }

    public static (string Subject, string Body) Overdue(TrackedMilestone milestone, MilestoneDeadline deadline, DateTimeOffset plannedAt, bool late, string planningGroup, string? link)
    {
        var subject = $"{(late ? "【補發】" : string.Empty)}逾期通知：{milestone.Item.Id} 已逾{RocDate.Format(deadline.Due)}之辦理期限";
        var body = new StringBuilder();
        if (late)
        {
            body.AppendLine(string.Format(CultureInfo.InvariantCulture, LateNotice, RocDate.FormatDateTime(plannedAt))).AppendLine();
        }

        body.AppendLine("主辦機關及綜合規劃組承辦人員您好：").AppendLine();
        body.AppendLine($"下列行動方案已逾辦理期限（{RocDate.FormatDateTime(deadline.Due)}）尚未登錄完成，本通知副知{planningGroup}。請主辦機關儘速辦理並登錄辦理情形；完成前每週將寄送逾期彙整。");
        AppendItem(body, milestone, deadline, link);
        return (subject, body.ToString());
    }

    public static (string Subject, string Body) WeeklyDigest(string cycleId, IReadOnlyList<TrackedMilestone> overdue, DateTimeOffset now, bool late, DateTimeOffset plannedAt, string? link)
    {
        var subject = string.Create(CultureInfo.InvariantCulture, $"{(late ? "【補發】" : string.Empty)}逾期項目每週彙整（{RocDate.Format(now)}）：共 {overdue.Count} 項");
        var body = new StringBuilder();
        if (late)
        {
            body.AppendLine(string.Format(CultureInfo.InvariantCulture, LateNotice, RocDate.FormatDateTime(plannedAt))).AppendLine();
        }

        body.AppendLine(string.Create(CultureInfo.InvariantCulture, $"截至{RocDate.FormatDateTime(now)}，{cycleId} 期行動綱領下列 {overdue.Count} 項已逾辦理期限、尚未登錄完成："));
        body.AppendLine();
        foreach (var item in overdue)
        {
            var due = item.Deadlines.Where(d => d.Due < now).Select(d => RocDate.Format(d.Due));
            body.AppendLine($"- {item.Item.Id}｜{item.Item.Group}｜主辦：{string.Join("、", item.Item.LeadAgencies)}｜期限：{string.Join("、", due)}｜辦理期程：{item.Item.ScheduleText}");
        }

        if (link is not null)
        {
            body.AppendLine().AppendLine($"系統連結：{link}");
        }

        body.AppendLine().AppendLine("本郵件由系統自動寄送，請勿直接回覆。");
        return (subject, body.ToString());
    }

    private static void AppendItem(StringBuilder body, TrackedMilestone milestone, MilestoneDeadline deadline, string? link)
    {
        var item = milestone.Item;
        body.AppendLine();
        body.AppendLine($"項目編號：{item.Id}");
        body.AppendLine($"工作分組：{item.Group}");
        body.AppendLine($"策略：{item.Strategy}");
        body.AppendLine($"行動方案：{item.Action}");
        body.AppendLine($"辦理期程（原文）：{item.ScheduleText}");
        if (deadline.Label is not null)
        {
            body.AppendLine($"本階段：{deadline.Label}");
        }

        body.AppendLine($"辦理期限：{RocDate.FormatDateTime(deadline.Due)}");
        body.AppendLine($"主辦機關：{string.Join("、", item.LeadAgencies)}");
        if (item.CoAgencies.Count > 0)
        {
            body.AppendLine($"協辦機關：{string.Join("、", item.CoAgencies)}");
        }

        if (link is not null)
        {
            body.AppendLine($"系統連結：{link}");
        }

        body.AppendLine().AppendLine("本郵件由系統自動寄送，請勿直接回覆。");
    }
}
