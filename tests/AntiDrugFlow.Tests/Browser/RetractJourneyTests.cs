using AntiDrugFlow.Host.Infrastructure;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>Retracting the tip-off chain asks first and names what stops; a school that then submits is told why in Chinese and keeps its form.</summary>
[Collection(BrowserCollection.Name)]
public sealed class RetractJourneyTests(BrowserHost browser)
{
    [Fact]
    public async Task Retracting_asks_first_naming_the_notification_page_and_the_school_then_gets_an_explanation_and_keeps_what_it_typed()
    {
        await using var host = await OwnHost.StartAsync(ProjectPaths.WorkflowsDirectory());
        var (adminContext, admin) = await OwnHost.SignInAsync(browser, host, "admin", "/admin/definitions/tip-off-chain");
        await using var _ = adminContext;

        // The first click only asks, and names the page that stops working; cancelling leaves it published.
        await admin.GetByRole(AriaRole.Button, new() { Name = "撤回發布" }).ClickAsync();
        var confirm = admin.Locator("#retract-confirm");
        await Expect(confirm).ToContainTextAsync("確定要撤回第 1 版的發布嗎？");
        await Expect(admin.Locator("#retract-consequences")).ToContainTextAsync("「發起通報」頁面（/notifications/new）的通報類別：藥頭情資、篩檢發現第一、二級毒品個案、校園查獲疑似毒品或器具");
        await admin.GetByRole(AriaRole.Link, new() { Name = "取消，保持發布" }).ClickAsync();
        await Expect(admin.Locator("#versions tbody tr").Nth(0)).ToContainTextAsync("發布中");

        await admin.GetByRole(AriaRole.Button, new() { Name = "撤回發布" }).ClickAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "確定撤回發布" }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("已撤回發布");
        await Expect(admin.Locator("#versions tbody tr").Nth(0)).ToContainTextAsync("已撤回");

        // The school: an explanation in Chinese, no raw 404, and the form as it was typed.
        var (schoolContext, school) = await OwnHost.SignInAsync(browser, host, "school.kl-chenggong-jh", "/notifications/new");
        await using var __ = schoolContext;
        await school.GetByLabel("通報類別").SelectOptionAsync(new SelectOptionValue { Label = "藥頭情資" });
        await school.GetByLabel("毒品級別").SelectOptionAsync(new SelectOptionValue { Label = "第二級" });
        await school.GetByLabel("姓名").FillAsync("王小明");
        await school.GetByLabel("班級").FillAsync("八年三班");
        await CaseWorkerJourneyTests.FillNarrativeAsync(school);
        await school.GetByRole(AriaRole.Button, new() { Name = "送出通報" }).ClickAsync();
        await school.GetByRole(AriaRole.Button, new() { Name = "確認送出" }).ClickAsync();

        await Expect(school.Locator("#form-error")).ToContainTextAsync("「藥頭情資」通報暫時無法送出：系統管理者已停用這項通報流程");
        await Expect(school.GetByLabel("姓名")).ToHaveValueAsync("王小明");
        await Expect(school.GetByLabel("班級")).ToHaveValueAsync("八年三班");
        await Expect(school.GetByLabel("毒品級別")).ToHaveValueAsync("2");
        await Expect(school.GetByLabel("發生地點")).ToHaveValueAsync("校門口對面的便利商店");
        Assert.DoesNotContain("\"status\"", await school.ContentAsync(), StringComparison.Ordinal);
    }
}
