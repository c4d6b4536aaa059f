using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>
/// Hangfire's dashboard at /admin/jobs in Chromium: an administrator reaches it from the menu and sees the upcoming
/// reminders by name, in Traditional Chinese; its actions need the site's antiforgery token; school staff are refused.
/// </summary>
[Collection(CaseWorkerBrowserCollection.Name)]
public sealed class JobsDashboardTests(CaseWorkerBrowserHost host)
{
    [Fact]
    public async Task An_administrator_sees_the_scheduled_reminders_and_runs_one_now()
    {
        var (context, page) = await host.SignInAsync("admin");
        await using var _ = context;

        // The shipped plan (2017) lies in the past; moved ten years on it is a cycle whose reminders are all still to come.
        await page.GotoAsync("/admin/milestones");
        await page.GetByLabel("平移年數（整數，例如 4；負數表示往前）").FillAsync("10");
        await page.GetByLabel("新期別代號（可不填；預設為新期別第一年的西元年，例如 2021）").FillAsync("jobs-2027");
        await page.GetByRole(AriaRole.Button, new() { Name = "開設新期別" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("cycle=jobs-2027"));

        await page.Locator("nav[aria-label='主要功能']").GetByRole(AriaRole.Link, new() { Name = "排程工作" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/admin/jobs/?$"));
        // Hangfire's own texts in zh-TW: 「定期工作」 is its Recurring Jobs.
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "定期工作" })).ToBeVisibleAsync();

        await page.GotoAsync("/admin/jobs/jobs/scheduled");
        var reminder = page.Locator("tr.js-jobs-list-row", new() { HasText = "期限前 30 天提醒" }).First;
        await Expect(reminder).ToBeVisibleAsync();
        await Expect(page.GetByText("逾期通知").First).ToBeVisibleAsync();
        var title = (await reminder.Locator("a.job-method").InnerTextAsync()).Trim();
        Assert.StartsWith("辦理期程 ", title, StringComparison.Ordinal);

        // 「立即執行」 of a reminder not yet due: the job runs (and, as it is early, puts itself back on the schedule).
        await reminder.Locator("input.js-jobs-list-checkbox").CheckAsync();
        // The dashboard reloads the page once its post is answered: wait for that reload (the marker set here is gone in
        // the new document), or the next navigation below races it.
        await page.EvaluateAsync("() => { window.beforeCommand = true; }");
        var command = await page.RunAndWaitForResponseAsync(
            () => page.Locator("button.js-jobs-list-command[data-url$='/jobs/scheduled/enqueue']").ClickAsync(),
            r => r.Url.EndsWith("/jobs/scheduled/enqueue", StringComparison.Ordinal));
        await page.WaitForFunctionAsync("() => window.beforeCommand === undefined");
        await page.WaitForLoadStateAsync(LoadState.Load);
        Assert.True(command.Ok, $"the dashboard's own post answered {command.Status}");
        await WaitForRowAsync(page, "/admin/jobs/jobs/succeeded", title);
        await WaitForRowAsync(page, "/admin/jobs/jobs/scheduled", title);

        // The same action posted without the page's antiforgery token is refused.
        var forged = await page.APIRequest.PostAsync("/admin/jobs/jobs/scheduled/enqueue", new() { Form = context.APIRequest.CreateFormData().Set("jobs[]", "1") });
        Assert.Equal(403, forged.Status);
    }

    /// <summary>Hangfire's lists do not refresh themselves: reloads until the job shows in the list (bounded).</summary>
    private static async Task WaitForRowAsync(IPage page, string list, string title)
    {
        for (var attempt = 0; attempt < 60; attempt++)
        {
            await page.GotoAsync(list);
            if (await page.Locator("tr.js-jobs-list-row", new() { HasText = title }).CountAsync() > 0)
            {
                return;
            }

            await Task.Delay(500);
        }

        throw new Xunit.Sdk.XunitException($"{title} did not appear in {list}");
    }

    [Fact]
    public async Task School_staff_are_refused_and_not_offered_the_link()
    {
        var (context, page) = await host.SignInAsync("school.kl-chenggong-jh");
        await using var _ = context;

        Assert.Equal(0, await page.Locator("nav[aria-label='主要功能'] a[href='/admin/jobs']").CountAsync());
        var response = await page.GotoAsync("/admin/jobs");
        Assert.Equal(403, response!.Status);
        var scheduled = await page.GotoAsync("/admin/jobs/jobs/scheduled");
        Assert.Equal(403, scheduled!.Status);
    }
}
