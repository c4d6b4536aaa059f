using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>The instance page's diagram: the path taken, the activity waiting, and a node's journal on click.</summary>
[Collection(BrowserCollection.Name)]
public sealed class InstanceDiagramTests(BrowserHost host)
{
    [Fact]
    public async Task A_running_tip_off_shows_its_waiting_activity_highlighted_and_the_journal_of_a_node_on_click()
    {
        var started = await host.Host.Http.PostAsJsonAsync("/api/workflow-definitions/tip-off-demo/execute", new { correlationId = "diagram-case-1" });
        started.EnsureSuccessStatusCode();
        var id = (await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync($"/admin/instances/{id}");
        var designer = page.Locator("#designer");
        await Expect(designer).ToHaveAttributeAsync("data-ready", "true");
        await Expect(designer.Locator(".designer-palette")).ToHaveCountAsync(0);
        var station = designer.Locator("g.x6-node[data-cell-id='station']");
        await Expect(station).ToHaveAttributeAsync("data-state", "waiting");
        await Expect(station).ToContainTextAsync("等待中");
        await Expect(designer.Locator("g.x6-node[data-cell-id='record']")).ToHaveAttributeAsync("data-state", "executed");
        await Expect(designer.Locator("g.x6-node[data-cell-id='done']")).Not.ToHaveAttributeAsync("data-state", "executed");

        await designer.Locator("g.x6-node[data-cell-id='record']").ClickAsync();
        await Expect(designer.Locator(".designer-panel .designer-journal")).ToContainTextAsync("收到藥頭情資通報");
        await Expect(designer.Locator(".designer-panel .designer-journal li").First).ToContainTextAsync("民國");
    }
}
