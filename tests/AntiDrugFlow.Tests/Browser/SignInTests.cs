using AntiDrugFlow.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>The administrator pages behind real sign-in: a host of its own with login required and the demo accounts seeded.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SignInTests(BrowserHost host) : IAsyncLifetime
{
    private const string DemoPassword = "AntiDrugDemo2026";
    private HostProcess _guarded = null!;

    public async Task InitializeAsync()
    {
        _guarded = await HostProcess.StartAsync(await TestPostgres.CreateDatabaseAsync(migrate: false), new Dictionary<string, string>
        {
            ["Security__RequireLogin"] = "true",
            ["Demo__SeedAccounts"] = "true",
            ["Security__LoginAttemptsPerMinute"] = "0",
        });
    }

    public async Task DisposeAsync() => await _guarded.DisposeAsync();

    [Fact]
    public async Task An_administrator_signs_in_and_comes_back_to_the_page_asked_for_and_others_are_kept_out()
    {
        await using var context = await host.NewContextAsync($"http://127.0.0.1:{_guarded.Port}");
        var page = await context.NewPageAsync();

        await page.GotoAsync("/admin/definitions");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        await page.GetByLabel("帳號").FillAsync("admin");
        await page.GetByLabel("密碼").FillAsync(DemoPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "登入" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "工作流程定義", Level = 1 })).ToBeVisibleAsync();

        // Who acts on a dead letter is the signed-in administrator, not a name typed in.
        await page.GotoAsync("/admin/dead-letters");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("無法投遞的訊息");
        await Expect(page.GetByLabel("操作者")).ToHaveCountAsync(0);

        await using var officerContext = await host.NewContextAsync($"http://127.0.0.1:{_guarded.Port}");
        var officer = await officerContext.NewPageAsync();
        await officer.GotoAsync("/account/login?ReturnUrl=%2Fadmin%2Finstances");
        await officer.GetByLabel("帳號").FillAsync("police.npa");
        await officer.GetByLabel("密碼").FillAsync(DemoPassword);
        await officer.GetByRole(AriaRole.Button, new() { Name = "登入" }).ClickAsync();
        await Expect(officer.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("沒有權限");
    }
}
