using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AntiDrugFlow.Tests.Milestones;

/// <summary>The milestone HTTP API on the real host: the 2017 plan is loaded at start as cycle 2017.</summary>
public sealed class MilestonesApiTests : IAsyncLifetime
{
    private WebApplicationFactory<Program> _factory = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:AntiDrugFlow", connectionString);
            web.UseSetting("BackgroundWork:Enabled", "false");
            web.UseSetting("Workflows:Directory", Path.Combine(RepositoryFiles.Root, "workflows-json"));
            web.UseSetting("Deadlines:InstanceId", $"api-{Guid.NewGuid():N}");
            web.UseSetting("Security:RequireLogin", "false");
            web.UseSetting("Demo:SeedAccounts", "false");
            web.UseSetting("DataProtection:AllowUnencryptedKeys", "true");
            web.UseSetting("Security:LoginAttemptsPerMinute", "0");
        });
        _client = _factory.CreateClient();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var cycles = await _client.GetFromJsonAsync<JsonArray>("/api/milestones/cycles");
            if (cycles is { Count: > 0 })
            {
                return;
            }

            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task Items_list_with_filters_and_dates_in_ISO_8601()
    {
        var cycles = await _client.GetFromJsonAsync<JsonArray>("/api/milestones/cycles");
        Assert.Equal("2017", cycles![0]!["id"]!.GetValue<string>());

        var all = (await _client.GetFromJsonAsync<JsonArray>("/api/milestones/2017/items"))!;
        Assert.Equal(await CatalogCountAsync(), all.Count);

        var prevention = (await _client.GetFromJsonAsync<JsonArray>("/api/milestones/2017/items?group=" + Uri.EscapeDataString("拒毒預防組")))!;
        Assert.NotEmpty(prevention);
        Assert.All(prevention, i => Assert.Equal("拒毒預防組", i!["group"]!.GetValue<string>()));

        var between = (await _client.GetFromJsonAsync<JsonArray>("/api/milestones/2017/items?dueFrom=2017-08-01T00:00:00%2B08:00&dueUntil=2017-08-31T23:59:59%2B08:00"))!;
        Assert.NotEmpty(between);
        Assert.All(between, i => Assert.Contains(i!["deadlines"]!.AsArray(), d => d!["due"]!.GetValue<string>().StartsWith("2017-08-31T23:59:59+08:00", StringComparison.Ordinal)));

        var overdue = (await _client.GetFromJsonAsync<JsonArray>("/api/milestones/2017/items?overdue=true"))!;
        Assert.NotEmpty(overdue);
        Assert.All(overdue, i => Assert.True(i!["overdue"]!.GetValue<bool>()));

        var agency = (await _client.GetFromJsonAsync<JsonArray>("/api/milestones/2017/items?agency=" + Uri.EscapeDataString("勞動部")))!;
        Assert.NotEmpty(agency);

        // Part of a name, among lead and co-agencies or the lead agencies only.
        var police = (await _client.GetFromJsonAsync<JsonArray>("/api/milestones/2017/items?agency=" + Uri.EscapeDataString("警政署")))!;
        var policeLead = (await _client.GetFromJsonAsync<JsonArray>("/api/milestones/2017/items?agencyRole=lead&agency=" + Uri.EscapeDataString("警政署")))!;
        Assert.All(police, i => Assert.Contains(Agencies(i!, "leadAgencies").Concat(Agencies(i!, "coAgencies")), a => a.Contains("警政署", StringComparison.Ordinal)));
        Assert.All(policeLead, i => Assert.Contains(Agencies(i!, "leadAgencies"), a => a.Contains("警政署", StringComparison.Ordinal)));
        Assert.NotEmpty(policeLead);
        Assert.True(police.Count > policeLead.Count);
        var badRole = await _client.GetAsync("/api/milestones/2017/items?agencyRole=boss&agency=" + Uri.EscapeDataString("警政署"));
        Assert.Equal(HttpStatusCode.BadRequest, badRole.StatusCode);
        Assert.Contains("機關角色", (await badRole.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["agencyRole"]![0]!.GetValue<string>(), StringComparison.Ordinal);

        var bad = await _client.GetAsync("/api/milestones/2017/items?group=nope");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/milestones/1999/items")).StatusCode);
    }

    [Fact]
    public async Task Marking_progress_through_the_API_records_who_and_the_note_and_the_item_shows_it()
    {
        var item = (await _client.GetFromJsonAsync<JsonArray>("/api/milestones/2017/items?overdue=true"))![0]!;
        var id = item["id"]!.GetValue<string>();

        var response = await _client.PostAsJsonAsync($"/api/milestones/2017/items/{id}/progress", new { by = "綜合規劃組承辦", status = "Done", note = "已於會報提出成果" });
        response.EnsureSuccessStatusCode();

        var detail = (await _client.GetFromJsonAsync<JsonObject>($"/api/milestones/2017/items/{id}"))!;
        Assert.Equal("Done", detail["item"]!["status"]!.GetValue<string>());
        Assert.False(detail["item"]!["overdue"]!.GetValue<bool>());
        var progress = Assert.Single(detail["progress"]!.AsArray());
        Assert.Equal("綜合規劃組承辦", progress!["recordedBy"]!.GetValue<string>());
        Assert.Equal("已於會報提出成果", progress["note"]!.GetValue<string>());
        Assert.True(DateTimeOffset.TryParse(progress["recordedAt"]!.GetValue<string>(), out _));

        // Marking progress is audited; a refused mark is not.
        var audit = _factory.Services.GetRequiredService<Host.Access.PostgresAuditLog>();
        Assert.Single(await audit.QueryAsync(new Host.Access.AuditQuery(), CancellationToken.None), e => e.Action == "milestone.progress-recorded" && e.Details == $"cycle=2017;item={id};status=Done");

        var refused = await _client.PostAsJsonAsync($"/api/milestones/2017/items/{id}/progress", new { by = "", status = "Done" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(problem!["errors"]!.AsObject().ContainsKey("by"));
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsJsonAsync("/api/milestones/2017/items/planning-99-99/progress", new { by = "x", status = "Done" })).StatusCode);
        Assert.Single(await audit.QueryAsync(new Host.Access.AuditQuery(), CancellationToken.None), e => e.Action == "milestone.progress-recorded");
    }

    [Fact]
    public async Task The_report_comes_as_HTML_or_Markdown_for_a_chosen_period()
    {
        var html = await _client.GetAsync("/api/milestones/2017/report?from=2017-01-01&until=2017-12-31");
        html.EnsureSuccessStatusCode();
        Assert.Equal("text/html", html.Content.Headers.ContentType!.MediaType);
        Assert.Contains("報告期間：民國106年1月1日至民國106年12月31日", await html.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var markdown = await _client.GetAsync("/api/milestones/2017/report?from=2017-01-01&until=2017-12-31&format=markdown");
        markdown.EnsureSuccessStatusCode();
        Assert.Equal("text/markdown", markdown.Content.Headers.ContentType!.MediaType);
        Assert.Contains("## 綜合規劃組", await markdown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync("/api/milestones/2017/report?from=2017-12-31&until=2017-01-01")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync("/api/milestones/2017/report?from=2017-01-01&until=2017-12-31&format=pdf")).StatusCode);
    }

    [Fact]
    public async Task A_cycle_shifted_through_the_API_is_listed_with_its_own_items()
    {
        var created = await _client.PostAsJsonAsync("/api/milestones/cycles", new { fromCycle = "2017", years = 4 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var cycle = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("2021", cycle["id"]!.GetValue<string>());

        var items = (await _client.GetFromJsonAsync<JsonArray>("/api/milestones/2021/items"))!;
        Assert.Equal(await CatalogCountAsync(), items.Count);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PostAsJsonAsync("/api/milestones/cycles", new { fromCycle = "2017", years = 4 })).StatusCode);

        // Opening a cycle is audited.
        var audit = _factory.Services.GetRequiredService<Host.Access.PostgresAuditLog>();
        var entries = await audit.QueryAsync(new Host.Access.AuditQuery(), CancellationToken.None);
        Assert.Contains(entries, e => e.Action == "milestone.cycle-shifted" && e.Details == "cycle=2021;from=2017;years=4");

        // Years that would move the plan before 民國元年 are refused in words, naming the field.
        var tooFar = await _client.PostAsJsonAsync("/api/milestones/cycles", new { fromCycle = "2017", years = -106 });
        Assert.Equal(HttpStatusCode.BadRequest, tooFar.StatusCode);
        Assert.Contains("民國元年", (await tooFar.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["years"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static IEnumerable<string> Agencies(JsonNode item, string field) => item[field]!.AsArray().Select(a => a!.GetValue<string>());

    private static async Task<int> CatalogCountAsync() =>
        (await Workflows.Milestones.MilestoneCatalog.LoadAsync(RepositoryFiles.ActionPlan2017, CancellationToken.None)).Items.Count;
}
