using System.Globalization;
using AntiDrugFlow.Workflows.Calendar;

namespace AntiDrugFlow.Workflows.Milestones;

/// <summary>
/// Plans the reminders of a cycle after its items changed: a trigger for every reminder still to come,
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

        var items = await store.ListAsync(new MilestoneFilter(fromCycleId), time.GetUtcNow(), cancellationToken);
        var catalog = new MilestoneCatalog(from.Title, $"由 {from.Id} 期平移 {years} 年", from.DocumentRocYear, from.FromRocYear, from.UntilRocYear, [], [.. items.Select(i => i.Item)]);
        MilestoneCatalog shifted;
        try
        {
            shifted = catalog.ShiftYears(years);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new MilestoneRequestException("years", ex.Message);
        }

        var id = string.IsNullOrWhiteSpace(newCycleId) ? CycleIdOf(shifted) : newCycleId.Trim();
        if (!await LoadCycleAsync(id, shifted, from.Id, cancellationToken))
        {
            throw new MilestoneRequestException("id", $"期別 {id} 已存在");
        }

        return (await store.CycleAsync(id, cancellationToken))!;
    }

    public Task<IReadOnlyList<TrackedMilestone>> ListAsync(MilestoneFilter filter, CancellationToken cancellationToken) =>
        store.ListAsync(filter, time.GetUtcNow(), cancellationToken);

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

    /// <summary>For each ROC year a recurring step applies to, how many occurrences were recorded against how many are required.</summary>
    public static IReadOnlyList<RecurringYear> RecurringYears(TrackedMilestone milestone, MilestoneCycle cycle, IReadOnlyList<MilestoneProgress> progress)
    {
        var years = new List<RecurringYear>();
        foreach (var step in milestone.RecurringSteps)
        {
            var first = step.From is { } from ? Math.Max(RocDate.ToRocYear(from.Year), cycle.FromRocYear) : cycle.FromRocYear;
            for (var year = first; year <= cycle.UntilRocYear; year++)
            {
                var recorded = progress.Count(p => p.OccurrenceRocYear == year);
                years.Add(new RecurringYear(year, recorded, step.PerYear!.Value));
            }
        }

        // Two recurring steps for one year would be counted against the larger requirement.
        return [.. years.GroupBy(y => y.RocYear).Select(g => g.MaxBy(y => y.Required)!).OrderBy(y => y.RocYear)];
    }
}
