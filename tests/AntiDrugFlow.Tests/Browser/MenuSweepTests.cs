using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>
/// Every page of each role's menu, opened in Chromium as that role: a heading, every field labelled, dates only
/// in the ROC calendar, and the keyboard's first stop is the link that skips to the content.
/// </summary>
[Collection(CaseWorkerBrowserCollection.Name)]
public sealed partial class MenuSweepTests(CaseWorkerBrowserHost host)
{
    [Theory]
    [InlineData("admin", 12)]
    [InlineData("school.kl-chenggong-jh", 3)]
    [InlineData("police.kl-zhong-er-rd", 3)]
    [InlineData("liaison.kl", 2)]
    public async Task Every_page_of_the_menu_has_a_heading_labelled_fields_and_roc_dates_only(string userName, int menuPages)
    {
        var (context, page) = await host.SignInAsync(userName);
        await using var _ = context;

        var links = (await page.Locator("nav[aria-label='主要功能'] a").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))"))
            .Where(href => href is not null && href.StartsWith('/') && !href.StartsWith("/openapi", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(menuPages, links.Count);

        // The job dashboard's pages are Hangfire's own markup (JobsDashboardTests covers them); the rest are the site's.
        foreach (var address in links.Where(href => href != "/admin/jobs"))
        {
            var response = await page.GotoAsync(address);
            Assert.True(response is { Ok: true }, $"{address} answered {response?.Status}");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
            Assert.DoesNotContain("沒有權限", await page.TitleAsync(), StringComparison.Ordinal);

            var unlabelled = await page.EvaluateAsync<string[]>(
                "[...document.querySelectorAll('input:not([type=hidden]), select, textarea, progress')].filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.outerHTML)");
            Assert.True(unlabelled.Length == 0, $"{address} has fields without a label: {string.Join(", ", unlabelled)}");

            // What people read, without code, JSON and identifiers shown as such.
            var text = await page.EvaluateAsync<string>(
                "(() => { const main = document.querySelector('main').cloneNode(true); main.querySelectorAll('pre, code, textarea, input, select').forEach(e => e.remove()); return main.innerText; })()");
            var western = WesternDate().Match(text);
            Assert.False(western.Success, $"{address} shows a western date: {western.Value}");

            // Keyboard users first reach the link past the menu.
            await page.Keyboard.PressAsync("Tab");
            Assert.Equal("跳到主要內容", await page.EvaluateAsync<string>("document.activeElement.textContent.trim()"));
        }
    }

    [GeneratedRegex(@"\b(19|20)\d\d[-/.](0?[1-9]|1[0-2])[-/.]\d\d?\b|\b(19|20)\d\d年")]
    private static partial Regex WesternDate();
}
