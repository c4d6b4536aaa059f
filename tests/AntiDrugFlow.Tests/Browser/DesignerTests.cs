using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>
/// The designer on the definition page: palette from the engine's descriptors, drag to add, connect ports, edit
/// inputs in the panel, validation by the server as one edits, publish, and a new instance on the new path.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DesignerTests(BrowserHost host)
{
    private const string RouteNode = "route-task-1";

    [Fact]
    public async Task An_administrator_drags_a_route_task_in_connects_it_sets_three_hours_fixes_its_errors_and_publishes_and_new_instances_follow_it()
    {
        await CreateDefinitionAsync("designer-drag");
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/admin/definitions/designer-drag");
        var designer = await ReadyAsync(page);

        // The palette is grouped and in zh-TW, from the descriptors the engine registers.
        await Expect(designer.Locator(".designer-palette summary", new() { HasText = "反毒通報" })).ToBeVisibleAsync();
        await Expect(designer.Locator(".designer-palette summary", new() { HasText = "流程控制" })).ToBeVisibleAsync();
        var item = designer.Locator(".palette-item[data-type='AntiDrugFlow.RouteTask']");
        await Expect(item).ToContainTextAsync("交辦機關");

        await DragAsync(page, item, designer.Locator(".designer-canvas"), 330, 260);
        var route = Node(page, RouteNode);
        await Expect(route).ToBeVisibleAsync();
        await DragAsync(page, Port(page, "start", "out:Done"), Port(page, RouteNode, "in"));
        await DragAsync(page, Port(page, RouteNode, "out:Done"), Port(page, "after", "in"));
        await Expect(page.Locator("#definition-json")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("\"activity\": \"route-task-1\""));

        // Selected, its required inputs are empty: the node and the panel show the validator's message, publish is off.
        await route.ClickAsync();
        await Expect(designer.Locator(".designer-panel h3")).ToHaveTextAsync("交辦機關");
        await Expect(designer).ToHaveAttributeAsync("data-errors", new System.Text.RegularExpressions.Regex("^[1-9]"));
        await Expect(designer.Locator(".designer-panel .panel-errors")).ToContainTextAsync("taskName");
        await Expect(route.Locator("rect").First).ToHaveAttributeAsync("stroke", "#b3261e");
        await Expect(page.Locator("#publish-note")).ToContainTextAsync("驗證錯誤");

        await FillInputsAsync(page, designer);
        await Expect(designer).ToHaveAttributeAsync("data-errors", "0");
        await Expect(route.Locator("rect").First).Not.ToHaveAttributeAsync("stroke", "#b3261e");

        await SaveAndPublishAsync(page);
        await AssertNewInstanceWaitsOnTheRouteAsync("designer-drag");
    }

    /// <summary>
    /// While the designer loads (its descriptors held back here) it may still write the laid-out JSON into the editor, so the
    /// editor takes no typing; once the designer is ready the editor holds the laid-out JSON alone and takes input again.
    /// </summary>
    [Fact]
    public async Task The_JSON_editor_takes_no_input_until_the_designer_is_ready()
    {
        await CreateDefinitionAsync("designer-loading");
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        var held = new TaskCompletionSource<IRoute>(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync("**/descriptors/activities*", route =>
        {
            held.TrySetResult(route);
            return Task.CompletedTask;
        });
        await page.GotoAsync("/admin/definitions/designer-loading");
        var descriptors = await held.Task;

        var editor = page.Locator("#definition-json");
        var shown = await editor.InputValueAsync();
        await Expect(editor).Not.ToBeEditableAsync();
        await editor.FocusAsync();
        await page.Keyboard.TypeAsync("typed while loading");
        Assert.Equal(shown, await editor.InputValueAsync());

        await descriptors.ContinueAsync();
        await Expect(page.Locator("#designer")).ToHaveAttributeAsync("data-ready", "true");
        await Expect(editor).ToBeEditableAsync();
        var laidOut = await editor.InputValueAsync();
        Assert.DoesNotContain("typed while loading", laidOut, StringComparison.Ordinal);
        Assert.NotNull(JsonNode.Parse(laidOut)!["root"]!["activities"]![0]!["metadata"]?["designer"]?["position"]);
        await editor.PressAsync("Control+End");
        await page.Keyboard.TypeAsync(" ");
        Assert.Equal(laidOut + " ", await editor.InputValueAsync());
    }

    [Fact]
    public async Task The_same_edit_is_done_with_the_keyboard_alone()
    {
        await CreateDefinitionAsync("designer-keys");
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/admin/definitions/designer-keys");
        var designer = await ReadyAsync(page);

        // One tab stop in the palette; the arrow keys walk it and Enter adds the activity.
        await designer.Locator(".designer-palette input[type=search]").FocusAsync();
        await page.Keyboard.TypeAsync("交辦");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("AntiDrugFlow.RouteTask", await page.EvaluateAsync<string>("document.activeElement.dataset.type"));
        await page.Keyboard.PressAsync("Enter");
        await Expect(Node(page, RouteNode)).ToBeVisibleAsync();
        await Expect(designer.Locator(".designer-panel h3")).ToHaveTextAsync("交辦機關");

        await FillInputsAsync(page, designer, keyboard: true);
        await KeyboardSelectAsync(page, designer.Locator("#connect-route-task-1-Done"), "after");

        // On the canvas Tab walks the activities: the first is the start, whose Done goes to the new activity.
        await designer.Locator(".designer-canvas").FocusAsync();
        await page.Keyboard.PressAsync("Escape");
        await page.Keyboard.PressAsync("Tab");
        await Expect(designer.Locator(".designer-panel h3")).ToHaveTextAsync("開始");
        await KeyboardSelectAsync(page, designer.Locator("#connect-start-Done"), RouteNode);

        // Ctrl+Z takes the last change of the connection back, Ctrl+Y puts it back.
        var startToRoute = new System.Text.RegularExpressions.Regex("\"activity\": \"start\",\\s*\"port\": \"Done\"\\s*},\\s*\"target\": \\{\\s*\"activity\": \"route-task-1\"");
        await designer.Locator(".designer-canvas").FocusAsync();
        await page.Keyboard.PressAsync("Control+z");
        await Expect(page.Locator("#definition-json")).Not.ToHaveValueAsync(startToRoute);
        await page.Keyboard.PressAsync("Control+y");
        await Expect(page.Locator("#definition-json")).ToHaveValueAsync(startToRoute);
        await Expect(designer).ToHaveAttributeAsync("data-errors", "0");

        await page.Locator("#save-button").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("草稿已儲存");
        await ReadyAsync(page);
        await Expect(page.Locator("#publish-button")).ToBeEnabledAsync();
        await page.Locator("#publish-button").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("已發布");
        await AssertNewInstanceWaitsOnTheRouteAsync("designer-keys");
    }

    /// <summary>start → after (a WriteLine), with no positions: the designer lays it out.</summary>
    private async Task CreateDefinitionAsync(string definitionId)
    {
        var definition = new JsonObject
        {
            ["definitionId"] = definitionId,
            ["name"] = "設計器示範 " + definitionId,
            ["root"] = new JsonObject
            {
                ["type"] = "Elsa.Flowchart",
                ["id"] = "flowchart",
                ["activities"] = new JsonArray(
                    new JsonObject { ["id"] = "start", ["type"] = "Elsa.Start", ["version"] = 1 },
                    new JsonObject
                    {
                        ["id"] = "after", ["type"] = "Elsa.WriteLine", ["version"] = 1, ["name"] = "記錄交辦",
                        ["text"] = new JsonObject { ["typeName"] = "String", ["expression"] = new JsonObject { ["type"] = "Literal", ["value"] = "已交辦" } },
                    }),
                ["connections"] = new JsonArray(),
            },
        };
        (await host.Host.Http.PostAsJsonAsync("/api/workflow-definitions", definition)).EnsureSuccessStatusCode();
    }

    private static async Task<ILocator> ReadyAsync(IPage page)
    {
        var designer = page.Locator("#designer");
        await Expect(designer).ToHaveAttributeAsync("data-ready", "true");
        await designer.ScrollIntoViewIfNeededAsync();
        await page.EvaluateAsync("document.getElementById('designer').scrollIntoView()");
        await Expect(designer).Not.ToHaveAttributeAsync("data-validating", "true");
        return designer;
    }

    private static ILocator Node(IPage page, string id) => page.Locator($"#designer g.x6-node[data-cell-id='{id}']");

    private static ILocator Port(IPage page, string node, string port) => page.Locator($"#designer g.x6-node[data-cell-id='{node}'] circle[port='{port}']");

    /// <summary>A mouse drag, in steps, from the middle of one element to a point in (or the middle of) another.</summary>
    private static async Task DragAsync(IPage page, ILocator from, ILocator to, double? x = null, double? y = null)
    {
        await from.ScrollIntoViewIfNeededAsync();
        var a = (await from.BoundingBoxAsync())!;
        var b = (await to.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(a.X + (a.Width / 2), a.Y + (a.Height / 2));
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(b.X + (float)(x ?? b.Width / 2), b.Y + (float)(y ?? b.Height / 2), new() { Steps = 12 });
        await page.Mouse.UpAsync();
    }

    /// <summary>A select operated by keys: focus it, then arrow down until the wanted option is chosen.</summary>
    private static async Task KeyboardSelectAsync(IPage page, ILocator select, string value)
    {
        await select.FocusAsync();
        for (var i = 0; i < 20 && await select.InputValueAsync() != value; i++)
        {
            await page.Keyboard.PressAsync("ArrowDown");
        }

        Assert.Equal(value, await select.InputValueAsync());
        await page.Keyboard.PressAsync("Tab");
    }

    /// <summary>Agency, task name and kind, and 「3 小時」; the duration is written as a .NET TimeSpan.</summary>
    private static async Task FillInputsAsync(IPage page, ILocator designer, bool keyboard = false)
    {
        async Task Type(string label, string text)
        {
            var input = designer.GetByLabel(label, new() { Exact = true });
            if (keyboard)
            {
                await input.FocusAsync();
                await page.Keyboard.TypeAsync(text);
                await page.Keyboard.PressAsync("Tab");
            }
            else
            {
                await input.FillAsync(text);
                await input.BlurAsync();
            }
        }

        await Type("機關（必填）", "moe-sse");
        await Type("工作名稱（必填）", "確認通報內容");
        await Type("工作類別（必填）", "review");
        await Type("處理期限（必填）", "3");
        await Expect(designer.Locator("[data-input='dueIn'] .duration-label")).ToHaveTextAsync("3 小時");
        await Expect(page.Locator("#definition-json")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("\"value\": \"03:00:00\""));
    }

    private static async Task SaveAndPublishAsync(IPage page)
    {
        await page.Locator("#save-button").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("草稿已儲存");
        await DefinitionPageSteps.PublishAsync(page);
        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("已發布");
    }

    /// <summary>A notification started now runs the published version: it waits on the new routed task, due in three hours.</summary>
    private async Task AssertNewInstanceWaitsOnTheRouteAsync(string definitionId)
    {
        var started = await host.Host.Http.PostAsJsonAsync($"/api/workflow-definitions/{definitionId}/execute", new { correlationId = definitionId + "-case" });
        started.EnsureSuccessStatusCode();
        var id = (await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        var instance = (await host.Host.Http.GetFromJsonAsync<JsonObject>($"/api/workflow-instances/{id}"))!;
        Assert.Equal("Suspended", instance["status"]!.GetValue<string>());
        var bookmarks = instance["bookmarks"]!.AsArray().Select(b => b!.AsObject()).Where(b => b["activityId"]!.GetValue<string>() == RouteNode).ToList();
        Assert.NotEmpty(bookmarks);
        var due = bookmarks.Select(b => b["dueAt"]).OfType<JsonNode>().Select(d => d.GetValue<DateTimeOffset>()).Max();
        var created = instance["createdAt"]!.GetValue<DateTimeOffset>();
        Assert.InRange(due - created, TimeSpan.FromHours(3) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(3) + TimeSpan.FromMinutes(1));
    }
}
