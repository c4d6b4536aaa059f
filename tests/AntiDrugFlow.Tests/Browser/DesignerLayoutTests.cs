using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>
/// The designer's automatic layout on the five shipped chains: no connection crosses an activity other than its
/// own two ends, outcome names show in full, and a picture of each chain for docs/screenshots.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DesignerLayoutTests(BrowserHost host)
{
    public static readonly string[] Chains = ["tip-off-chain", "youth-case-followup", "first-time-offender", "out-of-school-youth", "military-notification"];

    /// <summary>
    /// In the page: every connection's drawn path (source point, route points, target point) against every activity's
    /// box except its own source and target. A segment that enters a box by more than a pixel is reported.
    /// </summary>
    private const string CrossingsScript = """
        () => {
          const graph = document.getElementById('designer').designer.graph;
          const enters = (a, b, r) => {
            // Liang-Barsky: does the segment a-b pass through the inside of r (shrunk by one pixel)?
            const x0 = r.x + 1, y0 = r.y + 1, x1 = r.x + r.width - 1, y1 = r.y + r.height - 1;
            let t0 = 0, t1 = 1; const dx = b.x - a.x, dy = b.y - a.y;
            const clip = (p, q) => { if (p === 0) return q > 0; const t = q / p; if (p < 0) { if (t > t1) return false; if (t > t0) t0 = t; } else { if (t < t0) return false; if (t < t1) t1 = t; } return true; };
            return clip(-dx, a.x - x0) && clip(dx, x1 - a.x) && clip(-dy, a.y - y0) && clip(dy, y1 - a.y) && t1 - t0 > 1e-9;
          };
          const found = [];
          graph.getEdges().forEach((edge) => {
            const view = graph.findViewByCell(edge);
            const points = [view.sourcePoint, ...view.routePoints, view.targetPoint];
            graph.getNodes().filter((n) => n.id !== edge.getSourceCellId() && n.id !== edge.getTargetCellId()).forEach((node) => {
              const box = node.getBBox();
              for (let i = 0; i + 1 < points.length; i++) {
                if (enters(points[i], points[i + 1], box)) { found.push(edge.getSourceCellId() + '(' + edge.getSourcePortId() + ')→' + edge.getTargetCellId() + ' crosses ' + node.id); break; }
              }
            });
          });
          return JSON.stringify({ edges: graph.getEdges().length, crossings: found });
        }
        """;

    /// <summary>In the page: the connections of an activity with several outcomes whose label is not the whole outcome name.</summary>
    private const string LabelsScript = """
        () => {
          const graph = document.getElementById('designer').designer.graph;
          return graph.getEdges().filter((e) => e.getSourceCell().getPortsByGroup('out').length > 1).flatMap((e) => {
            const outcome = e.getSourcePortId().slice(4);
            const shown = graph.findViewByCell(e).container.querySelector('.x6-edge-label text');
            const text = shown ? shown.textContent : '(no label)';
            return text === outcome ? [] : [e.getSourceCellId() + ' ' + outcome + ' is labelled ' + text];
          });
        }
        """;

    [Fact]
    public async Task After_automatic_layout_no_connection_of_the_five_chains_passes_through_an_activity_and_outcomes_are_labelled_in_full()
    {
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        var failures = new List<string>();
        foreach (var chain in Chains)
        {
            var designer = await OpenLaidOutAsync(page, chain);
            var result = JsonNode.Parse(await page.EvaluateAsync<string>(CrossingsScript))!;
            Assert.True(result["edges"]!.GetValue<int>() > 10, $"{chain}: the diagram has too few connections");
            failures.AddRange(result["crossings"]!.AsArray().Select(c => chain + ": " + c!.GetValue<string>()));
            failures.AddRange((await page.EvaluateAsync<string[]>(LabelsScript)).Select(l => chain + ": " + l));
        }

        Assert.True(failures.Count == 0, "Connections through activities or labels cut short:\n" + string.Join('\n', failures));
    }

    /// <summary>
    /// Each chain laid out, in the designer widened to the page, in pictures 1280 pixels wide at 85 % (text stays
    /// legible): one after another from the start of the chain to its end, overlapping a little.
    /// </summary>
    [Fact]
    public async Task Each_chain_is_captured_in_the_designer_in_legible_pictures_across_a_1280_pixel_page()
    {
        const double Scale = 0.85;
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.SetViewportSizeAsync(1280, 1150);
        var folder = Path.Combine(BrowserHost.Repository, "docs", "screenshots");
        Directory.CreateDirectory(folder);
        foreach (var stale in Directory.GetFiles(folder, "designer-*.png"))
        {
            File.Delete(stale);
        }

        foreach (var chain in Chains)
        {
            var designer = await OpenLaidOutAsync(page, chain);
            await designer.Locator("[data-action='wide']").ClickAsync();
            await Expect(designer.Locator("[data-action='wide']")).ToHaveAttributeAsync("aria-pressed", "true");
            await Expect(designer.Locator(".designer-panel")).ToBeHiddenAsync();
            await designer.Locator("[data-action='actual']").ClickAsync();
            Assert.Equal(1.0, await page.EvaluateAsync<double>("document.getElementById('designer').designer.graph.zoom()"));
            var box = (await designer.BoundingBoxAsync())!;
            Assert.InRange(box.Width, 1000, 1280);

            // The pictures pan along the chain: the tile count follows from its width at this scale.
            var tiles = await page.EvaluateAsync<int>($$"""
                () => {
                  const d = document.getElementById('designer').designer, g = d.graph, b = g.getCellsBBox(g.getNodes());
                  const w = d.canvas.clientWidth - 60;
                  return Math.ceil((b.width * {{Scale}} + 48) / w);
                }
                """);
            for (var tile = 0; tile < tiles; tile++)
            {
                var fits = await page.EvaluateAsync<bool>($$"""
                    () => {
                      const d = document.getElementById('designer').designer, g = d.graph, b = g.getCellsBBox(g.getNodes());
                      g.zoomTo({{Scale}});
                      g.translate(24 - b.x * {{Scale}} - {{tile}} * (d.canvas.clientWidth - 60), (d.canvas.clientHeight - b.height * {{Scale}}) / 2 - b.y * {{Scale}});
                      return b.height * {{Scale}} <= d.canvas.clientHeight;
                    }
                    """);
                Assert.True(fits, $"{chain} is taller than the widened canvas");
                var path = Path.Combine(folder, $"designer-{chain}-{tile + 1}.png");
                await designer.ScreenshotAsync(new() { Path = path });
                Assert.True(new FileInfo(path).Length > 20_000, $"{path} looks empty");
            }
        }
    }

    /// <summary>The chain on its own definition page, laid out by the designer's 「自動排列」.</summary>
    private async Task<ILocator> OpenLaidOutAsync(IPage page, string chain)
    {
        var definitionId = await EnsureChainAsync(chain);
        await page.GotoAsync($"/admin/definitions/{definitionId}");
        var designer = page.Locator("#designer");
        await Expect(designer).ToHaveAttributeAsync("data-ready", "true");
        await page.EvaluateAsync("document.getElementById('designer').scrollIntoView()");
        var before = await designer.GetAttributeAsync("data-layouts") ?? "0";
        await designer.Locator("[data-action='layout']").ClickAsync();
        await Expect(designer).Not.ToHaveAttributeAsync("data-layouts", before);
        return designer;
    }

    /// <summary>The browser host imports only the tip-off chain; the other shipped chains are created through the API once.</summary>
    private async Task<string> EnsureChainAsync(string chain)
    {
        var existing = await host.Host.Http.GetAsync($"/api/workflow-definitions/{chain}");
        if (existing.StatusCode == HttpStatusCode.OK)
        {
            return chain;
        }

        var definition = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(BrowserHost.Repository, "workflows-json", "chains", chain + ".json")))!.AsObject();
        (await host.Host.Http.PostAsJsonAsync("/api/workflow-definitions", definition)).EnsureSuccessStatusCode();
        return chain;
    }
}
