using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AntiDrugFlow.Tests.Chains;
using Xunit;

namespace AntiDrugFlow.Tests.Cases;

/// <summary>
/// The case list's links carry where a page ends (keyset paging), so a page far back costs what the first does: following
/// them lists every case once, in the same order and split as the page numbers, ties in time included; going back gives
/// the same page again; a mangled cursor is a 400 naming it (the page falls back to the page number).
/// </summary>
public sealed partial class CaseListKeysetTests : IAsyncLifetime
{
    private ChainsHost _host = null!;

    public async Task InitializeAsync() => _host = await ChainsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Following_the_links_lists_every_case_once_as_the_page_numbers_do_and_back_again()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        var created = new List<string>();
        foreach (var batch in Enumerable.Range(0, 120).Chunk(4))
        {
            // Four cases at the same moment: the list orders them by id, and the cursor must too.
            created.AddRange(await Task.WhenAll(batch.Select(async _ =>
                (await ChainsHost.BodyAsync(await school.PostAsJsonAsync("/api/notifications", new { kind = "CampusSeizure", drugLevel = 3 })))["id"]!.GetValue<string>())));
            _host.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var byNumber = new List<List<string>>();
        for (var page = 1; page <= 3; page++)
        {
            byNumber.Add(await IdsAsync(await school.GetAsync($"/api/cases?page={page}")));
        }

        var byLink = new List<List<string>>();
        string? next = "/api/cases";
        while (next is not null)
        {
            var response = await school.GetAsync(next);
            byLink.Add(await IdsAsync(response));
            next = response.Headers.TryGetValues("Link", out var link) ? NextLink().Match(link.Single()).Groups[1].Value : null;
        }

        Assert.Equal([50, 50, 20], byLink.Select(p => p.Count));
        Assert.Equal(byNumber, byLink);
        Assert.True(new HashSet<string>(created).SetEquals(byLink.SelectMany(p => p)));

        // The page's links: older twice, then newer again shows page 2 as it was.
        var page2 = Html(await school.GetStringAsync(OlderLink(await school.GetStringAsync("/cases"))));
        var page3 = Html(await school.GetStringAsync(OlderLink(page2)));
        Assert.Contains("第 3 頁", page3, StringComparison.Ordinal);
        Assert.Equal(byNumber[2], Cases(page3));
        var back = await school.GetStringAsync(Regex.Match(page3, "href=\"([^\"]+)\" rel=\"prev\"").Groups[1].Value);
        Assert.Contains("before=", Regex.Match(page3, "href=\"([^\"]+)\" rel=\"prev\"").Groups[1].Value, StringComparison.Ordinal);
        Assert.Equal(byNumber[1], Cases(Html(back)));
        Assert.Contains("第 2 頁", back, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("after=garbage", "after")]
    [InlineData("after=12_", "after")]
    [InlineData("before=x_1", "before")]
    [InlineData("after=1_a&before=1_b", "before")]
    public async Task A_mangled_cursor_is_a_400_naming_it_and_the_page_shows_its_number_instead(string query, string parameter)
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");

        var response = await school.GetAsync("/api/cases?page=2&" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(parameter, Assert.Single((await ChainsHost.BodyAsync(response))["errors"]!.AsObject()).Key);
        var page = await school.GetAsync("/cases?page=2&" + query);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("第 2 頁", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<List<string>> IdsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await ChainsHost.BodyAsync(response)).AsArray().Select(c => c!["id"]!.GetValue<string>())];
    }

    private static string Html(string page) => page.Replace("&amp;", "&", StringComparison.Ordinal);

    private static string OlderLink(string page) => Regex.Match(Html(page), "href=\"([^\"]+)\" rel=\"next\" id=\"older-cases\"").Groups[1].Value;

    /// <summary>The cases a list page links to, in order.</summary>
    private static List<string> Cases(string page) => [.. Regex.Matches(page, "href=\"/cases/([^\"/]+)\"").Select(m => m.Groups[1].Value).Distinct()];

    [GeneratedRegex("<([^>]+)>; rel=\"next\"")]
    private static partial Regex NextLink();
}
