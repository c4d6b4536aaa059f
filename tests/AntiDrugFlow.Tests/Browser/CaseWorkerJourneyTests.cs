using AntiDrugFlow.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

[CollectionDefinition(Name)]
public sealed class CaseWorkerBrowserCollection : ICollectionFixture<CaseWorkerBrowserHost>
{
    public const string Name = "case-worker-browser";
}

/// <summary>The host as a real process with login required, the demo accounts and the shipped chains, and headless Chromium.</summary>
public sealed class CaseWorkerBrowserHost : IAsyncLifetime
{
    public const string Password = "TestDemoPass2026";
    private IPlaywright? _playwright;

    public HostProcess Host { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync(migrate: false);
        Host = await HostProcess.StartAsync(connectionString, new Dictionary<string, string>
        {
            ["Security__RequireLogin"] = "true",
            ["Demo__SeedAccounts"] = "true",
            ["Demo__Password"] = Password,
            ["Workflows__Directory"] = AntiDrugFlow.Host.Infrastructure.ProjectPaths.WorkflowsDirectory(),
            ["Smtp__PickupDirectory"] = Directory.CreateTempSubdirectory("adf-browser-mail-").FullName,
        });
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserHost.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
    }

    /// <summary>A fresh browser profile signed in through the login page as the given user.</summary>
    public async Task<(IBrowserContext Context, IPage Page)> SignInAsync(string userName)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = $"http://127.0.0.1:{Host.Port}",
            Locale = "zh-TW",
            TimezoneId = "Asia/Taipei",
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/inbox");
        await page.GetByLabel("帳號").FillAsync(userName);
        await page.GetByLabel("密碼").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "登入" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "待辦事項", Level = 1 })).ToBeVisibleAsync();
        return (context, page);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await Host.DisposeAsync();
    }
}

/// <summary>School staff and police at work in a real browser: an urgent tip-off, the right station's inbox, and a station that must not see it.</summary>
[Collection(CaseWorkerBrowserCollection.Name)]
public sealed class CaseWorkerJourneyTests(CaseWorkerBrowserHost host)
{
    [Fact]
    public async Task School_staff_start_an_urgent_tip_off_the_right_station_acknowledges_it_and_another_station_does_not_see_it()
    {
        // School staff: the notification form, with its labels, the 緊急 choice and a validation message next to the field.
        var (schoolContext, school) = await host.SignInAsync("school.kl-chenggong-jh");
        await using var _ = schoolContext;
        await school.GetByRole(AriaRole.Link, new() { Name = "發起通報" }).First.ClickAsync();
        await school.GetByLabel("通報類別").SelectOptionAsync(new SelectOptionValue { Label = "篩檢發現第一、二級毒品個案" });
        await school.GetByLabel("毒品級別").SelectOptionAsync(new SelectOptionValue { Label = "第三級" });
        await school.GetByRole(AriaRole.Button, new() { Name = "送出通報" }).ClickAsync();
        await Expect(school.Locator("#drugLevel-error")).ToContainTextAsync("第一、二級");

        await school.GetByLabel("通報類別").SelectOptionAsync(new SelectOptionValue { Label = "藥頭情資" });
        await school.GetByLabel("毒品級別").SelectOptionAsync(new SelectOptionValue { Label = "第二級" });
        await school.GetByLabel("緊急（確認期限縮短為 2 小時）").CheckAsync();
        await school.GetByLabel("姓名").FillAsync("王小明");
        await school.GetByRole(AriaRole.Button, new() { Name = "送出通報" }).ClickAsync();
        await Expect(school.Locator("#notice")).ToContainTextAsync("通報已送出");
        await Expect(school.Locator("#subject-name")).ToContainTextAsync("王小明");
        var caseNumber = (await school.GetByRole(AriaRole.Heading, new() { Level = 1 }).TextContentAsync())!.Replace("案件 ", string.Empty, StringComparison.Ordinal).Trim();
        await Expect(school.Locator("#timeline")).ToContainTextAsync("確認收到學校反毒通報");

        // The school's own 派出所: the task is in the inbox, due within 2 hours; the case shows the name masked; it acknowledges.
        var (stationContext, station) = await host.SignInAsync("police.kl-zhong-er-rd");
        await using var __ = stationContext;
        var row = station.Locator("#inbox tbody tr", new() { HasText = caseNumber });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync("確認收到學校反毒通報");
        await Expect(row).ToContainTextAsync("民國");
        await row.GetByRole(AriaRole.Link).ClickAsync();
        await station.GetByRole(AriaRole.Link, new() { Name = caseNumber }).ClickAsync();
        await Expect(station.Locator("#subject-name")).ToContainTextAsync("王○○");
        await Expect(station.Locator("#subject-name")).Not.ToContainTextAsync("小明");
        await station.GoBackAsync();
        await station.GetByRole(AriaRole.Button, new() { Name = "確認收到" }).ClickAsync();
        await Expect(station.Locator("#notice")).ToContainTextAsync("已處理");
        await Expect(station.Locator("#inbox tbody tr", new() { HasText = caseNumber })).ToContainTextAsync("回報處理結果");

        // Another station sees neither the task nor the case.
        var (otherContext, other) = await host.SignInAsync("police.kl-xinyi");
        await using var ___ = otherContext;
        await Expect(other.Locator("body")).Not.ToContainTextAsync(caseNumber);
        await other.GotoAsync("/cases");
        await Expect(other.Locator("body")).Not.ToContainTextAsync(caseNumber);

        // Back at the school, the timeline shows the station's acknowledgement.
        await school.ReloadAsync();
        await Expect(school.Locator("#timeline")).ToContainTextAsync("警方已受理");
    }
}
