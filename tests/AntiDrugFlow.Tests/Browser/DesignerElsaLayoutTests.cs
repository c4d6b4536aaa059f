using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>
/// The layout travels in Elsa 3's own place, as Elsa Studio keeps it: each activity's <c>metadata.designer.position</c>
/// is the top-left corner of its box in diagram units (X6's node position, which Studio copies both ways) and
/// <c>metadata.designer.size</c> its width and height; a connection's bend points are its <c>vertices</c>.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DesignerElsaLayoutTests(BrowserHost host)
{
    [Fact]
    public async Task A_definition_saved_by_the_designer_exports_the_top_left_corner_and_size_where_elsa_studio_puts_them()
    {
        await PostAsync(Definition("studio-export",
            [Positioned(new JsonObject { ["id"] = "start", ["type"] = "Elsa.Start", ["version"] = 1 }, 40, 40),
             Positioned(WriteLine("after"), 340, 40)],
            [Connection("start", "after", null)]));
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/admin/definitions/studio-export");
        var designer = await ReadyAsync(page);

        // Select the second activity by keyboard and move it 10 right and 50 down.
        await designer.Locator(".designer-canvas").FocusAsync();
        await page.Keyboard.PressAsync("Escape");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        await Expect(designer.Locator(".designer-panel h3")).ToHaveTextAsync("記錄");
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("Shift+ArrowDown");
        // X6 draws a node at its position: the group's translation is the box's top-left corner.
        await Expect(designer.Locator("g.x6-node[data-cell-id='after']")).ToHaveAttributeAsync("transform", "translate(350,90)");
        await page.Locator("#save-button").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("草稿已儲存");

        var exported = (await host.Host.Http.GetFromJsonAsync<JsonObject>("/api/workflow-definitions/studio-export/export"))!;
        var activities = exported["root"]!["activities"]!.AsArray().ToDictionary(a => a!["id"]!.GetValue<string>(), a => a!["metadata"]!["designer"]!);
        AssertBox(activities["start"], 40, 40, 230, 60);
        AssertBox(activities["after"], 350, 90, 230, 60);
        var connection = exported["root"]!["connections"]!.AsArray().Single()!;
        Assert.Equal("start", connection["source"]!["activity"]!.GetValue<string>());
        Assert.Equal("Done", connection["source"]!["port"]!.GetValue<string>());
        Assert.Equal("In", connection["target"]!["port"]!.GetValue<string>());
        Assert.Empty(connection["vertices"]!.AsArray());
    }

    [Fact]
    public async Task A_file_in_elsa_studios_format_opens_with_its_layout()
    {
        // As Elsa Studio writes it: fractional and negative positions, its own sizes, node ids, and a bend point.
        var start = Positioned(new JsonObject { ["id"] = "b039045bb7443e57", ["nodeId"] = "Workflow1:flow:b039045bb7443e57", ["type"] = "Elsa.Start", ["version"] = 1, ["name"] = "Start1" }, -231.796875, 269, 139.296875, 50);
        var write = Positioned(WriteLine("a58b1f2c9d0e4e11"), 120.5, 402.25, 200, 50);
        write["nodeId"] = "Workflow1:flow:a58b1f2c9d0e4e11";
        await PostAsync(Definition("studio-import", [start, write], [Connection("b039045bb7443e57", "a58b1f2c9d0e4e11", new JsonArray(new JsonObject { ["x"] = 40, ["y"] = 294 }))]));

        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/admin/definitions/studio-import");
        var designer = await ReadyAsync(page);

        var drawn = JsonNode.Parse(await page.EvaluateAsync<string>("""
            () => {
              const g = document.getElementById('designer').designer.graph;
              return JSON.stringify({ nodes: g.getNodes().map(n => ({ id: n.id, p: n.getPosition() })), vertices: g.getEdges().map(e => e.getVertices()) });
            }
            """))!;
        var positions = drawn["nodes"]!.AsArray().ToDictionary(n => n!["id"]!.GetValue<string>(), n => n!["p"]!);
        Assert.Equal(-231.796875, positions["b039045bb7443e57"]!["x"]!.GetValue<double>());
        Assert.Equal(269, positions["b039045bb7443e57"]!["y"]!.GetValue<double>());
        Assert.Equal(120.5, positions["a58b1f2c9d0e4e11"]!["x"]!.GetValue<double>());
        Assert.Equal(402.25, positions["a58b1f2c9d0e4e11"]!["y"]!.GetValue<double>());
        var vertex = drawn["vertices"]!.AsArray().Single()!.AsArray().Single()!;
        Assert.Equal(40, vertex["x"]!.GetValue<double>());
        Assert.Equal(294, vertex["y"]!.GetValue<double>());

        // Opened with its layout: nothing was laid out again, and the JSON editor keeps Studio's numbers and node ids.
        Assert.Null(await designer.GetAttributeAsync("data-layouts"));
        var json = JsonNode.Parse(await page.Locator("#definition-json").InputValueAsync())!;
        var first = json["root"]!["activities"]![0]!;
        Assert.Equal(-231.796875, first["metadata"]!["designer"]!["position"]!["x"]!.GetValue<double>());
        Assert.Equal("Workflow1:flow:b039045bb7443e57", first["nodeId"]!.GetValue<string>());
    }

    private static void AssertBox(JsonNode designer, double x, double y, double width, double height)
    {
        Assert.Equal(x, designer["position"]!["x"]!.GetValue<double>());
        Assert.Equal(y, designer["position"]!["y"]!.GetValue<double>());
        Assert.Equal(width, designer["size"]!["width"]!.GetValue<double>());
        Assert.Equal(height, designer["size"]!["height"]!.GetValue<double>());
    }

    private async Task PostAsync(JsonObject definition) =>
        (await host.Host.Http.PostAsJsonAsync("/api/workflow-definitions", definition)).EnsureSuccessStatusCode();

    private static async Task<ILocator> ReadyAsync(IPage page)
    {
        var designer = page.Locator("#designer");
        await Expect(designer).ToHaveAttributeAsync("data-ready", "true");
        await page.EvaluateAsync("document.getElementById('designer').scrollIntoView()");
        await Expect(designer).Not.ToHaveAttributeAsync("data-validating", "true");
        return designer;
    }

    private static JsonObject Definition(string definitionId, JsonObject[] activities, JsonObject[] connections) => new()
    {
        ["definitionId"] = definitionId,
        ["name"] = "版面往返 " + definitionId,
        ["root"] = new JsonObject
        {
            ["type"] = "Elsa.Flowchart",
            ["id"] = "flow",
            ["activities"] = new JsonArray(activities),
            ["connections"] = new JsonArray(connections),
        },
    };

    private static JsonObject Positioned(JsonObject activity, double x, double y, double? width = null, double? height = null)
    {
        var designer = new JsonObject { ["position"] = new JsonObject { ["x"] = x, ["y"] = y } };
        if (width is not null)
        {
            designer["size"] = new JsonObject { ["width"] = width, ["height"] = height };
        }

        activity["metadata"] = new JsonObject { ["designer"] = designer };
        return activity;
    }

    private static JsonObject WriteLine(string id) => new()
    {
        ["id"] = id, ["type"] = "Elsa.WriteLine", ["version"] = 1, ["name"] = "記錄",
        ["text"] = new JsonObject { ["typeName"] = "String", ["expression"] = new JsonObject { ["type"] = "Literal", ["value"] = "已記錄" } },
    };

    private static JsonObject Connection(string source, string target, JsonArray? vertices)
    {
        var connection = new JsonObject
        {
            ["source"] = new JsonObject { ["activity"] = source, ["port"] = "Done" },
            ["target"] = new JsonObject { ["activity"] = target, ["port"] = "In" },
        };
        if (vertices is not null)
        {
            connection["vertices"] = vertices;
        }

        return connection;
    }
}
