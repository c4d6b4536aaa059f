using AntiDrugFlow.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>
/// A host process of one test's own (login required, demo accounts, the given definitions folder), for tests that
/// restart the host or retract a shipped chain, which the shared hosts' other tests rely on.
/// </summary>
public static class OwnHost
{
    public const string Password = "TestDemoPass2026";

    public static Dictionary<string, string> Settings(string definitionsFolder) => new()
    {
        ["Security__RequireLogin"] = "true",
        ["Demo__SeedAccounts"] = "true",
        ["Demo__Password"] = Password,
        ["Workflows__Directory"] = definitionsFolder,
        ["Smtp__PickupDirectory"] = Directory.CreateTempSubdirectory("adf-own-host-mail-").FullName,
    };

    public static async Task<HostProcess> StartAsync(string definitionsFolder, string? connectionString = null) =>
        await HostProcess.StartAsync(connectionString ?? await TestPostgres.CreateDatabaseAsync(migrate: false), Settings(definitionsFolder));

    /// <summary>A fresh browser profile signed in through the login page, on the page given.</summary>
    public static async Task<(IBrowserContext Context, IPage Page)> SignInAsync(BrowserHost browser, HostProcess host, string userName, string path)
    {
        var context = await browser.NewContextAsync($"http://127.0.0.1:{host.Port}");
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        await page.GetByLabel("帳號").FillAsync(userName);
        await page.GetByLabel("密碼").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "登入" }).ClickAsync();
        await Expect(page.Locator("form#login")).ToHaveCountAsync(0);
        return (context, page);
    }
}
