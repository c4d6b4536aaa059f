using System.Net;
using System.Net.Http.Json;
using AntiDrugFlow.Tests.Chains;
using Xunit;

namespace AntiDrugFlow.Tests.Cases;

/// <summary>Each refused task action or look-up leaves a denied audit row, never a done one.</summary>
public sealed class RefusedActionAuditTests : IAsyncLifetime
{
    private const string Station = "kee-p1-zhong-er-rd";
    private const string OtherStation = "kee-p2-xinyi";
    private ChainsHost _host = null!;

    public async Task InitializeAsync() => _host = await ChainsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_second_acknowledgement_answered_409_is_audited_as_denied_and_the_first_as_done()
    {
        var (station, taskId) = await RoutedTaskAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await station.PostAsync($"/api/inbox/{taskId}/acknowledge", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await station.PostAsync($"/api/inbox/{taskId}/acknowledge", null)).StatusCode);

        Assert.Equal("task.acknowledge,task.acknowledge.denied", await ActionsAsync(Station, "task.acknowledge%"));
    }

    [Fact]
    public async Task A_completion_refused_as_bad_input_is_audited_as_denied()
    {
        var (station, taskId) = await RoutedTaskAsync();

        var refused = await station.PostAsJsonAsync($"/api/inbox/{taskId}/complete", new { note = new string('長', 1001) });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("task.complete.denied", await ActionsAsync(Station, "task.complete%"));
    }

    [Fact]
    public async Task Another_station_looking_up_or_acting_on_the_task_is_refused_404_and_audited_as_denied()
    {
        var (_, taskId) = await RoutedTaskAsync();
        var other = await _host.SignedInAsync("police.kl-xinyi");

        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/inbox/{taskId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"/api/inbox/{taskId}/acknowledge", null)).StatusCode);

        Assert.Equal("task.read.denied,task.acknowledge.denied", await ActionsAsync(OtherStation, "task.%"));
        Assert.Equal(0L, await _host.ScalarAsync<long>($"SELECT count(*) FROM audit_log WHERE agency_id = '{OtherStation}' AND action IN ('task.read', 'task.acknowledge')"));
    }

    private async Task<(HttpClient Station, string TaskId)> RoutedTaskAsync()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        Assert.Equal(HttpStatusCode.Created, (await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", urgent = false, drugLevel = 2 })).StatusCode);
        var station = await _host.SignedInAsync("police.kl-zhong-er-rd");
        var inbox = (await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray();
        return (station, inbox.First()!["taskId"]!.GetValue<string>());
    }

    private Task<string> ActionsAsync(string agencyId, string like) =>
        _host.ScalarAsync<string>($"SELECT coalesce(string_agg(action, ',' ORDER BY id), '') FROM audit_log WHERE agency_id = '{agencyId}' AND action LIKE '{like}'");
}
