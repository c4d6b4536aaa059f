using AntiDrugFlow.Integrations;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows;
using AntiDrugFlow.Workflows.Milestones;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static AntiDrugFlow.Tests.Scheduling.ReminderFixtures;

namespace AntiDrugFlow.Tests.Milestones;

/// <summary>The catalog in the database: cycles, status per cycle, progress, per-year counts and filters.</summary>
public sealed class MilestoneTrackingTests : IAsyncLifetime
{
    private ServiceProvider _services = null!;
    private Scheduling.MovingClock _clock = null!;

    private MilestoneTracker Tracker => _services.GetRequiredService<MilestoneTracker>();

    public async Task InitializeAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        _clock = new Scheduling.MovingClock(new DateTimeOffset(2017, 9, 15, 1, 0, 0, TimeSpan.Zero));
        _services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(_clock)
            .AddWorkflowSystem(connectionString, TestConfiguration.Empty, await Infrastructure.ShippedDirectory.ProviderAsync())
            .AddSingleton<PostgresMilestoneStore>()
            .AddSingleton<IMilestoneScheduler, NoMilestoneScheduler>()
            .AddSingleton<MilestoneTracker>()
            .BuildServiceProvider();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task The_2017_plan_loads_as_cycle_2017_with_every_item_and_items_the_plan_records_as_done_start_done()
    {
        var catalog = await MilestoneCatalog.LoadAsync(RepositoryFiles.ActionPlan2017, CancellationToken.None);

        Assert.True(await Tracker.LoadCycleAsync(MilestoneTracker.CycleIdOf(catalog), catalog, null, CancellationToken.None));
        Assert.False(await Tracker.LoadCycleAsync("2017", catalog, null, CancellationToken.None));

        var items = await Tracker.ListAsync(new MilestoneFilter("2017"), CancellationToken.None);
        Assert.Equal(catalog.Items.Select(i => i.Id), items.Select(i => i.Item.Id));
        Assert.Equal(catalog.Items.Select(i => i.Schedule), items.Select(i => i.Item.Schedule));
        var done = items.Where(i => i.Item.Schedule.All(s => s.Kind == Workflows.Calendar.RocScheduleKind.Done)).ToList();
        Assert.NotEmpty(done);
        Assert.All(done, i => Assert.Equal(MilestoneStatus.Done, i.Status));
        Assert.All(items.Except(done), i => Assert.Equal(MilestoneStatus.NotStarted, i.Status));
    }

    [Fact]
    public async Task A_plan_loaded_again_four_years_later_is_a_new_cycle_with_shifted_deadlines_and_status_of_its_own()
    {
        var catalog = await MilestoneCatalog.LoadAsync(RepositoryFiles.ActionPlan2017, CancellationToken.None);
        await Tracker.LoadCycleAsync("2017", catalog, null, CancellationToken.None);
        var first = (await Tracker.ListAsync(new MilestoneFilter("2017"), CancellationToken.None)).First(i => i.Deadlines.Count > 0 && i.Status != MilestoneStatus.Done);
        await Tracker.RecordProgressAsync("2017", first.Item.Id, new ProgressUpdate("綜合規劃組", MilestoneStatus.Done, "已完成"), CancellationToken.None);

        var next = await Tracker.ShiftCycleAsync("2017", 4, null, CancellationToken.None);

        Assert.Equal("2021", next.Id);
        Assert.Equal("2017", next.ShiftedFrom);
        Assert.Equal((110, 113), (next.FromRocYear, next.UntilRocYear));
        var shifted = (await Tracker.GetAsync("2021", first.Item.Id, CancellationToken.None))!.Milestone;
        Assert.Equal(MilestoneStatus.NotStarted, shifted.Status);
        Assert.Equal(first.Deadlines[0].Due.AddYears(4).Date, shifted.Deadlines[0].Due.Date);
        Assert.Equal(MilestoneStatus.Done, (await Tracker.GetAsync("2017", first.Item.Id, CancellationToken.None))!.Milestone.Status);
        Assert.Equal(
            (await Tracker.ListAsync(new MilestoneFilter("2017"), CancellationToken.None)).Count,
            (await Tracker.ListAsync(new MilestoneFilter("2021"), CancellationToken.None)).Count);
        var again = await Assert.ThrowsAsync<MilestoneRequestException>(() => Tracker.ShiftCycleAsync("2017", 4, null, CancellationToken.None));
        Assert.Equal("id", again.Field);
    }

    [Fact]
    public async Task Marking_an_item_done_records_who_when_and_a_short_note()
    {
        await Tracker.LoadCycleAsync("t", Catalog(Item("planning-1-1", "106年8月底前", documentRocYear: 106)), null, CancellationToken.None);

        var detail = await Tracker.RecordProgressAsync("t", "planning-1-1", new ProgressUpdate("矯正署企劃科", MilestoneStatus.Done, "修正草案已送立法院"), CancellationToken.None);

        var progress = Assert.Single(detail.Progress);
        Assert.Equal(("矯正署企劃科", MilestoneStatus.Done, "修正草案已送立法院", _clock.GetUtcNow()), (progress.RecordedBy, progress.Status, progress.Note, progress.RecordedAt));
        Assert.Equal(("矯正署企劃科", "修正草案已送立法院", _clock.GetUtcNow()), (detail.Milestone.StatusBy, detail.Milestone.StatusNote, detail.Milestone.StatusAt));
        Assert.False(detail.Milestone.IsOverdueAt(_clock.GetUtcNow()));

        var tooLong = await Assert.ThrowsAsync<MilestoneRequestException>(() => Tracker.RecordProgressAsync("t", "planning-1-1", new ProgressUpdate("某人", null, new string('字', 501)), CancellationToken.None));
        Assert.Equal("note", tooLong.Field);
        var nobody = await Assert.ThrowsAsync<MilestoneRequestException>(() => Tracker.RecordProgressAsync("t", "planning-1-1", new ProgressUpdate(" ", MilestoneStatus.InProgress, null), CancellationToken.None));
        Assert.Equal("by", nobody.Field);
    }

    [Fact]
    public async Task A_recurring_obligation_counts_occurrences_in_the_year_they_took_place_not_the_year_they_were_recorded()
    {
        await Tracker.LoadCycleAsync("t", Catalog(Item("prevention-1-1", "106年7月起每年展開至少2次", documentRocYear: 106)) with { DocumentRocYear = 106, FromRocYear = 106, UntilRocYear = 109 }, null, CancellationToken.None);

        // Everything is recorded in 民國107年; two of the occurrences took place in 106.
        _clock.Set(new DateTimeOffset(2018, 4, 1, 1, 0, 0, TimeSpan.Zero));
        await Tracker.RecordProgressAsync("t", "prevention-1-1", new ProgressUpdate("教育部", MilestoneStatus.InProgress, "第一次宣導", new DateOnly(2017, 8, 1)), CancellationToken.None);
        await Tracker.RecordProgressAsync("t", "prevention-1-1", new ProgressUpdate("教育部", null, "第二次宣導", new DateOnly(2017, 12, 31)), CancellationToken.None);
        var detail = await Tracker.RecordProgressAsync("t", "prevention-1-1", new ProgressUpdate("教育部", null, "107年第一次", new DateOnly(2018, 1, 1)), CancellationToken.None);

        Assert.Equal(
            [new RecurringYear(106, 2, 2), new RecurringYear(107, 1, 2), new RecurringYear(108, 0, 2), new RecurringYear(109, 0, 2)],
            detail.Years);
        Assert.True(detail.Years[0].Met);
        Assert.False(detail.Years[1].Met);
        Assert.Equal([new DateOnly(2017, 8, 1), new DateOnly(2017, 12, 31), new DateOnly(2018, 1, 1)], detail.Progress.Select(p => p.OccurredOn));
        Assert.All(detail.Progress, p => Assert.Equal(_clock.GetUtcNow(), p.RecordedAt));

        await Tracker.LoadCycleAsync("d", Catalog(Item("planning-1-1", "106年8月底前", documentRocYear: 106)), null, CancellationToken.None);
        var refused = await Assert.ThrowsAsync<MilestoneRequestException>(() => Tracker.RecordProgressAsync("d", "planning-1-1", new ProgressUpdate("某人", null, null, new DateOnly(2017, 8, 1)), CancellationToken.None));
        Assert.Equal("occurrence", refused.Field);
    }

    [Fact]
    public async Task An_occurrence_in_the_future_before_the_duty_began_or_after_the_cycle_is_refused_and_nothing_is_recorded()
    {
        await Tracker.LoadCycleAsync("t", Catalog(Item("prevention-1-1", "106年7月起每年展開至少2次", documentRocYear: 106)) with { DocumentRocYear = 106, FromRocYear = 106, UntilRocYear = 109 }, null, CancellationToken.None);

        // Today is 民國106年9月15日.
        var future = await Assert.ThrowsAsync<MilestoneRequestException>(() => Tracker.RecordProgressAsync("t", "prevention-1-1", new ProgressUpdate("教育部", null, null, new DateOnly(2017, 9, 16)), CancellationToken.None));
        Assert.Equal(("occurrence", "辦理日期民國106年9月16日晚於今天（民國106年9月15日），請登錄已辦理的日期"), (future.Field, future.Reason));

        var early = await Assert.ThrowsAsync<MilestoneRequestException>(() => Tracker.RecordProgressAsync("t", "prevention-1-1", new ProgressUpdate("教育部", null, null, new DateOnly(2017, 6, 30)), CancellationToken.None));
        Assert.Equal(("occurrence", "辦理日期民國106年6月30日早於此項目定期辦理的起始日民國106年7月1日"), (early.Field, early.Reason));

        _clock.Set(new DateTimeOffset(2022, 3, 1, 1, 0, 0, TimeSpan.Zero));
        var late = await Assert.ThrowsAsync<MilestoneRequestException>(() => Tracker.RecordProgressAsync("t", "prevention-1-1", new ProgressUpdate("教育部", null, null, new DateOnly(2021, 1, 4)), CancellationToken.None));
        Assert.Equal(("occurrence", "辦理日期民國110年1月4日晚於本期的結束日民國109年12月31日"), (late.Field, late.Reason));

        Assert.Empty((await Tracker.GetAsync("t", "prevention-1-1", CancellationToken.None))!.Progress);
    }

    [Fact]
    public async Task Items_filter_by_group_agency_due_between_and_overdue()
    {
        var catalog = await MilestoneCatalog.LoadAsync(RepositoryFiles.ActionPlan2017, CancellationToken.None);
        await Tracker.LoadCycleAsync("2017", catalog, null, CancellationToken.None);
        var now = _clock.GetUtcNow();
        var all = await Tracker.ListAsync(new MilestoneFilter("2017"), CancellationToken.None);

        var group = await Tracker.ListAsync(new MilestoneFilter("2017", Group: "拒毒預防組"), CancellationToken.None);
        Assert.Equal(all.Where(i => i.Item.Group == "拒毒預防組").Select(i => i.Item.Id), group.Select(i => i.Item.Id));

        // Part of a name: 「教育部」 finds 「教育部（國教署）」 too.
        var agency = await Tracker.ListAsync(new MilestoneFilter("2017", Agency: "教育部"), CancellationToken.None);
        Assert.Equal(all.Where(i => i.Item.LeadAgencies.Concat(i.Item.CoAgencies).Any(a => a.Contains("教育部", StringComparison.Ordinal))).Select(i => i.Item.Id), agency.Select(i => i.Item.Id));
        Assert.Contains(agency, i => i.Item.LeadAgencies.Concat(i.Item.CoAgencies).Contains("教育部（國教署）") && !i.Item.LeadAgencies.Concat(i.Item.CoAgencies).Contains("教育部"));

        var from = new DateTimeOffset(2017, 7, 1, 0, 0, 0, TimeSpan.FromHours(8));
        var until = new DateTimeOffset(2017, 12, 31, 23, 59, 59, TimeSpan.FromHours(8));
        var between = await Tracker.ListAsync(new MilestoneFilter("2017", DueFrom: from, DueUntil: until), CancellationToken.None);
        Assert.NotEmpty(between);
        Assert.Equal(all.Where(i => i.Deadlines.Any(d => d.Due >= from && d.Due <= until)).Select(i => i.Item.Id), between.Select(i => i.Item.Id));

        var overdue = await Tracker.ListAsync(new MilestoneFilter("2017", Overdue: true), CancellationToken.None);
        Assert.NotEmpty(overdue);
        Assert.Equal(all.Where(i => i.IsOverdueAt(now)).Select(i => i.Item.Id), overdue.Select(i => i.Item.Id));
        Assert.Contains(overdue, i => i.Item.ScheduleText.Contains("106年8月底", StringComparison.Ordinal));
    }
}
