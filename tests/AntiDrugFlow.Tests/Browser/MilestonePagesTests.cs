using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>An administrator works through the action plan's milestones: overdue first, a group, one item marked done, the report.</summary>
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

        // Filter by group, from the keyboard: every row is of that group, and the overdue ones still come first.
        await page.GetByLabel("工作分組").SelectOptionAsync("拒毒預防組");
        await page.GetByLabel("主辦或協辦機關").FocusAsync();
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
}
