using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Chains;
using Xunit;

namespace AntiDrugFlow.Tests.Cases;

/// <summary>What the inbox counts as 未讀: a task the person has not opened, and not a task reopened after an interim outcome they reported.</summary>
public sealed class UnreadTaskTests : IAsyncLifetime
{
    private ChainsHost _host = null!;

    public async Task InitializeAsync() => _host = await ChainsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_task_reopened_after_an_interim_outcome_stays_read_while_a_new_routing_is_unread()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        var caseId = (await ChainsHost.BodyAsync(await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", drugLevel = 2 })))["id"]!.GetValue<string>();
        var station = await _host.SignedInAsync("police.kl-zhong-er-rd");

        var ack = await TaskOfCaseAsync(station, caseId);
        Assert.True(ack["unread"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.OK, (await station.GetAsync($"/api/inbox/{ack["taskId"]}")).StatusCode);
        Assert.False((await TaskOfCaseAsync(station, caseId))["unread"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.NoContent, (await station.PostAsync($"/api/inbox/{ack["taskId"]}/acknowledge", null)).StatusCode);

        // The outcome task is a new routing: unread until opened.
        var outcome = await TaskOfCaseAsync(station, caseId);
        Assert.True(outcome["unread"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.OK, (await station.GetAsync($"/api/inbox/{outcome["taskId"]}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await station.PostAsJsonAsync($"/api/inbox/{outcome["taskId"]}/complete", new { outcome = "偵辦中" })).StatusCode);

        // 偵辦中 keeps the task open under a new id; the person who opened it does not see it as unread again.
        var reopened = await TaskOfCaseAsync(station, caseId);
        Assert.NotEqual(outcome["taskId"]!.GetValue<string>(), reopened["taskId"]!.GetValue<string>());
        Assert.False(reopened["unread"]!.GetValue<bool>());
    }

    private static async Task<JsonNode> TaskOfCaseAsync(HttpClient client, string caseId) =>
        Assert.Single((await ChainsHost.BodyAsync(await client.GetAsync("/api/inbox"))).AsArray(), t => t!["caseId"]!.GetValue<string>() == caseId && t["open"]!.GetValue<bool>())!;
}
