namespace AntiDrugFlow.Workflows.Messages;

/// <summary>
/// Every kind of message that leaves the system, by the code that names it in definitions, agency
/// settings and the outbox. <see cref="OutgoingMessages"/> renders each of them.
/// </summary>
public static class MessageKinds
{
    /// <summary>A task routed to an agency (by the chains, or by AntiDrugFlow.SendNotice).</summary>
    public const string TaskRouted = "task-routed";

    /// <summary>A task's deadline is near.</summary>
    public const string Reminder = "reminder";

    /// <summary>A task missed its deadline: reported to the supervising level.</summary>
    public const string Escalation = "escalation";

    /// <summary>A case's follow-up step (春暉 round, re-test, transition) is past its deadline.</summary>
    public const string OverdueMilestone = "overdue-milestone";

    /// <summary>An agency's open tasks of the week, by deadline.</summary>
    public const string WeeklyDigest = "weekly-digest";

    /// <summary>A case's status changed (the police outcome, a committee's decision).</summary>
    public const string StatusUpdate = "status-update";

    /// <summary>To the agency that started a case: another agency asks it for more information.</summary>
    public const string InformationRequested = "information-requested";

    /// <summary>Back to the asking agency: its request was answered.</summary>
    public const string InformationAnswered = "information-answered";

    /// <summary>An action-plan item's deadline is N days away (to its lead agencies).</summary>
    public const string MilestoneReminder = "milestone-reminder";

    /// <summary>An action-plan item missed its deadline (to its lead agencies and the 綜合規劃組).</summary>
    public const string MilestoneOverdue = "milestone-overdue";

    /// <summary>The week's overdue action-plan items of a cycle.</summary>
    public const string MilestoneDigest = "milestone-digest";

    /// <summary>The kinds a workflow asks for by name through AntiDrugFlow.SendNotice, and that agency systems take.</summary>
    public static IReadOnlyList<string> Notices { get; } = [TaskRouted, Reminder, Escalation, OverdueMilestone, WeeklyDigest];

    /// <summary>Every kind, notices first.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Notices, StatusUpdate, InformationRequested, InformationAnswered, MilestoneReminder, MilestoneOverdue, MilestoneDigest];
}

/// <summary>
/// What is asked of an agency, by code. A notice carries only these fixed phrases, never free text from
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
        ["report"] = "辦理通報",
        ["decide"] = "決定是否收案",
        ["task"] = "處理交辦事項",
    };

    public static IReadOnlyCollection<string> Codes => Phrases.Keys;

    public static bool TryPhrase(string code, out string phrase) => Phrases.TryGetValue(code, out phrase!);

    /// <summary>The fixed phrase of a task code; throws <see cref="MessageContentException"/> for an unknown code.</summary>
    public static string Phrase(string code) =>
        TryPhrase(code, out var phrase)
            ? phrase
            : throw new MessageContentException($"交辦事項代碼不存在；可用的代碼：{string.Join("、", Codes)}");
}
