using AntiDrugFlow.Integrations;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Milestones;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AntiDrugFlow.Tests.Milestones;

/// <summary>The store's agency filter (part of a name, lead only or lead and co-agencies) and its counts per working group, in PostgreSQL.</summary>
public sealed class MilestoneAgencyFilterTests : IAsyncLifetime
{
    private ServiceProvider _services = null!;
    private Scheduling.MovingClock _clock = null!;

    private MilestoneTracker Tracker => _services.GetRequiredService<MilestoneTracker>();

    public async Task InitializeAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        // 民國106年9月15日 09:00 in Taipei.
        _clock = new Scheduling.MovingClock(new DateTimeOffset(2017, 9, 15, 1, 0, 0, TimeSpan.Zero));
        _services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(_clock)
            .AddWorkflowSystem(connectionString, TestConfiguration.Empty, await Infrastructure.ShippedDirectory.ProviderAsync())
            .AddSingleton<PostgresMilestoneStore>()
            .AddSingleton<IMilestoneScheduler, NoMilestoneScheduler>()
            .AddSingleton<MilestoneTracker>()
            .BuildServiceProvider();
        await Tracker.LoadCycleAsync("t", new MilestoneCatalog("測試行動綱領", "tests", 106, 106, 109, [],
        [
            Item("enforcement-1-1", "106年8月底前", ["內政部（警政署）"], []),
            Item("enforcement-1-2", "106年9月底前", ["教育部"], ["內政部（警政署刑事局）", "法務部"]),
            Item("enforcement-1-3", "106年12月底前", ["法務部（臺高檢）"], ["海巡署"]),
            Item("prevention-1-1", "106年8月底前", ["衛福部（心口司）"], ["教育部（國教署）"]),
            Item("prevention-1-2", "106年10月10日前", ["衛生福利部（保護服務司）"], ["台中市政府"]),
            Item("planning-1-1", "持續辦理", ["法務部"], ["地方政府"]),
        ]), null, CancellationToken.None);
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Theory]
    [InlineData("警政署", MilestoneAgencyRole.LeadOrCo, "enforcement-1-1 enforcement-1-2")]
    [InlineData("警政署", MilestoneAgencyRole.Lead, "enforcement-1-1")]
    [InlineData("教育部", MilestoneAgencyRole.LeadOrCo, "enforcement-1-2 prevention-1-1")]
    [InlineData("教育部", MilestoneAgencyRole.Lead, "enforcement-1-2")]
    [InlineData("法務部", MilestoneAgencyRole.Lead, "enforcement-1-3 planning-1-1")]
    [InlineData("  海巡署 ", MilestoneAgencyRole.LeadOrCo, "enforcement-1-3")]
    [InlineData("海巡署", MilestoneAgencyRole.Lead, "")]
    public async Task Part_of_a_name_finds_every_item_whose_lead_or_co_agency_contains_it(string agency, MilestoneAgencyRole role, string expected)
    {
        var items = await Tracker.ListAsync(new MilestoneFilter("t", Agency: agency, AgencyRole: role), CancellationToken.None);

        Assert.Equal(Ids(expected), items.Select(i => i.Item.Id));
    }

    [Theory]
    [InlineData("台高檢", "enforcement-1-3")]
    [InlineData("臺高檢", "enforcement-1-3")]
    [InlineData("臺中市", "prevention-1-2")]
    [InlineData("台中市", "prevention-1-2")]
    [InlineData("衛生福利部", "prevention-1-1 prevention-1-2")]
    [InlineData("衛福部", "prevention-1-1 prevention-1-2")]
    public async Task Both_ways_of_writing_a_name_find_the_same_items(string agency, string expected)
    {
        var items = await Tracker.ListAsync(new MilestoneFilter("t", Agency: agency), CancellationToken.None);

        Assert.Equal(Ids(expected), items.Select(i => i.Item.Id));
    }

    [Theory]
    [InlineData("%")]
    [InlineData("_")]
    [InlineData("警政署%")]
    public async Task Characters_that_are_wildcards_in_SQL_match_only_themselves(string agency)
    {
        Assert.Empty(await Tracker.ListAsync(new MilestoneFilter("t", Agency: agency), CancellationToken.None));
    }

    [Fact]
    public async Task In_the_2017_plan_the_filter_finds_the_same_items_as_reading_every_name()
    {
        var catalog = await MilestoneCatalog.LoadAsync(RepositoryFiles.ActionPlan2017, CancellationToken.None);
        await Tracker.LoadCycleAsync("2017", catalog, null, CancellationToken.None);

        foreach (var agency in new[] { "警政署", "衛生福利部", "教育部", "台高檢" })
        {
            var key = Key(agency);
            var items = await Tracker.ListAsync(new MilestoneFilter("2017", Agency: agency), CancellationToken.None);
            var lead = await Tracker.ListAsync(new MilestoneFilter("2017", Agency: agency, AgencyRole: MilestoneAgencyRole.Lead), CancellationToken.None);

            Assert.NotEmpty(items);
            Assert.Equal(catalog.Items.Where(i => i.LeadAgencies.Concat(i.CoAgencies).Any(a => Key(a).Contains(key, StringComparison.Ordinal))).Select(i => i.Id), items.Select(i => i.Item.Id));
            Assert.Equal(catalog.Items.Where(i => i.LeadAgencies.Any(a => Key(a).Contains(key, StringComparison.Ordinal))).Select(i => i.Id), lead.Select(i => i.Item.Id));
        }

        // 「衛生福利部」 finds the items the plan writes as 「衛福部（…）」 as well.
        Assert.Contains(await Tracker.ListAsync(new MilestoneFilter("2017", Agency: "衛生福利部"), CancellationToken.None), i => i.Item.LeadAgencies.Contains("衛福部（食藥署）"));

        static string Key(string name) => name.Replace('臺', '台').Replace("衛生福利部", "衛福部", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_working_group_counts_overdue_due_soon_done_and_open_items_and_each_count_is_the_length_of_its_list()
    {
        await Tracker.RecordProgressAsync("t", "enforcement-1-3", new ProgressUpdate("臺高檢", MilestoneStatus.Done, "已完成"), CancellationToken.None);

        var counts = await Tracker.CountByGroupAsync(new MilestoneFilter("t"), CancellationToken.None);

        Assert.Equal(MilestoneCatalog.Groups, counts.Select(c => c.Group));
        // Today is 民國106年9月15日: 8月底 has passed, 9月底 and 10月9日 are within 30 days, 12月底 is not.
        Assert.Equal(new MilestoneGroupCounts("緝毒合作組", Overdue: 1, DueSoon: 1, Done: 1, Open: 2), counts.Single(c => c.Group == "緝毒合作組"));
        Assert.Equal(new MilestoneGroupCounts("拒毒預防組", Overdue: 1, DueSoon: 1, Done: 0, Open: 2), counts.Single(c => c.Group == "拒毒預防組"));
        Assert.Equal(new MilestoneGroupCounts("綜合規劃組", Overdue: 0, DueSoon: 0, Done: 0, Open: 1), counts.Single(c => c.Group == "綜合規劃組"));
        Assert.Equal(new MilestoneGroupCounts("防毒監控組", 0, 0, 0, 0), counts.Single(c => c.Group == "防毒監控組"));

        foreach (var group in counts)
        {
            var byGroup = new MilestoneFilter("t", Group: group.Group);
            Assert.Equal(group.Overdue, (await Tracker.ListAsync(Tracker.Narrow(byGroup, MilestoneStanding.Overdue), CancellationToken.None)).Count);
            Assert.Equal(group.DueSoon, (await Tracker.ListAsync(Tracker.Narrow(byGroup, MilestoneStanding.DueSoon), CancellationToken.None)).Count);
            Assert.Equal(group.Done, (await Tracker.ListAsync(Tracker.Narrow(byGroup, MilestoneStanding.Done), CancellationToken.None)).Count);
            Assert.Equal(group.Open, (await Tracker.ListAsync(Tracker.Narrow(byGroup, MilestoneStanding.Open), CancellationToken.None)).Count);
        }

        // With an agency filter, only that agency's items are counted.
        var police = await Tracker.CountByGroupAsync(new MilestoneFilter("t", Agency: "警政署", AgencyRole: MilestoneAgencyRole.Lead), CancellationToken.None);
        Assert.Equal(new MilestoneGroupCounts("緝毒合作組", Overdue: 1, DueSoon: 0, Done: 0, Open: 1), police.Single(c => c.Group == "緝毒合作組"));
        Assert.All(police.Where(c => c.Group != "緝毒合作組"), c => Assert.Equal(0, c.Open + c.Done));
    }

    private static IEnumerable<string> Ids(string expected) => expected.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static MilestoneItem Item(string id, string scheduleText, string[] lead, string[] co)
    {
        var group = id.StartsWith("enforcement", StringComparison.Ordinal) ? "緝毒合作組" : id.StartsWith("prevention", StringComparison.Ordinal) ? "拒毒預防組" : "綜合規劃組";
        return new MilestoneItem(id, group, "測試", "（一）測試策略", "1", "測試用行動方案 " + id, scheduleText, RocSchedule.Parse(scheduleText, 106).Steps, lead, co);
    }
}
