using System.Net.Http.Json;
using System.Text.Json.Nodes;
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
    public const string Password = OwnHost.Password;
    private IPlaywright? _playwright;

    public HostProcess Host { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public Task InitializeAsync() => InitializeAsync(AntiDrugFlow.Host.Infrastructure.ProjectPaths.WorkflowsDirectory());

    /// <summary>Starts the host with the definitions of <paramref name="workflows"/> (the shipped folder, or a test's altered copy).</summary>
    public async Task InitializeAsync(string workflows)
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync(migrate: false);
        Host = await HostProcess.StartAsync(connectionString, new Dictionary<string, string>
        {
            ["Security__RequireLogin"] = "true",
            ["Demo__SeedAccounts"] = "true",
            ["Demo__Password"] = Password,
            // The browser tests sharing this host sign in more than 30 times a minute from one address; the per-address
            // cap has its own tests (Accounts/SignInTests).
            ["Security__LoginAttemptsPerMinute"] = "0",
            ["Workflows__Directory"] = workflows,
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
        await OwnHost.SubmitLoginAsync(page, userName);
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
        await FillNarrativeAsync(school);
        await school.GetByRole(AriaRole.Button, new() { Name = "送出通報" }).ClickAsync();
        await school.GetByRole(AriaRole.Button, new() { Name = "確認送出" }).ClickAsync();
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
        await Expect(school.Locator("#timeline")).ToContainTextAsync("分派任務");
        await Expect(school.Locator("#timeline")).ToContainTextAsync("任務完成");
        // Every entry reads in Chinese: no engine event code such as TaskRouted is shown to people.
        foreach (var entry in await school.Locator("#timeline li").AllTextContentsAsync())
        {
            Assert.DoesNotMatch("[A-Z][a-z]+[A-Z][a-z]+", entry);
        }

        // Signing out ends the session: the inbox sends the browser back to the login page.
        await school.GetByRole(AriaRole.Button, new() { Name = "登出" }).ClickAsync();
        await Expect(school.GetByLabel("帳號")).ToBeVisibleAsync();
        await school.GotoAsync("/inbox");
        await Expect(school.GetByLabel("帳號")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_police_officer_asks_the_school_for_more_information_the_school_answers_and_the_officer_completes_the_task()
    {
        using var schoolApi = await ApiClientAsync("school.kl-chenggong-jh");
        var created = await schoolApi.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", drugLevel = 2, subjectName = "王小明" });
        var view = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        var caseNumber = view["caseNumber"]!.GetValue<string>();

        // The station acknowledges the routed tip-off and opens the outcome task that follows.
        var (stationContext, station) = await host.SignInAsync("police.kl-zhong-er-rd");
        await using var _ = stationContext;
        await station.Locator("#inbox tbody tr", new() { HasText = caseNumber }).GetByRole(AriaRole.Link).ClickAsync();
        await station.GetByRole(AriaRole.Button, new() { Name = "確認收到" }).ClickAsync();
        var outcomeRow = station.Locator("#inbox tbody tr", new() { HasText = caseNumber });
        await Expect(outcomeRow).ToContainTextAsync("回報處理結果");
        await outcomeRow.GetByRole(AriaRole.Link).ClickAsync();
        var taskAddress = station.Url;

        // Asking: the deadline keeps running, an empty question is refused next to the field, then the request is sent.
        await Expect(station.Locator("#deadline-note")).ToContainTextAsync("處理期限照常計算、不會暫停");
        var question = station.GetByLabel("補充的內容");
        await Expect(question).ToHaveAttributeAsync("aria-describedby", "question-help question-error");
        await station.GetByRole(AriaRole.Button, new() { Name = "請求補充資料" }).ClickAsync();
        await Expect(station.Locator("#question-error")).ToHaveTextAsync("請填寫要請對方補充的內容。");
        await station.GetByLabel("補充的內容").FillAsync("請提供通報所述交易地點的確切位置與時段。");
        await station.GetByRole(AriaRole.Button, new() { Name = "請求補充資料" }).ClickAsync();
        await Expect(station.Locator("#notice")).ToContainTextAsync("已送出補充資料請求");
        var thread = station.Locator("#information-thread li");
        await Expect(thread).ToHaveCountAsync(1);
        await Expect(thread).ToContainTextAsync("請提供通報所述交易地點的確切位置與時段。");
        await Expect(thread).ToContainTextAsync("待對方補充");
        await Expect(thread).ToContainTextAsync("民國");

        // The school finds the request in its inbox and answers it with the keyboard alone.
        var (schoolContext, school) = await host.SignInAsync("school.kl-chenggong-jh");
        await using var __ = schoolContext;
        var requestRow = school.Locator("#information-requests tbody tr", new() { HasText = caseNumber });
        await Expect(requestRow).ToHaveCountAsync(1);
        await Expect(requestRow).ToContainTextAsync("補充資料");
        await Expect(requestRow).ToContainTextAsync("基隆市警察局第一分局忠二路派出所");
        await Expect(requestRow).ToContainTextAsync("民國");
        await CaptureAsync(school, "inbox-information-requests.png");
        await requestRow.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(school.Locator("#question")).ToHaveTextAsync("請提供通報所述交易地點的確切位置與時段。");
        await school.GetByLabel("補充內容").FocusAsync();
        await school.Keyboard.TypeAsync("校門口對面的便利商店，放學後約17時。");
        await school.Keyboard.PressAsync("Tab");
        await school.Keyboard.PressAsync("Enter");
        await Expect(school.Locator("#notice")).ToContainTextAsync("已送出補充資料");
        await Expect(school.Locator("#information-requests tbody tr", new() { HasText = caseNumber })).ToHaveCountAsync(0);

        // The officer sees the answer on the task page, then reports the outcome.
        await station.GotoAsync(taskAddress);
        await Expect(thread).ToContainTextAsync("校門口對面的便利商店，放學後約17時。");
        await Expect(thread).Not.ToContainTextAsync("待對方補充");
        await CaptureAsync(station, "task-information-request.png");
        await station.GetByLabel("處理結果").SelectOptionAsync("查獲");
        await station.GetByRole(AriaRole.Button, new() { Name = "回報" }).ClickAsync();
        await Expect(station.Locator("#notice")).ToContainTextAsync("已處理");
        await Expect(station.Locator("#inbox tbody tr", new() { HasText = caseNumber })).ToHaveCountAsync(0);

        // Both entries are on the case's timeline, with the text for the two agencies and without it for the 校外會.
        await station.GotoAsync($"/cases/{view["id"]!.GetValue<string>()}");
        await Expect(station.Locator("#timeline")).ToContainTextAsync("請求補充資料");
        await Expect(station.Locator("#timeline")).ToContainTextAsync("已補充資料：基隆市立成功國民中學 → 基隆市警察局第一分局忠二路派出所：校門口對面的便利商店");
        var (liaisonContext, liaison) = await host.SignInAsync("liaison.kl");
        await using var ___ = liaisonContext;
        await liaison.GotoAsync($"/cases/{view["id"]!.GetValue<string>()}");
        await Expect(liaison.Locator("#timeline")).ToContainTextAsync("已補充資料");
        await Expect(liaison.Locator("#timeline")).Not.ToContainTextAsync("便利商店");
    }

    [Fact]
    public async Task An_administrator_shortens_the_acknowledgement_deadline_publishes_it_and_the_next_tip_off_uses_it()
    {
        var (adminContext, admin) = await host.SignInAsync("admin");
        await using var _ = adminContext;
        await admin.GotoAsync("/admin/definitions/tip-off-chain");
        var editor = admin.Locator("textarea");
        var document = JsonNode.Parse(await editor.InputValueAsync())!.AsObject();
        var deadline = document["variables"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "ackDeadline")!;
        Assert.Equal("1.00:00:00", deadline["value"]!.GetValue<string>());
        deadline["value"] = "12:00:00";
        await editor.FillAsync(document.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        await admin.GetByRole(AriaRole.Button, new() { Name = "儲存草稿" }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("草稿已儲存");
        await DefinitionPageSteps.PublishAsync(admin, 2);
        await Expect(admin.Locator("#versions tbody tr").First).ToContainTextAsync("發布中");

        // The next (non-urgent) tip-off, started in the browser, is due 12 hours after it was made, not 24.
        var (schoolContext, school) = await host.SignInAsync("school.kl-chenggong-jh");
        await using var __ = schoolContext;
        await school.GotoAsync("/notifications/new");
        await school.GetByLabel("通報類別").SelectOptionAsync(new SelectOptionValue { Label = "校園查獲疑似毒品或器具" });
        await FillNarrativeAsync(school);
        await school.GetByRole(AriaRole.Button, new() { Name = "送出通報" }).ClickAsync();
        await school.GetByRole(AriaRole.Button, new() { Name = "確認送出" }).ClickAsync();
        await Expect(school.Locator("#notice")).ToContainTextAsync("通報已送出");
        var caseId = school.Url.Split('/')[^1].Split('?')[0];

        using var police = new HttpClient { BaseAddress = host.Host.Http.BaseAddress };
        Assert.True((await police.PostAsJsonAsync("/api/account/login", new { userName = "police.kl-zhong-er-rd", password = CaseWorkerBrowserHost.Password })).IsSuccessStatusCode);
        var task = (await police.GetFromJsonAsync<JsonArray>("/api/inbox"))!.Single(t => t!["caseId"]!.GetValue<string>() == caseId)!;
        var created = (await police.GetFromJsonAsync<JsonObject>($"/api/cases/{caseId}"))!["createdAt"]!.GetValue<DateTimeOffset>();
        var allowed = task["dueAt"]!.GetValue<DateTimeOffset>() - created;
        Assert.InRange(allowed, TimeSpan.FromHours(12), TimeSpan.FromHours(12).Add(TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task An_administrator_finds_who_looked_at_a_case_in_the_audit_log_and_reads_the_accounts_and_the_directory()
    {
        using var school = await ApiClientAsync("school.kl-anle-sh");
        var created = await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", drugLevel = 2 });
        var caseId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        using var outsider = await ApiClientAsync("police.kl-xinyi");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await outsider.GetAsync($"/api/cases/{caseId}")).StatusCode);

        var (adminContext, admin) = await host.SignInAsync("admin");
        await using var _ = adminContext;
        await admin.GetByRole(AriaRole.Link, new() { Name = "稽核紀錄" }).ClickAsync();
        await admin.GetByLabel("案件識別碼").FillAsync(caseId);
        await admin.GetByRole(AriaRole.Button, new() { Name = "套用篩選" }).ClickAsync();
        var denied = admin.Locator("#audit tbody tr", new() { HasText = "case.read.denied" });
        await Expect(denied).ToHaveCountAsync(1);
        await Expect(denied).ToContainTextAsync("kee-p2-xinyi");
        await Expect(admin.Locator("#audit")).ToContainTextAsync("case.create");

        await admin.GetByRole(AriaRole.Link, new() { Name = "使用者帳號" }).ClickAsync();
        await Expect(admin.Locator("#users tbody tr", new() { HasText = "police.kl-xinyi" })).ToContainTextAsync("警察人員");

        await admin.GetByRole(AriaRole.Link, new() { Name = "機關名錄" }).ClickAsync();
        await admin.GetByLabel("縣市").SelectOptionAsync(new SelectOptionValue { Label = "基隆市" });
        await admin.GetByLabel("機關類別").SelectOptionAsync("PoliceStation");
        await admin.GetByRole(AriaRole.Button, new() { Name = "套用篩選" }).ClickAsync();
        await Expect(admin.Locator("#agencies")).ToContainTextAsync("kee-p1-zhong-er-rd");
        await Expect(admin.Locator("#agencies")).Not.ToContainTextAsync("cyi-");

        // Not for case workers.
        var (policeContext, police) = await host.SignInAsync("police.kl-xinyi");
        await using var __ = policeContext;
        await police.GotoAsync("/admin/audit");
        await Expect(police.GetByRole(AriaRole.Heading, new() { Name = "沒有權限" })).ToBeVisibleAsync();
    }

    /// <summary>Fills the notification form's narrative (when, where, what, how) with text free of personal data.</summary>
    internal static async Task FillNarrativeAsync(IPage page, string observed = "下課時間見該生與校外人士交換小包裝物品，神情緊張。")
    {
        await page.GetByLabel("發生或發現時間").FillAsync(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow.AddDays(-1), Workflows.Calendar.TaipeiTime.Zone).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByLabel("發生地點").FillAsync("校門口對面的便利商店");
        await page.GetByLabel("所見情形").FillAsync(observed);
        await page.GetByLabel("發現經過").SelectOptionAsync("師長觀察發現");
    }

    /// <summary>A picture for docs/screenshots, as ScreenshotTests takes them: every field labelled, the page not empty.</summary>
    internal static async Task CaptureAsync(IPage page, string file)
    {
        var unlabelled = await page.EvaluateAsync<string[]>(
            "[...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.outerHTML)");
        Assert.True(unlabelled.Length == 0, $"{page.Url} has fields without a label: {string.Join(", ", unlabelled)}");
        var folder = Path.Combine(BrowserHost.Repository, "docs", "screenshots");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, file);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 10_000, $"{file} looks empty");
    }

    /// <summary>
    /// Waits, boundedly, for a real timer the host runs: reloads <paramref name="page"/> once a second, at most a minute, until
    /// <paramref name="locator"/> shows <paramref name="text"/>, then asserts it does.
    /// </summary>
    internal static async Task ReloadUntilAsync(IPage page, ILocator locator, string text)
    {
        for (var attempt = 0; attempt < 60 && !((await locator.AllTextContentsAsync()).Any(t => t.Contains(text, StringComparison.Ordinal))); attempt++)
        {
            await Task.Delay(1_000);
            await page.ReloadAsync();
        }

        await Expect(locator).ToContainTextAsync(text);
    }

    internal static async Task<HttpClient> ApiClientAsync(CaseWorkerBrowserHost host, string userName)
    {
        var client = new HttpClient { BaseAddress = host.Host.Http.BaseAddress };
        Assert.True((await client.PostAsJsonAsync("/api/account/login", new { userName, password = CaseWorkerBrowserHost.Password })).IsSuccessStatusCode);
        return client;
    }

    private async Task<HttpClient> ApiClientAsync(string userName)
    {
        var client = new HttpClient { BaseAddress = host.Host.Http.BaseAddress };
        Assert.True((await client.PostAsJsonAsync("/api/account/login", new { userName, password = CaseWorkerBrowserHost.Password })).IsSuccessStatusCode);
        return client;
    }
}
