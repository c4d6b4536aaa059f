using System.Text.RegularExpressions;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Milestones;
using AntiDrugFlow.Workflows.Outbox;
using Microsoft.Playwright;
using Npgsql;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>
/// An administrator works through the action plan's milestones: overdue first, a group, one item marked done, the report;
/// and records, from the keyboard, the day a recurring coordination meeting took place.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class MilestonePagesTests(BrowserHost host)
{
    [Fact]
    public async Task Administrator_filters_the_milestones_records_progress_and_opens_the_execution_report()
    {
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Link, new() { Name = "辦理期程", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "辦理期程", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator("#filter-cycle")).ToHaveValueAsync("2017");

        // The 2017 plan's deadlines are all past and nothing is done, so the first row is overdue, with its ROC due date.
        var rows = page.Locator("#milestones tbody tr");
        await Expect(rows.First).ToContainTextAsync("逾期");
        await Expect(rows.First).ToContainTextAsync(new Regex("民國10[6-9]年"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "未來三個月", Level = 2 })).ToBeVisibleAsync();
        await Expect(page.Locator("#calendar h3")).ToHaveCountAsync(3);
        await Expect(page.Locator("#calendar h3").First).ToContainTextAsync(new Regex("^民國\\d+年\\d+月$"));

        var unlabelled = await page.EvaluateAsync<string[]>(
            "[...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.outerHTML)");
        Assert.Empty(unlabelled);

        // The working groups side by side; each count links to its items.
        await Expect(page.Locator("#groups tbody tr")).ToHaveCountAsync(5);
        await Expect(page.Locator("#groups tbody th").First).ToHaveTextAsync("防毒監控組");

        // Filter by group, from the keyboard: every row is of that group, and the overdue ones still come first.
        await page.GetByLabel("工作分組", new() { Exact = true }).SelectOptionAsync("拒毒預防組");
        await page.GetByLabel("機關名稱").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex("group=%E6%8B%92"));
        await Expect(page.Locator("#milestones tbody tr td:first-child").First).ToHaveTextAsync("拒毒預防組");
        var groups = await page.Locator("#milestones tbody tr td:first-child").AllInnerTextsAsync();
        Assert.All(groups, g => Assert.Equal("拒毒預防組", g));
        await Expect(rows.First).ToContainTextAsync("逾期");

        Directory.CreateDirectory(Path.Combine(BrowserHost.Repository, "docs", "screenshots"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserHost.Repository, "docs", "screenshots", "milestones.png"), FullPage = true });

        // Open the first item and mark it done with a note.
        await rows.First.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("行動方案");
        await Expect(page.Locator("#milestone-status")).ToHaveTextAsync("尚未辦理");
        var itemId = Uri.UnescapeDataString(new Uri(page.Url).Segments[^1]);
        await Expect(page.Locator("#schedule tbody tr").First).ToBeVisibleAsync();
        await page.GetByLabel("狀態").SelectOptionAsync(new SelectOptionValue { Label = "已完成" });
        await page.GetByLabel(new Regex("^辦理說明")).FillAsync("已於校園完成三級聯繫演練");
        await page.GetByRole(AriaRole.Button, new() { Name = "登錄" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已登錄辦理情形");
        await Expect(page.Locator("#milestone-status")).ToHaveTextAsync("已完成");
        var history = page.Locator("#history tbody tr");
        await Expect(history).ToHaveCountAsync(1);
        await Expect(history.First).ToContainTextAsync("已於校園完成三級聯繫演練");
        await Expect(history.First).ToContainTextAsync("已完成");
        await Expect(history.First.Locator("time")).ToHaveTextAsync(RocDateTime());

        // The report for the whole cycle runs in the background: its progress page, then the report inside the site, one section per working group.
        await page.GetByRole(AriaRole.Link, new() { Name = "辦理期程" }).First.ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "產生執行成果報告" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/admin/operations/\\d+$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("產生執行成果報告");
        await Expect(page.GetByLabel(new Regex("^處理進度"))).ToBeVisibleAsync();
        await Expect(page.Locator("#operation-status")).ToHaveTextAsync("已完成");
        await page.GetByRole(AriaRole.Link, new() { Name = "檢視執行成果報告" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("執行成果報告");
        foreach (var group in new[] { "防毒監控組", "拒毒預防組", "緝毒合作組", "毒品戒治組", "綜合規劃組" })
        {
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = group, Level = 2 })).ToBeVisibleAsync();
        }

        // The item marked done above shows so in the report, and the Markdown download is offered.
        var reported = page.Locator("table.report tbody tr").Filter(new() { Has = page.GetByRole(AriaRole.Link, new() { Name = itemId, Exact = true }) });
        await Expect(reported).ToContainTextAsync("已完成");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "下載 Markdown 檔" })).ToHaveAttributeAsync("href", new Regex("format=markdown$"));
    }

    [GeneratedRegex(@"^民國\d{3}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$")]
    private static partial Regex RocDateTime();

    [Fact]
    public async Task Administrator_records_by_keyboard_the_day_a_recurring_meeting_took_place_and_it_counts_in_that_year()
    {
        // The shipped plan's schedules have no recurring step, so a small cycle holds one: 「每年召開2次以上協調會議」.
        // Its id sorts before 2017, so the list still opens on the shipped plan.
        await AddRecurringCycleAsync("106-recurring");
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/admin/milestones/106-recurring/prevention-4-2");
        await Expect(page.Locator("#years li").First).ToHaveTextAsync("民國 106 年：已辦理 0／2 次");

        // A date that cannot be read is refused next to the field, quoting it.
        var occurrence = page.GetByLabel(new Regex("^辦理日期"));
        await occurrence.FocusAsync();
        await page.Keyboard.TypeAsync("106/13/01");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#occurrence-error")).ToHaveTextAsync("辦理日期：無法解讀日期「106/13/01」：沒有13月");
        await Expect(occurrence).ToHaveValueAsync("106/13/01");

        // Corrected from the keyboard alone: the date, Tab to the status, Tab to the note, Tab to the button.
        await occurrence.FocusAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("106年11月3日");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("progress-status", await ActiveIdAsync(page));
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("progress-note", await ActiveIdAsync(page));
        await page.Keyboard.TypeAsync("第二次跨部會協調會議");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("progress-button", await ActiveIdAsync(page));
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("已登錄辦理情形");
        await Expect(page.Locator("#years li").First).ToHaveTextAsync("民國 106 年：已辦理 1／2 次：民國106年11月3日");
        var history = page.Locator("#history tbody tr");
        await Expect(history).ToHaveCountAsync(1);
        await Expect(history.First.Locator(".occurred-on")).ToHaveTextAsync("民國106年11月3日");
        await Expect(history.First).ToContainTextAsync("第二次跨部會協調會議");
    }

    private static Task<string> ActiveIdAsync(IPage page) => page.EvaluateAsync<string>("document.activeElement.id");

    private async Task AddRecurringCycleAsync(string cycleId)
    {
        const string schedule = "每年召開2次以上協調會議";
        var catalog = new MilestoneCatalog("測試行動綱領", "browser tests", 106, 106, 109, [],
        [
            new MilestoneItem(
                "prevention-4-2", "拒毒預防組", "拒毒", "（四）個案追蹤輔導及資料庫之建立", "2",
                "建立教育與社政、司法、警政橫向連繫平臺，每年召開2次以上協調會議。", schedule, RocSchedule.Parse(schedule, 106).Steps,
                ["衛生福利部（保護服務司）"], ["內政部", "法務部"]),
        ]);
        await using var dataSource = NpgsqlDataSource.Create(host.ConnectionString);
        var now = TimeProvider.System.GetUtcNow();
        await new PostgresMilestoneStore(dataSource, new PostgresOutboxStore(dataSource)).InsertCycleAsync(new MilestoneCycle(cycleId, catalog.Title, 106, 106, 109, null, now), catalog, now, CancellationToken.None);
    }
}
