using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>
/// A host whose shipped tip-off chain gives an urgent tip-off seconds, not hours, to be acknowledged, so a real
/// deadline passes and the timer pump escalates the task while the browser watches.
/// </summary>
public sealed class ShortDeadlineBrowserHost : IAsyncLifetime
{
    private readonly CaseWorkerBrowserHost _inner = new();
    private string? _workflows;

    public CaseWorkerBrowserHost Browser => _inner;

    public async Task InitializeAsync()
    {
        _workflows = Directory.CreateTempSubdirectory("adf-short-deadline-").FullName;
        foreach (var file in Directory.EnumerateFiles(AntiDrugFlow.Host.Infrastructure.ProjectPaths.WorkflowsDirectory(), "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(_workflows, Path.GetRelativePath(AntiDrugFlow.Host.Infrastructure.ProjectPaths.WorkflowsDirectory(), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var chain = Path.Combine(_workflows, "chains", "tip-off-chain.json");
        var document = JsonNode.Parse(await File.ReadAllTextAsync(chain))!;
        document["variables"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "urgentAckDeadline")!["value"] = "00:00:06";
        await File.WriteAllTextAsync(chain, document.ToJsonString());
        await _inner.InitializeAsync(_workflows);
    }

    public async Task DisposeAsync()
    {
        await _inner.DisposeAsync();
        if (_workflows is not null)
        {
            Directory.Delete(_workflows, recursive: true);
        }
    }
}

/// <summary>An escalated task stays in the station's inbox, marked 已升級 and read-only, naming where it went.</summary>
public sealed class EscalatedTaskBrowserTests(ShortDeadlineBrowserHost fixture) : IClassFixture<ShortDeadlineBrowserHost>
{
    [Fact]
    public async Task An_escalated_task_stays_in_the_stations_inbox_marked_escalated_and_read_only()
    {
        var host = fixture.Browser;
        using var schoolApi = await CaseWorkerJourneyTests.ApiClientAsync(host, "school.kl-chenggong-jh");
        var created = await schoolApi.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", urgent = true, drugLevel = 2 });
        var caseNumber = (await created.Content.ReadFromJsonAsync<JsonObject>())!["caseNumber"]!.GetValue<string>();

        var (stationContext, station) = await host.SignInAsync("police.kl-zhong-er-rd");
        await using var _ = stationContext;
        var row = station.Locator("#inbox tbody tr", new() { HasText = caseNumber });
        await Expect(row).ToContainTextAsync("緊急");

        // The deadline passes: the row stays, marked 已升級 with the precinct it went to.
        for (var attempt = 0; attempt < 30 && !((await row.TextContentAsync()) ?? string.Empty).Contains("已升級", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(1_000);
            await station.ReloadAsync();
        }

        await Expect(row).ToContainTextAsync("已升級");
        await Expect(row).ToContainTextAsync("基隆市警察局第一分局");
        await Expect(row).Not.ToContainTextAsync("待處理");

        // Its page shows it read-only: no 確認收到.
        await row.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(station.Locator("#task-closed")).ToContainTextAsync("已升級");
        await Expect(station.Locator("#task-closed")).ToContainTextAsync("僅供檢視");
        await Expect(station.GetByRole(AriaRole.Button, new() { Name = "確認收到" })).ToHaveCountAsync(0);
        await CaseWorkerJourneyTests.CaptureAsync(station, "task-escalated.png");
    }
}
