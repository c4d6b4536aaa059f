using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AntiDrugFlow.Tests.Chains;
using AntiDrugFlow.Workflows.Cases;
using Xunit;

namespace AntiDrugFlow.Tests.Cases;

/// <summary>
/// A busy station's inbox holds more than one page of open tasks (more than the 500 the inbox once stopped at): the API
/// and the /inbox page page through all of them by due time, the newest task included; bad paging parameters are 400s
/// naming the parameter.
/// </summary>
public sealed partial class InboxPagingTests : IAsyncLifetime
{
    private const string Station = "police.kl-zhong-er-rd";

    private ChainsHost _host = null!;

    public async Task InitializeAsync() => _host = await ChainsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_station_with_more_than_500_open_tasks_sees_every_one_across_pages_the_newest_last()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        var older = new List<string>();
        foreach (var batch in Enumerable.Range(0, 504).Chunk(8))
        {
            older.AddRange(await Task.WhenAll(batch.Select(_ => StartAsync(school))));
        }

        // The newest notification, an hour later: its task is due last, so it is on the last page.
        _host.Clock.Advance(TimeSpan.FromHours(1));
        var newest = await StartAsync(school);

        var station = await _host.SignedInAsync(Station);
        var seen = new List<JsonNode>();
        string? next = $"/api/inbox";
        var pages = 0;
        while (next is not null)
        {
            var response = await station.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("505", Assert.Single(response.Headers.GetValues("X-Total-Count")));
            var items = (await ChainsHost.BodyAsync(response)).AsArray();
            Assert.InRange(items.Count, 1, InboxPage.DefaultSize);
            seen.AddRange(items.Select(i => i!));
            next = response.Headers.TryGetValues("Link", out var links) ? NextLink().Match(string.Join(",", links)) is { Success: true } m ? m.Groups[1].Value : null : null;
            pages++;
        }

        Assert.Equal(6, pages);
        var caseIds = seen.Select(i => i["caseId"]!.GetValue<string>()).ToList();
        Assert.Equal(caseIds.Count, caseIds.Distinct().Count());
        Assert.True(new HashSet<string>([.. older, newest]).SetEquals(caseIds));
        Assert.Equal(newest, caseIds[^1]);
        var dues = seen.Select(i => DateTimeOffset.Parse(i["dueAt"]!.GetValue<string>(), CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(dues.Order(), dues);

        // A page size of the caller's choosing pages the same list.
        var large = await station.GetAsync("/api/inbox?page=2&pageSize=500");
        var rest = (await ChainsHost.BodyAsync(large)).AsArray();
        Assert.Equal(caseIds[500..], rest.Select(i => i!["caseId"]!.GetValue<string>()));
        Assert.Contains("rel=\"prev\"", string.Join(",", large.Headers.GetValues("Link")), StringComparison.Ordinal);

        // The page: 100 a page, the position in zh-TW, links to the neighbouring pages; the last one has the newest case.
        var first = await station.GetStringAsync("/inbox");
        Assert.Equal(InboxPage.DefaultSize, Rows(first));
        Assert.Contains("第 1 頁，共 6 頁（505 項待辦）", first, StringComparison.Ordinal);
        Assert.Contains("href=\"/inbox?page=2\"", first, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"inbox-previous\"", first, StringComparison.Ordinal);
        var last = await station.GetStringAsync("/inbox?page=6");
        Assert.Equal(5, Rows(last));
        Assert.Contains($"data-case=\"{newest}\"", last, StringComparison.Ordinal);
        Assert.Contains("href=\"/inbox?page=5\"", last, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"inbox-next\"", last, StringComparison.Ordinal);

        // A page past the end (tasks done meanwhile) shows the last page rather than an empty inbox.
        Assert.Contains($"data-case=\"{newest}\"", await station.GetStringAsync("/inbox?page=60"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tasks_escalated_away_follow_the_pending_ones_across_pages_each_naming_where_it_went()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        var escalated = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            escalated.Add(await StartAsync(school, urgent: true));
        }

        // An urgent tip-off's task is due in two hours; at its deadline it goes up to the 分局.
        await _host.AdvanceAsync(TimeSpan.FromHours(2));
        var pending = new[] { await StartAsync(school), await StartAsync(school) };
        var station = await _host.SignedInAsync(Station);

        var pages = new List<JsonArray>();
        for (var page = 1; page <= 3; page++)
        {
            var response = await station.GetAsync($"/api/inbox?page={page}&pageSize=2");
            Assert.Equal("5", Assert.Single(response.Headers.GetValues("X-Total-Count")));
            pages.Add((await ChainsHost.BodyAsync(response)).AsArray());
        }

        Assert.Equal([2, 2, 1], pages.Select(p => p.Count));
        Assert.True(pages[0].All(t => t!["open"]!.GetValue<bool>() && t["escalatedTo"] is null));
        Assert.True(new HashSet<string>(pending).SetEquals(pages[0].Select(t => t!["caseId"]!.GetValue<string>())));
        var away = pages[1].Concat(pages[2]).Select(t => t!).ToList();
        Assert.True(new HashSet<string>(escalated).SetEquals(away.Select(t => t["caseId"]!.GetValue<string>())));
        Assert.All(away, t =>
        {
            Assert.False(t["open"]!.GetValue<bool>());
            Assert.Contains("分局", t["escalatedTo"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal("藥頭情資", t["caseKindName"]!.GetValue<string>());
        });
    }

    [Theory]
    [InlineData("page=0", "page")]
    [InlineData("page=-1", "page")]
    [InlineData("page=abc", "page")]
    [InlineData("page=", "page")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=501", "pageSize")]
    [InlineData("page=1&pageSize=ten", "pageSize")]
    public async Task Bad_paging_parameters_are_problem_details_naming_the_parameter(string query, string parameter)
    {
        var station = await _host.SignedInAsync(Station);

        var response = await station.GetAsync("/api/inbox?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await ChainsHost.BodyAsync(response))["errors"]!.AsObject();
        Assert.Equal(parameter, Assert.Single(errors).Key);
    }

    private static async Task<string> StartAsync(HttpClient school, bool urgent = false)
    {
        var response = await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", urgent, drugLevel = 2 });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await ChainsHost.BodyAsync(response))["id"]!.GetValue<string>();
    }

    [GeneratedRegex("<([^>]+)>; rel=\"next\"")]
    private static partial Regex NextLink();

    /// <summary>The rows of the inbox's table (not of the information requests below it).</summary>
    private static int Rows(string html)
    {
        var table = html[html.IndexOf("id=\"inbox\"", StringComparison.Ordinal)..];
        return Regex.Count(table[..table.IndexOf("</table>", StringComparison.Ordinal)], "<tr[^>]* data-case=");
    }
}
