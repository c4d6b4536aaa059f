using System.Text.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Calendar;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Milestones;
using Xunit;

namespace AntiDrugFlow.Tests.Milestones;

public sealed class MilestoneCatalogTests
{
    private static Task<MilestoneCatalog> LoadPlan() =>
        MilestoneCatalog.LoadAsync(RepositoryFiles.ActionPlan2017, CancellationToken.None);

    private static MilestoneItem Item(MilestoneCatalog catalog, string id) => Assert.Single(catalog.Items, i => i.Id == id);

    [Fact]
    public async Task Catalog_holds_every_action_item_of_the_plan_by_group()
    {
        var catalog = await LoadPlan();

        // Counted in the seed's five tables: numbered 行動方案, plus the four unnumbered rows of 防毒（二）.
        Assert.Equal(105, catalog.Items.Count);
        var byGroup = catalog.Items.GroupBy(i => i.Group).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(8, byGroup["防毒監控組"]);
        Assert.Equal(16, byGroup["拒毒預防組"]);
        Assert.Equal(29, byGroup["緝毒合作組"]);
        Assert.Equal(25, byGroup["毒品戒治組"]);
        Assert.Equal(27, byGroup["綜合規劃組"]);
        Assert.Equal(106, catalog.DocumentRocYear);
        Assert.Equal((106, 109), (catalog.FromRocYear, catalog.UntilRocYear));
    }

    [Fact]
    public async Task Strategies_keep_their_numbered_headings_and_item_counts()
    {
        var catalog = await LoadPlan();

        var strategies = catalog.Items.GroupBy(i => (i.Group, i.Strategy)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(10, strategies.Keys.Count(k => k.Group == "緝毒合作組"));
        Assert.Equal(14, strategies[("綜合規劃組", "（三）修正毒品危害防制條例及相關法令")]);
        Assert.Equal(5, strategies[("拒毒預防組", "（一）綿密毒品防制通報網絡")]);
        Assert.All(catalog.Items, i => Assert.Matches(@"^（[一二三四五六七八九十]+）\S", i.Strategy));
    }

    [Fact]
    public async Task Three_level_school_police_mechanism_is_led_by_education_with_the_police()
    {
        var item = Item(await LoadPlan(), "prevention-1-1");

        Assert.Equal("拒毒預防組", item.Group);
        Assert.StartsWith("建立「教育單位協助檢警緝毒通報機制三級聯繫機制」", item.Action, StringComparison.Ordinal);
        Assert.Equal("106年12月底前完成修正並實施", item.ScheduleText);
        Assert.Equal(["教育部"], item.LeadAgencies);
        Assert.Equal(["內政部（警政署）"], item.CoAgencies);
        Assert.Equal(Expect.EndOf("2017-12-31"), Assert.Single(item.Schedule).Due);
    }

    [Fact]
    public async Task Military_notification_items_carry_their_deadlines_and_agencies()
    {
        var catalog = await LoadPlan();

        var mechanism = Item(catalog, "enforcement-6-1");
        Assert.Equal("106年8月底前", mechanism.ScheduleText);
        Assert.Equal(["國防部（憲指部）"], mechanism.LeadAgencies);
        Assert.Equal(["內政部（警政署）", "法務部（臺高檢）", "法務部（調查局）", "海巡署"], mechanism.CoAgencies);

        var schools = Item(catalog, "enforcement-6-3");
        Assert.StartsWith("各憲兵隊建立與轄區內各軍事院校通報模式", schools.Action, StringComparison.Ordinal);
        Assert.Equal(Expect.EndOf("2017-12-31"), schools.Schedule[0].Due);

        var rules = Item(catalog, "planning-3-10");
        Assert.Contains("辦理國軍毒品案件聯繫通報要點", rules.Action, StringComparison.Ordinal);
        Assert.Equal("10部分於106年8月底前完成相關法制作業；", rules.ScheduleText);
        Assert.Equal(Expect.EndOf("2017-08-31"), rules.Schedule[0].Due);
    }

    [Fact]
    public async Task Items_keep_the_plans_typos_in_their_schedule_text()
    {
        var catalog = await LoadPlan();

        Assert.Equal("持續辦理06-109年", Item(catalog, "treatment-4-3").ScheduleText);
        Assert.StartsWith("106年6月底已完意願調查", Item(catalog, "treatment-4-1").ScheduleText, StringComparison.Ordinal);
        Assert.Contains("107年6底委託建物修繕", Item(catalog, "treatment-3-1").ScheduleText, StringComparison.Ordinal);
        Assert.StartsWith("106年12底建立聯繫平臺", Item(catalog, "treatment-8-1").ScheduleText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publicity_item_lists_all_seven_co_agencies()
    {
        var item = Item(await LoadPlan(), "planning-1-1");

        Assert.Equal(["行政院新傳處"], item.LeadAgencies);
        Assert.Equal(["內政部", "教育部", "法務部", "衛福部", "國防部", "財政部", "海巡署"], item.CoAgencies);
        Assert.Equal("106年底完成", item.ScheduleText);
    }

    [Fact]
    public async Task Every_schedule_text_in_the_catalog_has_an_expected_meaning_in_the_parser_tests()
    {
        var catalog = await LoadPlan();
        var covered = SeedSchedules.Texts.ToHashSet(StringComparer.Ordinal);

        var texts = catalog.Items.Select(i => i.ScheduleText).ToHashSet(StringComparer.Ordinal);
        var uncovered = texts.Except(covered).ToList();
        var unused = covered.Except(texts).ToList();

        Assert.Empty(uncovered);
        Assert.Empty(unused);
    }

    [Fact]
    public void Every_stored_schedule_in_the_file_equals_what_the_parser_reads()
    {
        // Read the file itself, not through the loader, so that the stored JSON is what is compared.
        var root = JsonNode.Parse(File.ReadAllText(RepositoryFiles.ActionPlan2017))!;
        var documentYear = root["documentRocYear"]!.GetValue<int>();
        var items = root["items"]!.AsArray();
        Assert.NotEmpty(items);

        foreach (var item in items)
        {
            var parsed = RocSchedule.Parse(item!["scheduleText"]!.GetValue<string>(), documentYear);
            var expected = JsonSerializer.SerializeToNode(parsed.Steps, MilestoneCatalog.JsonOptions);
            Assert.True(
                JsonNode.DeepEquals(expected, item["schedule"]),
                $"{item["id"]}: stored {item["schedule"]!.ToJsonString()} but the parser reads {expected!.ToJsonString()}");
        }
    }

    [Fact]
    public async Task Ids_are_unique_and_every_item_has_a_lead_agency()
    {
        var catalog = await LoadPlan();

        Assert.Equal(catalog.Items.Count, catalog.Items.Select(i => i.Id).Distinct().Count());
        Assert.All(catalog.Items, i => Assert.NotEmpty(i.LeadAgencies));
    }

    [Fact]
    public async Task Shifting_four_years_moves_every_date_into_the_next_cycle()
    {
        var plan = await LoadPlan();

        var next = plan.ShiftYears(4);

        Assert.Equal((110, 110, 113), (next.DocumentRocYear, next.FromRocYear, next.UntilRocYear));
        Assert.Equal(plan.Items.Select(i => i.Id), next.Items.Select(i => i.Id));
        foreach (var (before, after) in plan.Items.Zip(next.Items))
        {
            Assert.Equal(before.Schedule.Count, after.Schedule.Count);
            foreach (var (old, moved) in before.Schedule.Zip(after.Schedule))
            {
                Assert.Equal(old.Kind, moved.Kind);
                Assert.Equal(Moved(old.Due), moved.Due);
                Assert.Equal(Moved(old.From), moved.From);
                Assert.Equal(Moved(old.Until), moved.Until);
                Assert.Equal(Moved(old.DoneOn), moved.DoneOn);
            }
        }

        Assert.Equal("110年8月底前", Item(next, "enforcement-6-1").ScheduleText);
        Assert.Equal(Expect.EndOf("2021-08-31"), Item(next, "enforcement-6-1").Schedule[0].Due);
        Assert.Equal("持續辦理110-113年", Item(next, "treatment-4-3").ScheduleText);
        Assert.Equal("106年8月底前", Item(plan, "enforcement-6-1").ScheduleText);
    }

    // Four years keep the leap cycle, so every date, month ends included, moves by the calendar year.
    private static DateOnly? Moved(DateOnly? date) => date?.AddYears(4);

    private static DateTimeOffset? Moved(DateTimeOffset? due) => due?.AddYears(4);

    [Fact]
    public async Task Shifting_keeps_month_ends_at_the_end_of_the_month()
    {
        var next = (await LoadPlan()).ShiftYears(2);

        // 107年2月底 is February 28; two years on, 109年2月底 is February 29.
        var database = Item(next, "prevention-4-3");
        Assert.StartsWith("109年2月底前完成資料庫擴充", database.ScheduleText, StringComparison.Ordinal);
        Assert.Equal(Expect.EndOf("2020-02-29"), database.Schedule[0].Due);
    }

    [Theory]
    [InlineData("1-7部分，於106年6月底前將修正草案提報行政院；", "1-7部分，於110年6月底前將修正草案提報行政院；")]
    [InlineData("自107年4月至107年10月陸續完成4部X光儀檢設備更新", "自111年4月至111年10月陸續完成4部X光儀檢設備更新")]
    [InlineData("107年1-2月：交接準備期", "111年1-2月：交接準備期")]
    [InlineData("106學年度起實施", "110學年度起實施")]
    [InlineData("107至108年：試辦及建置期", "111至112年：試辦及建置期")]
    [InlineData("13、14部分，毒品危害防制條例第2條之2修正草案業於本年6月14日公布實施", "13、14部分，毒品危害防制條例第2條之2修正草案業於本年6月14日公布實施")]
    public void Shifting_a_schedule_text_moves_years_and_nothing_else(string text, string shifted)
    {
        Assert.Equal(shifted, MilestoneCatalog.ShiftScheduleText(text, 4));
    }

    [Fact]
    public async Task Shifted_catalog_saves_and_loads_again()
    {
        var next = (await LoadPlan()).ShiftYears(4);
        using var file = new TemporaryFile(string.Empty);

        await next.SaveAsync(file.Path, CancellationToken.None);
        var reloaded = await MilestoneCatalog.LoadAsync(file.Path, CancellationToken.None);

        Assert.Equal(next.Items.Count, reloaded.Items.Count);
        Assert.Equal(next.Items.SelectMany(i => i.Schedule), reloaded.Items.SelectMany(i => i.Schedule));
        Assert.Equal(next.Items.Select(i => i.ScheduleText), reloaded.Items.Select(i => i.ScheduleText));
    }
}
