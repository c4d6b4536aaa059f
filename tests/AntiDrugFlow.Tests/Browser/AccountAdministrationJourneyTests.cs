using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>
/// An administrator manages a police officer's account in a real browser, and the officer's sign-in follows
/// every change: the password the administrator set is changed at the first sign-in, by keyboard.
/// </summary>
[Collection(CaseWorkerBrowserCollection.Name)]
public sealed class AccountAdministrationJourneyTests(CaseWorkerBrowserHost host)
{
    private const string UserName = "police.kl-badouzi";
    private const string OfficerPassword = "Badouzi2027Duty";
    private const string OwnPassword = "MyOwnBadouzi2028";

    [Fact]
    public async Task Administrator_creates_a_police_account_the_officer_changes_the_given_password_and_a_lock_keeps_them_out_until_unlocked()
    {
        // The administrator creates the account from the form.
        var (adminContext, admin) = await host.SignInAsync("admin");
        await using (adminContext)
        {
            await admin.GetByRole(AriaRole.Link, new() { Name = "使用者帳號" }).ClickAsync();
            await Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "使用者帳號", Level = 1 })).ToBeVisibleAsync();
            await admin.GetByRole(AriaRole.Link, new() { Name = "新增帳號" }).ClickAsync();
            await Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "新增帳號", Level = 1 })).ToBeVisibleAsync();
            await AssertEveryFieldLabelledAsync(admin);

            // A first try without a role is refused, with the message next to the roles.
            await admin.GetByLabel("帳號（登入時輸入）").FillAsync(UserName);
            await admin.GetByLabel("顯示名稱").FillAsync("八斗子派出所值班警員");
            await admin.GetByLabel("所屬機關").FillAsync("基隆市警察局第二分局八斗子派出所");
            await admin.GetByLabel("或自行設定密碼").FillAsync(OfficerPassword);
            await admin.GetByRole(AriaRole.Button, new() { Name = "建立帳號" }).ClickAsync();
            await Expect(admin.Locator("#roles-error")).ToContainTextAsync("請至少選擇一個角色");
            await Expect(admin.GetByLabel("帳號（登入時輸入）")).ToHaveValueAsync(UserName);
            await Screenshot(admin, "account-new.png", "新增帳號");

            // Then from the keyboard: tick 警察人員, type the password again, submit with Enter.
            await admin.GetByLabel("警察人員").FocusAsync();
            await admin.Keyboard.PressAsync("Space");
            await admin.GetByLabel("或自行設定密碼").FillAsync(OfficerPassword);
            await admin.Keyboard.PressAsync("Enter");
            await Expect(admin.Locator("#notice")).ToContainTextAsync("已建立帳號");
            await Expect(admin.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync($"帳號 {UserName}");
            await Expect(admin.Locator("#account")).ToContainTextAsync("基隆市警察局第二分局八斗子派出所");
            await Expect(admin.Locator("#account")).ToContainTextAsync("警察人員");
            await Expect(admin.Locator("#account-status")).ToContainTextAsync("啟用");

            await admin.GetByRole(AriaRole.Button, new() { Name = "登出" }).ClickAsync();
            await Expect(admin).ToHaveURLAsync(new Regex("/account/login"));
        }

        // The officer signs in with the administrator's password and is sent to change it first.
        var (officerContext, officer) = await SignInAsync(UserName, OfficerPassword);
        await using (officerContext)
        {
            await Expect(officer).ToHaveURLAsync(new Regex("/account/password\\?ReturnUrl=%2Finbox$"));
            await Expect(officer.GetByRole(AriaRole.Heading, new() { Name = "變更密碼", Level = 1 })).ToBeVisibleAsync();
            await Expect(officer.Locator("#must-change")).ToContainTextAsync("您目前的密碼是系統管理者設定的");
            // Any other page leads back here until the password is changed.
            await officer.GetByRole(AriaRole.Link, new() { Name = "案件", Exact = true }).ClickAsync();
            await Expect(officer).ToHaveURLAsync(new Regex("/account/password\\?ReturnUrl=%2Fcases$"));
            await officer.GotoAsync("/account/password?ReturnUrl=%2Finbox");

            // By keyboard: a confirmation that differs is refused next to its field.
            await officer.GetByLabel("目前的密碼").FocusAsync();
            await officer.Keyboard.TypeAsync(OfficerPassword);
            await officer.Keyboard.PressAsync("Tab");
            await officer.Keyboard.TypeAsync(OwnPassword);
            await officer.Keyboard.PressAsync("Tab");
            await officer.Keyboard.TypeAsync(OwnPassword + "9");
            await officer.Keyboard.PressAsync("Enter");
            await Expect(officer.Locator("#confirmPassword-error")).ToContainTextAsync("兩次輸入的新密碼不一致");
            await Screenshot(officer, "account-password.png", "變更密碼");

            // Then right, and on to the inbox the officer asked for.
            await officer.GetByLabel("目前的密碼").FocusAsync();
            await officer.Keyboard.TypeAsync(OfficerPassword);
            await officer.Keyboard.PressAsync("Tab");
            await officer.Keyboard.TypeAsync(OwnPassword);
            await officer.Keyboard.PressAsync("Tab");
            await officer.Keyboard.TypeAsync(OwnPassword);
            await officer.Keyboard.PressAsync("Enter");
            await Expect(officer.Locator("#notice")).ToContainTextAsync("已變更密碼");
            await Expect(officer.Locator("#must-change")).ToHaveCountAsync(0);
            await officer.GetByRole(AriaRole.Link, new() { Name = "繼續使用系統" }).FocusAsync();
            await officer.Keyboard.PressAsync("Enter");
            await Expect(officer.GetByRole(AriaRole.Heading, new() { Name = "待辦事項", Level = 1 })).ToBeVisibleAsync();
            await Expect(officer).ToHaveURLAsync(new Regex("/inbox$"));
        }

        // The administrator finds the account by name and locks it, after a confirmation step.
        (adminContext, admin) = await host.SignInAsync("admin");
        await using (adminContext)
        {
            await admin.GotoAsync("/admin/users");
            await Screenshot(admin, "accounts.png", "使用者帳號");
            await admin.GetByLabel("帳號或顯示名稱").FillAsync("八斗子");
            await admin.GetByRole(AriaRole.Button, new() { Name = "套用篩選" }).ClickAsync();
            var row = admin.Locator("#users tbody tr");
            await Expect(row).ToHaveCountAsync(1);
            await Expect(row).ToContainTextAsync("啟用");
            await Expect(row).ToContainTextAsync(new Regex("民國\\d+年\\d+月\\d+日 \\d{2}:\\d{2}"));

            await row.GetByRole(AriaRole.Link, new() { Name = UserName }).ClickAsync();
            await admin.GetByRole(AriaRole.Link, new() { Name = "停用帳號…" }).ClickAsync();
            await Expect(admin.Locator("#lock-form")).ToContainTextAsync("確定要停用帳號");
            await admin.GetByRole(AriaRole.Button, new() { Name = $"確認停用帳號 {UserName}" }).ClickAsync();
            await Expect(admin.Locator("#notice")).ToContainTextAsync("已停用這個帳號");
            await Expect(admin.Locator("#account-status")).ToContainTextAsync("停用");
            await Screenshot(admin, "account.png", $"帳號 {UserName}");

            // The officer can no longer sign in, and the login page says why.
            await using (var lockedContext = await NewContextAsync())
            {
                var locked = await lockedContext.NewPageAsync();
                await TypeCredentialsAsync(locked, UserName, OwnPassword);
                await Expect(locked.Locator("#message")).ToContainTextAsync("這個帳號已由系統管理者停用，無法登入");
                await Expect(locked).ToHaveURLAsync(new Regex("/account/login"));
            }

            // Unlocking restores it.
            await admin.GetByRole(AriaRole.Button, new() { Name = $"啟用帳號 {UserName}" }).ClickAsync();
            await Expect(admin.Locator("#notice")).ToContainTextAsync("已啟用這個帳號");
            await Expect(admin.Locator("#account-status")).ToContainTextAsync("啟用");
        }

        // With the officer's own password, and no further change asked for; the administrator's one no longer works.
        var (againContext, again) = await SignInAsync(UserName, OwnPassword);
        await using (againContext)
        {
            await Expect(again.GetByRole(AriaRole.Heading, new() { Name = "待辦事項", Level = 1 })).ToBeVisibleAsync();
        }

        await using (var oldContext = await NewContextAsync())
        {
            var old = await oldContext.NewPageAsync();
            await TypeCredentialsAsync(old, UserName, OfficerPassword);
            await Expect(old.Locator("#message")).ToContainTextAsync("請確認帳號與密碼");
        }
    }

    private Task<IBrowserContext> NewContextAsync() =>
        host.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = $"http://127.0.0.1:{host.Host.Port}",
            Locale = "zh-TW",
            TimezoneId = "Asia/Taipei",
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });

    private async Task<(IBrowserContext Context, IPage Page)> SignInAsync(string userName, string password)
    {
        var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        await TypeCredentialsAsync(page, userName, password);
        return (context, page);
    }

    private static async Task TypeCredentialsAsync(IPage page, string userName, string password)
    {
        await page.GotoAsync("/inbox");
        await page.GetByLabel("帳號").FillAsync(userName);
        await page.GetByLabel("密碼").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "登入" }).ClickAsync();
    }

    private static async Task AssertEveryFieldLabelledAsync(IPage page)
    {
        var unlabelled = await page.EvaluateAsync<string[]>(
            "[...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.outerHTML)");
        Assert.True(unlabelled.Length == 0, $"{page.Url} has fields without a label: {string.Join(", ", unlabelled)}");
    }

    /// <summary>As <see cref="ScreenshotTests"/> does: Chinese page, the expected heading, every field labelled, then the picture for docs/screenshots.</summary>
    private static async Task Screenshot(IPage page, string file, string heading)
    {
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "zh-Hant-TW");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(heading);
        await AssertEveryFieldLabelledAsync(page);
        var folder = Path.Combine(BrowserHost.Repository, "docs", "screenshots");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, file);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 10_000, $"{file} looks empty");
    }
}
