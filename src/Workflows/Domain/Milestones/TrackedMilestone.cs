using System.Text.Json.Serialization;
using AntiDrugFlow.Workflows.Calendar;

namespace AntiDrugFlow.Workflows.Milestones;

[JsonConverter(typeof(JsonStringEnumConverter<MilestoneStatus>))]
public enum MilestoneStatus
{
    NotStarted,
    InProgress,
    Done,
}

/// <summary>One loaded plan: the 2017 plan is cycle "2017"; the next four-year plan, shifted, another.</summary>
public sealed record MilestoneCycle(string Id, string Title, int DocumentRocYear, int FromRocYear, int UntilRocYear, string? ShiftedFrom, DateTimeOffset LoadedAt);

/// <summary>A deadline step of an item: the index of the step in its schedule and the instant it is due.</summary>
public sealed record MilestoneDeadline(int StepIndex, string? Label, DateTimeOffset Due);

/// <summary>An action item of one cycle with its current status; the last status change says who, when and why.</summary>
public sealed record TrackedMilestone(
    string CycleId,
    int Ordinal,
    MilestoneItem Item,
    MilestoneStatus Status,
    string? StatusNote,
    string? StatusBy,
    DateTimeOffset? StatusAt)
{
    public IReadOnlyList<MilestoneDeadline> Deadlines { get; } = DeadlinesOf(Item.Schedule);

    /// <summary>Not done, and a deadline has passed.</summary>
    public bool IsOverdueAt(DateTimeOffset now) => Status != MilestoneStatus.Done && Deadlines.Any(d => d.Due < now);

    /// <summary>The recurring steps (「每年召開2次以上協調會議」), which are counted per year.</summary>
    public IReadOnlyList<RocScheduleStep> RecurringSteps => [.. Item.Schedule.Where(s => s.Kind == RocScheduleKind.Recurring && s.PerYear > 0)];

    public static IReadOnlyList<MilestoneDeadline> DeadlinesOf(IReadOnlyList<RocScheduleStep> schedule) =>
        [.. schedule.Select((step, index) => (step, index))
            .Where(s => s.step.Kind == RocScheduleKind.Deadline && s.step.Due is not null)
            .Select(s => new MilestoneDeadline(s.index, s.step.Label, s.step.Due!.Value))];
}

/// <summary>
/// A progress record: who marked what, when, with a short note; for recurring items, the day the
/// obligation was met once (<paramref name="OccurredOn"/>) and the ROC year it counts for.
/// </summary>
public sealed record MilestoneProgress(long Id, DateTimeOffset RecordedAt, string RecordedBy, MilestoneStatus Status, string? Note, int? OccurrenceRocYear, DateOnly? OccurredOn = null);

/// <summary>How many times a recurring obligation was recorded in one ROC year against how many the plan requires.</summary>
public sealed record RecurringYear(int RocYear, int Recorded, int Required)
{
    public bool Met => Recorded >= Required;
}

/// <summary>An item with its history and, for recurring obligations, the per-year count.</summary>
public sealed record MilestoneDetail(TrackedMilestone Milestone, IReadOnlyList<MilestoneProgress> Progress, IReadOnlyList<RecurringYear> Years, IReadOnlyList<SentReminder> Reminders);

/// <summary>A reminder that fired: sent, or skipped because a later one covered it or the item was done.</summary>
public sealed record SentReminder(string Key, string Kind, string Outcome, string? Reason, bool Late, DateTimeOffset PlannedAt, DateTimeOffset FiredAt);

/// <summary>Which of an item's agencies an agency filter looks at.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MilestoneAgencyRole>))]
public enum MilestoneAgencyRole
{
    /// <summary>主辦或協辦: the lead agencies and the co-agencies.</summary>
    LeadOrCo,

    /// <summary>主辦: the lead agencies only.</summary>
    Lead,
}

/// <summary>Filters for listing items; every field optional except the cycle.</summary>
/// <param name="Agency">Part of an agency's name (「警政署」); 臺 and 台, 衛生福利部 and 衛福部 match each other.</param>
/// <param name="AgencyRole">Whether <paramref name="Agency"/> is looked for among the lead agencies only.</param>
/// <param name="Open">True: not done; false: done.</param>
public sealed record MilestoneFilter(
    string CycleId,
    string? Group = null,
    string? Agency = null,
    DateTimeOffset? DueFrom = null,
    DateTimeOffset? DueUntil = null,
    bool? Overdue = null,
    MilestoneAgencyRole AgencyRole = MilestoneAgencyRole.LeadOrCo,
    bool? Open = null);

/// <summary>Where an item stands, as the working groups' summary counts it.</summary>
public enum MilestoneStanding
{
    /// <summary>Not done, and a deadline has passed.</summary>
    Overdue,

    /// <summary>Not done, and a deadline falls within the next <see cref="MilestoneTracker.DueSoonDays"/> days.</summary>
    DueSoon,

    Done,

    /// <summary>Not done (not started or in progress).</summary>
    Open,
}

/// <summary>
/// One working group's items counted by where they stand: overdue, due within <see cref="MilestoneTracker.DueSoonDays"/>
/// days (not done, a deadline in that window), done, and open (not done).
/// </summary>
public sealed record MilestoneGroupCounts(string Group, int Overdue, int DueSoon, int Done, int Open);

/// <summary>A request to record progress on an item.</summary>
/// <param name="By">Who records it (an account or office name).</param>
/// <param name="Status">The new status; null keeps the current one.</param>
/// <param name="Note">A short note (at most 500 characters).</param>
/// <param name="Occurrence">For recurring items: the date one occurrence took place, counted in its ROC year.</param>
public sealed record ProgressUpdate(string By, MilestoneStatus? Status, string? Note, DateOnly? Occurrence = null);

/// <summary>An email written to the outbox: kind "email", payload {to, subject, body}.</summary>
public sealed record OutboxEmail(string IdempotencyKey, IReadOnlyList<string> To, string Subject, string Body);

/// <summary>What a reminder firing did, stored once under its key.</summary>
public sealed record ReminderRecord(string Key, string CycleId, string? ItemId, string Kind, string Outcome, string? Reason, bool Late, DateTimeOffset PlannedAt, DateTimeOffset FiredAt);
