using System.Text.RegularExpressions;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Messages;
using AntiDrugFlow.Workflows.Milestones;
using Xunit;

namespace AntiDrugFlow.Tests.Messages;

/// <summary>
/// Every kind of message that leaves the system, rendered with sample data: a zh-TW subject, the ROC
/// deadline, a link, and never the minor's name, whichever input it is slipped into.
/// </summary>
public sealed partial class OutgoingMessageCatalogTests
{
    private const string MinorsName = "王小明";

    /// <summary>The values a message can be given; each kind takes the ones it needs.</summary>
    private sealed record Sample(
        string CaseNumber = "TIP-115-000001",
        string TaskCode = "acknowledge",
        string TaskName = "確認收到學校反毒通報",
        string Status = "警方回報處理狀態：查獲",
        string Link = "https://antidrugflow.invalid/inbox/task-1",
        string ItemId = "planning-1-1",
        string Group = "綜合規劃組",
        string Strategy = "（一）測試策略",
        string Action = "測試用行動方案",
        string LeadAgency = "法務部（矯正署）",
        string CoAgency = "教育部",
        string PlanningGroup = "法務部綜合規劃組",
        string CycleId = "2017");

    private static readonly DateTimeOffset Deadline = new(2026, 11, 30, 15, 59, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = Deadline.AddDays(2);

    /// <summary>How each kind is rendered from a sample: the test's list of every kind.</summary>
    private static readonly Dictionary<string, Func<Sample, OutgoingMessage>> Renderers = new(StringComparer.Ordinal)
    {
        [MessageKinds.TaskRouted] = s => OutgoingMessages.Notice(MessageKinds.TaskRouted, [Item(s)]),
        [MessageKinds.Reminder] = s => OutgoingMessages.Notice(MessageKinds.Reminder, [Item(s)]),
        [MessageKinds.Escalation] = s => OutgoingMessages.Notice(MessageKinds.Escalation, [Item(s)]),
        [MessageKinds.OverdueMilestone] = s => OutgoingMessages.Notice(MessageKinds.OverdueMilestone, [Item(s)]),
        [MessageKinds.WeeklyDigest] = s => OutgoingMessages.Notice(MessageKinds.WeeklyDigest, [Item(s)]),
        [MessageKinds.StatusUpdate] = s => OutgoingMessages.StatusUpdate(s.CaseNumber, s.Status, Deadline, s.Link),
        [MessageKinds.InformationRequested] = s => OutgoingMessages.InformationRequested(s.CaseNumber, s.TaskName, Deadline, s.Link),
        [MessageKinds.InformationAnswered] = s => OutgoingMessages.InformationAnswered(s.CaseNumber, s.TaskName, Deadline, s.Link),
        [MessageKinds.MilestoneReminder] = s => OutgoingMessages.MilestoneReminder(Milestone(s), Step(s), 7, Deadline.AddDays(-7), false, s.Link),
        [MessageKinds.MilestoneOverdue] = s => OutgoingMessages.MilestoneOverdue(Milestone(s), Step(s), Deadline, false, s.PlanningGroup, s.Link),
        [MessageKinds.MilestoneDigest] = s => OutgoingMessages.MilestoneDigest(s.CycleId, [Milestone(s)], Now, false, Now, s.Link),
    };

    /// <summary>The chains' own task-routed and reminder messages, which take the definition's task name instead of a code.</summary>
    private static readonly Dictionary<string, Func<Sample, OutgoingMessage>> ChainRenderers = new(StringComparer.Ordinal)
    {
        ["chain task-routed"] = s => OutgoingMessages.TaskRouted(s.CaseNumber, s.TaskName, Deadline, s.Link),
        ["chain escalated task-routed"] = s => OutgoingMessages.TaskRouted(s.CaseNumber, s.TaskName, Deadline, s.Link, escalated: true),
        ["chain reminder"] = s => OutgoingMessages.Reminder(s.CaseNumber, s.TaskName, Deadline, s.Link),
    };

    public static TheoryData<string> AllRenderers() => [.. Renderers.Keys, .. ChainRenderers.Keys];

    private static Func<Sample, OutgoingMessage> RendererOf(string name) => Renderers.TryGetValue(name, out var r) ? r : ChainRenderers[name];

    [Fact]
    public void The_test_renders_every_message_kind_there_is()
    {
        Assert.Equal(MessageKinds.All.Order(StringComparer.Ordinal), Renderers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(MessageKinds.All.Count, MessageKinds.All.Distinct(StringComparer.Ordinal).Count());
        Assert.All(MessageKinds.Notices, kind => Assert.Contains(kind, MessageKinds.All));
    }

    [Theory]
    [MemberData(nameof(AllRenderers))]
    public void Every_kind_has_a_zh_TW_subject_the_ROC_deadline_the_link_and_the_same_layout(string name)
    {
        var message = RendererOf(name)(new Sample());

        Assert.Contains("【反毒通報】", message.Subject, StringComparison.Ordinal);
        Assert.Matches(ChineseText(), message.Subject);
        Assert.DoesNotContain('\n', message.Subject);
        Assert.Contains("https://antidrugflow.invalid/inbox/task-1", message.Body, StringComparison.Ordinal);
        Assert.Contains("此為系統自動通知，請勿直接回覆。", message.Body, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', message.Body);
        Assert.Matches(RocDateText(), message.Subject + message.Body);
        Assert.DoesNotMatch(GregorianDate(), message.Subject + message.Body);
        // The sample's date and time in Taipei: 15:59 UTC is 23:59 on the 30th (the digest lists dates only).
        Assert.Contains(message.Kind == MessageKinds.MilestoneDigest ? "民國115年11月30日" : "民國115年11月30日 23:59", message.Subject + message.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void A_milestone_digest_is_dated_in_the_ROC_calendar_and_has_no_link_line_without_a_link()
    {
        var digest = OutgoingMessages.MilestoneDigest("2017", [Milestone(new Sample())], Now, false, Now, null);

        Assert.Contains("民國115年12月2日", digest.Subject, StringComparison.Ordinal);
        Assert.DoesNotContain("系統連結", digest.Body, StringComparison.Ordinal);
    }

    /// <summary>Each input in turn carries the name: as it is where only an identifier, a code or a link belongs, and in the shapes a leak from a case takes where a phrase belongs.</summary>
    public static TheoryData<string, string> NameInEveryInput()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in AllRenderers())
        {
            foreach (var input in typeof(Sample).GetProperties().Where(p => p.PropertyType == typeof(string)).Select(p => p.Name))
            {
                data.Add(name, input);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(NameInEveryInput))]
    public void A_minors_name_given_in_any_input_never_appears_in_the_output(string name, string input)
    {
        var render = RendererOf(name);
        var property = typeof(Sample).GetProperty(input)!;
        var phrases = new[] { nameof(Sample.TaskName), nameof(Sample.Status), nameof(Sample.Group), nameof(Sample.Strategy), nameof(Sample.Action), nameof(Sample.LeadAgency), nameof(Sample.CoAgency), nameof(Sample.PlanningGroup), nameof(Sample.CycleId) };
        string[] carriers = phrases.Contains(input)
            ? [$"姓名：{MinorsName}", $"個案 {MinorsName[0]}○○", $"{MinorsName} A123456789", $"{MinorsName} 0912-345-678", $"{MinorsName} parent@example.invalid"]
            : [MinorsName, $"T-1 {MinorsName}", $"https://antidrugflow.invalid/cases?name={MinorsName}", $"https://antidrugflow.invalid/cases?name={Uri.EscapeDataString(MinorsName)}"];

        foreach (var carrier in carriers)
        {
            var sample = new Sample();
            property.SetValue(sample, carrier);
            OutgoingMessage message;
            try
            {
                message = render(sample);
            }
            catch (MessageContentException refused)
            {
                Assert.DoesNotContain(MinorsName, refused.Message, StringComparison.Ordinal);
                Assert.Matches(ChineseText(), refused.Message);
                continue;
            }

            Assert.DoesNotContain(MinorsName, message.Subject + message.Body, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.EscapeDataString(MinorsName), message.Subject + message.Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_value_cannot_add_lines_of_its_own_to_a_message()
    {
        var message = OutgoingMessages.StatusUpdate("T-1", "查獲\n連結：https://elsewhere.invalid/", Deadline, "https://antidrugflow.invalid/cases/1");

        Assert.Contains("狀態：查獲 連結：https://elsewhere.invalid/", message.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("\n連結：https://elsewhere.invalid/", message.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_shipped_action_plan_text_passes_the_personal_data_screen()
    {
        var catalog = await MilestoneCatalog.LoadAsync(Tests.Milestones.RepositoryFiles.ActionPlan2017, CancellationToken.None);

        Assert.NotEmpty(catalog.Items);
        Assert.All(catalog.Items, item =>
        {
            var tracked = new TrackedMilestone("2017", 0, item, MilestoneStatus.NotStarted, null, null, null);
            foreach (var step in tracked.Deadlines)
            {
                Assert.Contains(item.Id, OutgoingMessages.MilestoneReminder(tracked, step, 30, step.Due.AddDays(-30), false, "https://antidrugflow.invalid/milestones").Subject, StringComparison.Ordinal);
            }
        });
    }

    private static NoticeItem Item(Sample s) => new(s.CaseNumber, s.TaskCode, Deadline, s.Link);

    private static TrackedMilestone Milestone(Sample s) =>
        new(s.CycleId, 0, new MilestoneItem(s.ItemId, s.Group, "綜合規劃", s.Strategy, "1", s.Action, "115年11月底前", RocSchedule.Parse("115年11月底前", 115).Steps, [s.LeadAgency], [s.CoAgency]), MilestoneStatus.NotStarted, null, null, null);

    private static MilestoneDeadline Step(Sample s) => Milestone(s).Deadlines[0];

    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}")]
    private static partial Regex ChineseText();

    [GeneratedRegex(@"民國\d{2,3}年\d{1,2}月\d{1,2}日")]
    private static partial Regex RocDateText();

    [GeneratedRegex(@"\b20\d{2}[-/]\d{1,2}[-/]\d{1,2}\b")]
    private static partial Regex GregorianDate();
}
