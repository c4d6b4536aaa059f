using System.Globalization;
using AntiDrugFlow.Workflows.Calendar;

namespace AntiDrugFlow.Workflows.Milestones;

/// <summary>
/// Plans the reminders of a cycle after its items changed: a scheduled job for every reminder still to come,
/// none for items that are done. Idempotent, so it can run at every start.
/// </summary>
public interface IMilestoneScheduler
{
    Task PlanAsync(string cycleId, CancellationToken cancellationToken);
}

/// <summary>For runs without a scheduler (tests of the catalog alone, the command line).</summary>
public sealed class NoMilestoneScheduler : IMilestoneScheduler
{
    public Task PlanAsync(string cycleId, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>A request the tracker refuses, with a message a user can act on (zh-TW).</summary>
public sealed class MilestoneRequestException(string field, string message) : ArgumentException(message, field)
{
    public string Field { get; } = field;

    /// <summary>The message without the parameter name the base class appends.</summary>
    public string Reason { get; } = message;
}

/// <summary>The action plan's items per cycle: loading a cycle, shifting one into the next, progress, per-year counts.</summary>
public sealed class MilestoneTracker(PostgresMilestoneStore store, IMilestoneScheduler scheduler, TimeProvider time)
{
    public const int MaxNoteLength = 500;
    public const int MaxByLength = 100;

    /// <summary>How far ahead 「即將到期」 looks: items with a deadline within this many days.</summary>
    public const int DueSoonDays = 30;

    /// <summary>A cycle is shifted by at most this many years either way; the plans run four years.</summary>
    public const int MaxShiftYears = 100;

    public const int MaxCycleIdLength = 32;

    public PostgresMilestoneStore Store => store;

    /// <summary>The cycle id of a catalog: the Gregorian year its plan starts (106 → "2017").</summary>
    public static string CycleIdOf(MilestoneCatalog catalog) => RocDate.ToGregorianYear(catalog.FromRocYear).ToString(CultureInfo.InvariantCulture);

    /// <summary>Loads a catalog as a cycle unless it is there already, then plans its reminders. True when it was new.</summary>
    public async Task<bool> LoadCycleAsync(string cycleId, MilestoneCatalog catalog, string? shiftedFrom, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var cycle = new MilestoneCycle(cycleId, catalog.Title, catalog.DocumentRocYear, catalog.FromRocYear, catalog.UntilRocYear, shiftedFrom, now);
        var created = await store.InsertCycleAsync(cycle, catalog, now, cancellationToken);
        await scheduler.PlanAsync(cycleId, cancellationToken);
        return created;
    }

    /// <summary>The next plan: the items of <paramref name="fromCycleId"/>, every year moved by <paramref name="years"/>, as a new cycle with fresh status.</summary>
    public async Task<MilestoneCycle> ShiftCycleAsync(string fromCycleId, int years, string? newCycleId, CancellationToken cancellationToken)
    {
        var from = await store.CycleAsync(fromCycleId, cancellationToken) ?? throw new KeyNotFoundException($"milestone cycle '{fromCycleId}' does not exist");
        if (years == 0)
        {
            throw new MilestoneRequestException("years", "平移年數不可為 0");
        }

        if (from.FromRocYear + years < 1 || from.DocumentRocYear + years < 1)
        {
            throw new MilestoneRequestException("years", $"平移 {years} 年後，期別會早於民國元年");
        }

        if (Math.Abs(years) > MaxShiftYears)
        {
            throw new MilestoneRequestException("years", $"平移年數須介於 -{MaxShiftYears} 與 {MaxShiftYears} 之間");
        }

        var requestedId = string.IsNullOrWhiteSpace(newCycleId) ? null : newCycleId.Trim();
        if (requestedId is not null && !IsCycleId(requestedId))
        {
            throw new MilestoneRequestException("id", $"期別代號「{requestedId}」只能使用英文字母、數字、「-」與「_」，至多 {MaxCycleIdLength} 字");
        }

        var items = await store.ListAsync(new MilestoneFilter(fromCycleId), time.GetUtcNow(), cancellationToken);
        var catalog = new MilestoneCatalog(from.Title, $"由 {from.Id} 期平移 {years} 年", from.DocumentRocYear, from.FromRocYear, from.UntilRocYear, [], [.. items.Select(i => i.Item)]);
        MilestoneCatalog shifted;
        try
        {
            shifted = catalog.ShiftYears(years);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new MilestoneRequestException("years", $"平移 {years} 年後，有辦理期程會早於民國元年");
        }
        catch (RocScheduleFormatException ex)
        {
            // 「106年2月29日已完成」 moved to a year without February 29, for one.
            throw new MilestoneRequestException("years", $"平移 {years} 年後，{ex.Message}");
        }

        var id = requestedId ?? CycleIdOf(shifted);
        if (!await LoadCycleAsync(id, shifted, from.Id, cancellationToken))
        {
            throw new MilestoneRequestException("id", $"期別 {id} 已存在");
        }

        return (await store.CycleAsync(id, cancellationToken))!;
    }

    public Task<IReadOnlyList<TrackedMilestone>> ListAsync(MilestoneFilter filter, CancellationToken cancellationToken) =>
        store.ListAsync(filter, time.GetUtcNow(), cancellationToken);

    /// <summary>Per working group, in the plan's order of groups, how many items are overdue, due soon, done and open; a group without items counts zeros.</summary>
    public async Task<IReadOnlyList<MilestoneGroupCounts>> CountByGroupAsync(MilestoneFilter filter, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var counts = await store.CountByGroupAsync(filter, now, now.AddDays(DueSoonDays), cancellationToken);
        return [.. MilestoneCatalog.Groups.Select(g => counts.FirstOrDefault(c => c.Group == g) ?? new MilestoneGroupCounts(g, 0, 0, 0, 0))];
    }

    /// <summary>The filter that lists exactly the items one number of <see cref="MilestoneGroupCounts"/> counts, so that each number can link to them.</summary>
    public MilestoneFilter Narrow(MilestoneFilter filter, MilestoneStanding standing)
    {
        var now = time.GetUtcNow();
        return standing switch
        {
            MilestoneStanding.Overdue => filter with { Overdue = true },
            MilestoneStanding.DueSoon => filter with { Open = true, DueFrom = now, DueUntil = now.AddDays(DueSoonDays) },
            MilestoneStanding.Done => filter with { Open = false },
            MilestoneStanding.Open => filter with { Open = true },
            _ => throw new ArgumentOutOfRangeException(nameof(standing), standing, "unknown standing"),
        };
    }

    private static bool IsCycleId(string id) =>
        id.Length <= MaxCycleIdLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public async Task<MilestoneDetail?> GetAsync(string cycleId, string itemId, CancellationToken cancellationToken)
    {
        var milestone = await store.GetAsync(cycleId, itemId, cancellationToken);
        if (milestone is null)
        {
            return null;
        }

        var cycle = await store.CycleAsync(cycleId, cancellationToken);
        var progress = await store.ProgressAsync(cycleId, itemId, cancellationToken);
        return new MilestoneDetail(milestone, progress, RecurringYears(milestone, cycle!, progress), await store.RemindersAsync(cycleId, itemId, cancellationToken));
    }

    /// <summary>Records who marked what, when, with a short note; a done item's remaining reminders are cancelled.</summary>
    public async Task<MilestoneDetail> RecordProgressAsync(string cycleId, string itemId, ProgressUpdate update, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(update.By) || update.By.Length > MaxByLength)
        {
            throw new MilestoneRequestException("by", $"請填寫登錄者（至多 {MaxByLength} 字）");
        }

        if (update.Note is { Length: > MaxNoteLength })
        {
            throw new MilestoneRequestException("note", $"說明至多 {MaxNoteLength} 字");
        }

        var milestone = await store.GetAsync(cycleId, itemId, cancellationToken) ?? throw new KeyNotFoundException($"milestone {cycleId}/{itemId} does not exist");
        int? occurrenceYear = null;
        if (update.Occurrence is { } occurred)
        {
            if (milestone.RecurringSteps.Count == 0)
            {
                throw new MilestoneRequestException("occurrence", "此項目不是每年定期辦理的項目，不能登錄辦理次數");
            }

            var cycle = (await store.CycleAsync(cycleId, cancellationToken))!;
            CheckOccurrence(occurred, milestone, cycle, TaipeiTime.DateOf(time.GetUtcNow()));
            occurrenceYear = RocDate.ToRocYear(occurred.Year);
        }

        if (update.Status is null && update.Note is null && occurrenceYear is null)
        {
            throw new MilestoneRequestException("status", "請至少填寫狀態、說明或辦理日期之一");
        }

        await store.RecordProgressAsync(cycleId, itemId, update with { By = update.By.Trim() }, occurrenceYear, time.GetUtcNow(), cancellationToken);
        if (update.Status is { } status && status != milestone.Status)
        {
            await scheduler.PlanAsync(cycleId, cancellationToken);
        }

        return (await GetAsync(cycleId, itemId, cancellationToken))!;
    }

    /// <summary>
    /// For each ROC year a recurring step applies to, how many occurrences were recorded against how many are
    /// required. An occurrence counts in the year of the day it took place, whenever it was recorded.
    /// </summary>
    public static IReadOnlyList<RecurringYear> RecurringYears(TrackedMilestone milestone, MilestoneCycle cycle, IReadOnlyList<MilestoneProgress> progress)
    {
        var years = new List<RecurringYear>();
        foreach (var step in milestone.RecurringSteps)
        {
            var first = step.From is { } from ? Math.Max(RocDate.ToRocYear(from.Year), cycle.FromRocYear) : cycle.FromRocYear;
            for (var year = first; year <= cycle.UntilRocYear; year++)
            {
                var recorded = progress.Count(p => OccurrenceYearOf(p) == year);
                years.Add(new RecurringYear(year, recorded, step.PerYear!.Value));
            }
        }

        // Two recurring steps for one year would be counted against the larger requirement.
        return [.. years.GroupBy(y => y.RocYear).Select(g => g.MaxBy(y => y.Required)!).OrderBy(y => y.RocYear)];
    }

    /// <summary>The ROC year an occurrence counts in: its day's, or the year alone for records kept before days were.</summary>
    public static int? OccurrenceYearOf(MilestoneProgress progress) =>
        progress.OccurredOn is { } day ? RocDate.ToRocYear(day.Year) : progress.OccurrenceRocYear;

    /// <summary>An occurrence took place: not after today, within the cycle, and not before the duty began (「106年7月起每年…」).</summary>
    private static void CheckOccurrence(DateOnly occurred, TrackedMilestone milestone, MilestoneCycle cycle, DateOnly today)
    {
        var cycleStart = new DateOnly(RocDate.ToGregorianYear(cycle.FromRocYear), 1, 1);
        var cycleEnd = new DateOnly(RocDate.ToGregorianYear(cycle.UntilRocYear), 12, 31);
        var dutyStart = milestone.RecurringSteps.Min(s => s.From is { } from && from > cycleStart ? from : cycleStart);
        if (occurred > today)
        {
            throw new MilestoneRequestException("occurrence", $"辦理日期{RocDate.Format(occurred)}晚於今天（{RocDate.Format(today)}），請登錄已辦理的日期");
        }

        if (occurred < dutyStart)
        {
            throw new MilestoneRequestException("occurrence", $"辦理日期{RocDate.Format(occurred)}早於此項目定期辦理的起始日{RocDate.Format(dutyStart)}");
        }

        if (occurred > cycleEnd)
        {
            throw new MilestoneRequestException("occurrence", $"辦理日期{RocDate.Format(occurred)}晚於本期的結束日{RocDate.Format(cycleEnd)}");
        }
    }
}
