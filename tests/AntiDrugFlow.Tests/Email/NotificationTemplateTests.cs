using AntiDrugFlow.Workflows.Messages;
using Xunit;

namespace AntiDrugFlow.Tests.Email;

public sealed class NotificationTemplateTests
{
    private static readonly NoticeItem Item = new("T-1150001", "acknowledge", new DateTimeOffset(2026, 11, 30, 15, 59, 0, TimeSpan.Zero), "https://antidrugflow.invalid/cases/T-1150001");

    [Theory]
    [InlineData(MessageKinds.TaskRouted, "【反毒通報】新交辦事項：確認收受通報（案號 T-1150001）")]
    [InlineData(MessageKinds.Reminder, "【反毒通報】提醒：確認收受通報 將於 民國115年11月30日 23:59 到期（案號 T-1150001）")]
    [InlineData(MessageKinds.Escalation, "【反毒通報】逾期陳報：確認收受通報 未於期限內完成（案號 T-1150001）")]
    [InlineData(MessageKinds.OverdueMilestone, "【反毒通報】期程逾期：確認收受通報（案號 T-1150001）")]
    [InlineData(MessageKinds.WeeklyDigest, "【反毒通報】本週待辦摘要：共 1 件")]
    public void Every_notice_kind_gives_the_case_number_what_is_asked_the_ROC_deadline_and_the_link(string kind, string subject)
    {
        var notice = OutgoingMessages.Notice(kind, [Item]);

        Assert.Equal(subject, notice.Subject);
        Assert.Contains("T-1150001", notice.Body, StringComparison.Ordinal);
        Assert.Contains("確認收受通報", notice.Body, StringComparison.Ordinal);
        Assert.Contains("民國115年11月30日 23:59", notice.Body, StringComparison.Ordinal);
        Assert.Contains("https://antidrugflow.invalid/cases/T-1150001", notice.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void The_weekly_digest_lists_every_case_by_deadline()
    {
        var later = Item with { CaseNumber = "T-1150009", Deadline = Item.Deadline.AddDays(3), Task = "outcome-report" };

        var body = OutgoingMessages.Notice(MessageKinds.WeeklyDigest, [later, Item]).Body;

        Assert.True(body.IndexOf("T-1150001", StringComparison.Ordinal) < body.IndexOf("T-1150009", StringComparison.Ordinal));
        Assert.Contains("1. 案號 T-1150001｜確認收受通報｜期限 民國115年11月30日 23:59", body, StringComparison.Ordinal);
        Assert.Contains("2. 案號 T-1150009｜回報偵辦結果｜期限 民國115年12月3日 23:59", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("王小明", "https://antidrugflow.invalid/cases/1", "acknowledge")]
    [InlineData("T-1 王", "https://antidrugflow.invalid/cases/1", "acknowledge")]
    [InlineData("T-1", "https://antidrugflow.invalid/cases?name=王小明", "acknowledge")]
    [InlineData("T-1", "https://antidrugflow.invalid/cases?name=%E7%8E%8B", "acknowledge")]
    [InlineData("T-1", "https://antidrugflow.invalid/cases/1", "王小明同學尿篩陽性")]
    public void A_notice_refuses_anything_but_a_plain_case_number_a_known_task_and_an_ASCII_link(string caseNumber, string link, string task)
    {
        Assert.Throws<MessageContentException>(() => OutgoingMessages.Notice(MessageKinds.TaskRouted, [new NoticeItem(caseNumber, task, Item.Deadline, link)]));
    }
}
