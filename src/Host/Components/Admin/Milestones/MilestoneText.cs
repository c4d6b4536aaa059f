using System.Globalization;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Milestones;

namespace AntiDrugFlow.Host.Components.Admin.Milestones;

/// <summary>The words and dates the milestone pages share, so the list and the item never disagree about a status or a due date.</summary>
public static class MilestoneText
{
    public static string Status(MilestoneStatus status) => status switch
    {
        MilestoneStatus.NotStarted => "尚未辦理",
        MilestoneStatus.InProgress => "辦理中",
        MilestoneStatus.Done => "已完成",
        _ => status.ToString(),
    };

    /// <summary>The column titles of the working groups' summary and the list's 「辦理狀況」 filter.</summary>
    public static string Standing(MilestoneStanding standing) => standing switch
    {
        MilestoneStanding.Overdue => "逾期",
        MilestoneStanding.DueSoon => string.Create(CultureInfo.InvariantCulture, $"{MilestoneTracker.DueSoonDays}日內到期"),
        MilestoneStanding.Done => "已完成",
        MilestoneStanding.Open => "未完成",
        _ => standing.ToString(),
    };

    /// <summary>The value of the list's <c>show</c> parameter: overdue, due-soon, done, open.</summary>
    public static string StandingParameter(MilestoneStanding standing) => standing switch
    {
        MilestoneStanding.DueSoon => "due-soon",
        _ => standing.ToString().ToLowerInvariant(),
    };

    public static MilestoneStanding? StandingOf(string? parameter) =>
        Enum.GetValues<MilestoneStanding>().Select(s => (MilestoneStanding?)s).FirstOrDefault(s => StandingParameter(s!.Value) == parameter);

    /// <summary>The list of a cycle with its filters in the address, as the filter form would submit them.</summary>
    public static string ListLink(string cycleId, string? group, string? agency, MilestoneAgencyRole role, MilestoneStanding? standing)
    {
        var query = new List<string> { "cycle=" + Uri.EscapeDataString(cycleId) };
        if (group is not null)
        {
            query.Add("group=" + Uri.EscapeDataString(group));
        }

        if (agency is not null)
        {
            query.Add("agency=" + Uri.EscapeDataString(agency));
            if (role == MilestoneAgencyRole.Lead)
            {
                query.Add("agencyRole=lead");
            }
        }

        if (standing is { } value)
        {
            query.Add("show=" + StandingParameter(value));
        }

        return "/admin/milestones?" + string.Join('&', query);
    }

    public static string StepKind(RocScheduleKind kind) => kind switch
    {
        RocScheduleKind.Deadline => "期限",
        RocScheduleKind.Start => "起始",
        RocScheduleKind.Period => "期間",
        RocScheduleKind.Done => "已完成",
        RocScheduleKind.Recurring => "定期辦理",
        RocScheduleKind.Ongoing => "持續辦理",
        RocScheduleKind.Condition => "視情況辦理",
        _ => kind.ToString(),
    };

    /// <summary>
    /// The deadline a reader should look at: for an overdue item the earliest one missed, otherwise the next
    /// still to come, and for a finished item its last; null when the schedule has no deadline at all.
    /// </summary>
    public static DateTimeOffset? DueOf(TrackedMilestone item, DateTimeOffset now)
    {
        if (item.Deadlines.Count == 0)
        {
            return null;
        }

        if (item.IsOverdueAt(now))
        {
            return item.Deadlines.Where(d => d.Due < now).Min(d => d.Due);
        }

        return item.Deadlines.Where(d => d.Due >= now).Select(d => (DateTimeOffset?)d.Due).Min() ?? item.Deadlines.Max(d => d.Due);
    }

    /// <summary>The first line of the action text, cut short: the table shows which item it is, the item page says all of it.</summary>
    public static string Short(string action, int length = 60)
    {
        var line = action.Split('\n', 2)[0].Trim();
        return line.Length <= length && !action.Contains('\n', StringComparison.Ordinal) ? line : string.Concat(line.AsSpan(0, Math.Min(line.Length, length)), "…");
    }

    /// <summary>「民國115年12月」.</summary>
    public static string Month(int year, int month) =>
        string.Create(CultureInfo.InvariantCulture, $"民國{RocDate.ToRocYear(year)}年{month}月");

    public static string Step(RocScheduleStep step)
    {
        var parts = new List<string>();
        if (step.Label is { Length: > 0 } label)
        {
            parts.Add(label);
        }

        if (step.Due is { } due)
        {
            parts.Add("期限 " + RocDate.Format(due));
        }

        if (step.From is { } from)
        {
            parts.Add("自 " + RocDate.Format(from));
        }

        if (step.Until is { } until)
        {
            parts.Add("至 " + RocDate.Format(until));
        }

        if (step.DoneOn is { } done)
        {
            parts.Add("於 " + RocDate.Format(done) + " 完成");
        }

        if (step.PerYear is { } perYear)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"每年 {perYear} {step.Unit ?? "次"}"));
        }

        if (step.Condition is { Length: > 0 } condition)
        {
            parts.Add("條件：" + condition);
        }

        return parts.Count == 0 ? "—" : string.Join("，", parts);
    }
}
