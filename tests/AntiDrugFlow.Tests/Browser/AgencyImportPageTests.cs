using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>An administrator imports agencies on the directory page: a file with errors first, then the corrected one.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AgencyImportPageTests(BrowserHost host)
{
    private const string Header = "id,name,kind,level,county,parent,emails,policeStation";

    private static FilePayload Csv(string name, params string[] rows) => new()
    {
        Name = name,
        MimeType = "text/csv",
        Buffer = Encoding.UTF8.GetBytes(string.Join('\n', [Header, .. rows]) + "\n"),
    };

    [Fact]
    public async Task Administrator_uploads_a_csv_follows_its_progress_and_finds_the_new_agency_in_the_directory()
    {
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Link, new() { Name = "機關名錄", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "機關名錄", Level = 1 })).ToBeVisibleAsync();
        var unlabelled = await page.EvaluateAsync<string[]>(
            "[...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.outerHTML)");
        Assert.Empty(unlabelled);

        // A file with two mistakes: both are listed with their lines, and the directory keeps what it had.
        await page.GetByLabel("名錄檔案（.json 或 .csv，可選多個）").SetInputFilesAsync(Csv("browser-schools.csv",
            "kee-sch-browser-jh,基隆市立瀏覽器測試國民中學,School,3,TW-KEE,kee-gov,,kee-p1-no-such-station",
            "kee-sch-browser-2,基隆市立第二測試國民中學,School,5,TW-KEE,kee-gov,,kee-p1-zhong-er-rd"));
        await page.GetByLabel(new Regex("^新增或更新")).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "開始匯入" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/admin/operations/\\d+$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("匯入機關名錄");
        await Expect(page.GetByLabel(new Regex("^處理進度"))).ToBeVisibleAsync();
        await Expect(page.Locator("#operation-status")).ToHaveTextAsync("失敗");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("2 項錯誤");
        var problems = page.Locator("#operation-problems tbody tr");
        await Expect(problems).ToHaveCountAsync(2);
        await Expect(problems.Nth(0)).ToContainTextAsync("browser-schools.csv 第2行");
        await Expect(problems.Nth(0)).ToContainTextAsync("policeStation");
        await Expect(problems.Nth(1)).ToContainTextAsync("browser-schools.csv 第3行");
        await Expect(problems.Nth(1)).ToContainTextAsync("level");

        // Back to the directory from the keyboard, and the corrected file.
        await page.GetByRole(AriaRole.Link, new() { Name = "回到機關名錄重新匯入" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "機關名錄", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator("#agencies")).Not.ToContainTextAsync("基隆市立瀏覽器測試國民中學");
        await page.GetByLabel("名錄檔案（.json 或 .csv，可選多個）").SetInputFilesAsync(Csv("browser-schools.csv",
            "kee-sch-browser-jh,基隆市立瀏覽器測試國民中學,School,3,TW-KEE,kee-gov,,kee-p1-zhong-er-rd"));
        await page.GetByRole(AriaRole.Button, new() { Name = "開始匯入" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(page).ToHaveURLAsync(new Regex("/admin/operations/\\d+$"));
        await Expect(page.Locator("#operation-status")).ToHaveTextAsync("已完成");
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("新增 1 個");
        await Expect(page.Locator("#operation-counts")).ToContainTextAsync("（100%）");
        await page.GetByRole(AriaRole.Link, new() { Name = "查看機關名錄" }).ClickAsync();

        await page.GetByLabel("縣市").SelectOptionAsync("TW-KEE");
        await page.GetByLabel("機關類別").SelectOptionAsync("School");
        await page.GetByRole(AriaRole.Button, new() { Name = "套用篩選" }).ClickAsync();
        var row = page.Locator("#agencies tbody tr").Filter(new() { HasText = "kee-sch-browser-jh" });
        await Expect(row).ToContainTextAsync("基隆市立瀏覽器測試國民中學");
        await Expect(row).ToContainTextAsync("基隆市警察局第一分局忠二路派出所");
        await Expect(page.Locator("#directory-versions tbody tr").First).ToContainTextAsync("browser-schools.csv");
    }
}
