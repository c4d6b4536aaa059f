using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

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
        await CaseWorkerJourneyTests.ReloadUntilAsync(station, row, "已升級");
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
