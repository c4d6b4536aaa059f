using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>The versions page draws the difference of two versions on the diagram, beside the line-by-line JSON diff.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DefinitionDiffDiagramTests(BrowserHost host)
{
    private const string DefinitionId = "diff-diagram";

    [Fact]
    public async Task Added_removed_and_changed_activities_and_an_added_connection_are_coloured_with_a_legend()
    {
        // Version 1: start → notify → old-step. Version 2: notify's text changed, old-step removed, check added after notify.
        await SaveAsync(Definition(
            [Activity("start", "Elsa.Start"), WriteLine("notify", "通知學校"), WriteLine("old-step", "舊的步驟")],
            [Connection("start", "notify"), Connection("notify", "old-step")]));
        await SaveAsync(Definition(
            [Activity("start", "Elsa.Start"), WriteLine("notify", "通知學校與警察局"), WriteLine("check", "確認回覆")],
            [Connection("start", "notify"), Connection("notify", "check")]));

        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/admin/definitions/{DefinitionId}/compare?from=1&to=2");
        var designer = page.Locator("#designer");
        await Expect(designer).ToHaveAttributeAsync("data-ready", "true");
        await Expect(page.Locator("#diff")).ToBeVisibleAsync();
        await Expect(page.Locator("#diagram-diff-legend")).ToContainTextAsync("新增");
        await Expect(page.Locator("#diagram-diff-legend")).ToContainTextAsync("變更");
        await Expect(page.Locator("#diagram-diff-legend")).ToContainTextAsync("刪除（虛線）");
        await Expect(page.Locator("#diagram-diff-legend")).ToContainTextAsync("活動 1 個新增、1 個變更、1 個刪除；連線 1 條新增、1 條刪除");

        var added = designer.Locator("g.x6-node[data-cell-id='check']");
        var changed = designer.Locator("g.x6-node[data-cell-id='notify']");
        var removed = designer.Locator("g.x6-node[data-cell-id='old-step']");
        var same = designer.Locator("g.x6-node[data-cell-id='start']");
        await Expect(added).ToHaveAttributeAsync("data-state", "added");
        await Expect(added.Locator("rect").First).ToHaveAttributeAsync("stroke", "#2d7a46");
        await Expect(changed).ToHaveAttributeAsync("data-state", "changed");
        await Expect(changed.Locator("rect").First).ToHaveAttributeAsync("stroke", "#b26a00");
        await Expect(changed).ToContainTextAsync("已變更：text");
        await Expect(removed).ToHaveAttributeAsync("data-state", "removed");
        await Expect(removed.Locator("rect").First).ToHaveAttributeAsync("stroke", "#8a8f98");
        await Expect(removed.Locator("rect").First).ToHaveAttributeAsync("stroke-dasharray", "6 4");
        await Expect(same).Not.ToHaveAttributeAsync("data-state", new System.Text.RegularExpressions.Regex("."));
        await Expect(same.Locator("rect").First).ToHaveAttributeAsync("stroke", "#3f6fa8");

        var connections = await page.EvaluateAsync<string[]>(
            "() => document.getElementById('designer').designer.graph.getEdges().map(e => e.getSourceCellId() + '>' + e.getTargetCellId() + ':' + (e.getData() || {}).state + ':' + e.attr('line/stroke'))");
        Assert.Contains("notify>check:added:#2d7a46", connections);
        Assert.Contains("notify>old-step:removed:#8a8f98", connections);
        Assert.Contains("start>notify:undefined:#4a5a70", connections);
        var addedEdge = await page.EvaluateAsync<string>(
            "() => { const g = document.getElementById('designer').designer.graph; const e = g.getEdges().find(x => x.getTargetCellId() === 'check'); return g.findViewByCell(e).container.getAttribute('data-state'); }");
        Assert.Equal("added", addedEdge);
    }

    private async Task SaveAsync(JsonObject definition) =>
        (await host.Host.Http.PostAsJsonAsync("/api/workflow-definitions?publish=true", definition)).EnsureSuccessStatusCode();

    private static JsonObject Definition(JsonObject[] activities, JsonObject[] connections) => new()
    {
        ["definitionId"] = DefinitionId,
        ["name"] = "版本差異示範",
        ["root"] = new JsonObject
        {
            ["type"] = "Elsa.Flowchart",
            ["id"] = "flowchart",
            ["activities"] = new JsonArray(activities),
            ["connections"] = new JsonArray(connections),
        },
    };

    private static JsonObject Activity(string id, string type) => new() { ["id"] = id, ["type"] = type, ["version"] = 1 };

    private static JsonObject WriteLine(string id, string text)
    {
        var activity = Activity(id, "Elsa.WriteLine");
        activity["text"] = new JsonObject { ["typeName"] = "String", ["expression"] = new JsonObject { ["type"] = "Literal", ["value"] = text } };
        return activity;
    }

    private static JsonObject Connection(string source, string target) => new()
    {
        ["source"] = new JsonObject { ["activity"] = source, ["port"] = "Done" },
        ["target"] = new JsonObject { ["activity"] = target, ["port"] = "In" },
    };
}
