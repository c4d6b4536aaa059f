using AntiDrugFlow.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit;
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
        await SubmitLoginAsync(page, userName);
        return (context, page);
    }

    /// <summary>Fills in the login page the browser was sent to with a demo account and signs in, back to the page asked for.</summary>
    public static async Task SubmitLoginAsync(IPage page, string userName)
    {
        await page.GetByLabel("帳號").FillAsync(userName);
        await page.GetByLabel("密碼").FillAsync(Password);
        // A host just started compiles its login and page paths on first use, which on a loaded two-core machine has
        // taken longer than the default wait: the login's answer is read first (a refused login fails here, with its
        // status), then the page it returns to is given a minute.
        var login = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "登入" }).ClickAsync(),
            response => response.Url.EndsWith("/api/account/login", StringComparison.Ordinal),
            new() { Timeout = 60_000 });
        Assert.True(login.Ok, $"the login of {userName} was answered {login.Status}");
        await Expect(page.Locator("form#login")).ToHaveCountAsync(0, new() { Timeout = 60_000 });
    }
}
