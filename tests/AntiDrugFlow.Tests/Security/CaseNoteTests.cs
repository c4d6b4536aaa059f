using System.Net;
using System.Net.Http.Json;
using AntiDrugFlow.Tests.Chains;
using Xunit;

namespace AntiDrugFlow.Tests.Security;

/// <summary>
/// A note written on completing a task (說明，僅貴單位可見) stays out of the workflow's variables and task results, is stored
/// encrypted with the case, and is read back by the agency that wrote it only.
/// </summary>
public sealed class CaseNoteTests : IAsyncLifetime
{
    private const string Note = "偵查細節：線民代號甲";
    private ChainsHost _host = null!;

    public async Task InitializeAsync() => _host = await ChainsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_police_note_is_read_back_by_its_agency_only_and_administrators_never_see_it()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        var caseId = (await ChainsHost.BodyAsync(await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", drugLevel = 2 })))["id"]!.GetValue<string>();
        var station = await _host.SignedInAsync("police.kl-zhong-er-rd");
        var ack = (await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray().Single(t => t!["caseId"]!.GetValue<string>() == caseId)!;
        Assert.Equal(HttpStatusCode.NoContent, (await station.PostAsync($"/api/inbox/{ack["taskId"]}/acknowledge", null)).StatusCode);
        var outcome = (await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray().Single(t => t!["caseId"]!.GetValue<string>() == caseId)!;
        Assert.Equal(HttpStatusCode.NoContent, (await station.PostAsJsonAsync($"/api/inbox/{outcome["taskId"]}/complete", new { outcome = "查獲", note = Note })).StatusCode);

        // The station reads its note back, through the API and on the case page.
        var notes = (await ChainsHost.BodyAsync(await station.GetAsync($"/api/cases/{caseId}/notes"))).AsArray();
        Assert.Equal(Note, Assert.Single(notes)!["text"]!.GetValue<string>());
        Assert.Contains(Note, WebUtility.HtmlDecode(await station.GetStringAsync($"/cases/{caseId}")), StringComparison.Ordinal);

        // The school sees the case and its status, not the note; an agency outside the case gets 404.
        Assert.Empty((await ChainsHost.BodyAsync(await school.GetAsync($"/api/cases/{caseId}/notes"))).AsArray());
        Assert.DoesNotContain(Note, WebUtility.HtmlDecode(await school.GetStringAsync($"/cases/{caseId}")), StringComparison.Ordinal);
        var other = await _host.SignedInAsync("police.kl-xinyi");
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/cases/{caseId}/notes")).StatusCode);

        // Administrators browsing instances and tasks never meet it.
        var admin = await _host.SignedInAsync("admin");
        var instanceId = Assert.Single(await _host.InstancesAsync(new Workflows.Persistence.InstanceFilter(CorrelationId: caseId))).Id;
        foreach (var address in new[] { $"/api/workflow-instances/{instanceId}", "/api/tasks", $"/api/tasks?instanceId={instanceId}&status=Completed", $"/admin/instances/{instanceId}", $"/elsa/api/workflow-instances/{instanceId}" })
        {
            var response = await admin.GetAsync(address);
            Assert.True(response.IsSuccessStatusCode, address);
            // Pages encode non-ASCII text as character references: decoded, so the check reads what a person would.
            var text = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
            Assert.Contains("查獲", text, StringComparison.Ordinal);
            Assert.DoesNotContain("線民", text, StringComparison.Ordinal);
        }

        // At rest it is encrypted, like a minor's name.
        Assert.Equal(1L, await _host.ScalarAsync<long>($"SELECT count(*) FROM case_notes WHERE case_id = '{caseId}' AND agency_id = 'kee-p1-zhong-er-rd'"));
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM case_notes WHERE note_protected LIKE '%線民%'"));
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM instance_variables WHERE variables::text LIKE '%線民%'"));
    }

    [Fact]
    public async Task A_note_on_a_task_that_does_not_complete_is_not_stored()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        var caseId = (await ChainsHost.BodyAsync(await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", drugLevel = 2 })))["id"]!.GetValue<string>();
        var station = await _host.SignedInAsync("police.kl-zhong-er-rd");
        var ack = (await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray().Single(t => t!["caseId"]!.GetValue<string>() == caseId)!;
        Assert.Equal(HttpStatusCode.NoContent, (await station.PostAsync($"/api/inbox/{ack["taskId"]}/acknowledge", null)).StatusCode);
        var outcome = (await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray().Single(t => t!["caseId"]!.GetValue<string>() == caseId)!;
        Assert.Equal(HttpStatusCode.NoContent, (await station.PostAsJsonAsync($"/api/inbox/{outcome["taskId"]}/complete", new { outcome = "查獲", note = "第一次" })).StatusCode);

        // Completing the same task again is refused, and its note with it.
        Assert.Equal(HttpStatusCode.Conflict, (await station.PostAsJsonAsync($"/api/inbox/{outcome["taskId"]}/complete", new { outcome = "查獲", note = "第二次" })).StatusCode);

        Assert.Equal("第一次", Assert.Single((await ChainsHost.BodyAsync(await station.GetAsync($"/api/cases/{caseId}/notes"))).AsArray())!["text"]!.GetValue<string>());
    }
}
