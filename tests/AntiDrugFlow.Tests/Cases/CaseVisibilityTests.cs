using System.Net;
using System.Net.Http.Json;
using AntiDrugFlow.Tests.Chains;
using AntiDrugFlow.Workflows.Runtime;
using Xunit;

namespace AntiDrugFlow.Tests.Cases;

/// <summary>
/// Each reason an agency may see a case lets it list the case and open it, through the same query the pages use:
/// it started the case, it is the case's school, it is the liaison office of the case's county, a task of the
/// case was routed to it, or a task was escalated to it. An agency with none of these reasons sees neither.
/// </summary>
public sealed class CaseVisibilityTests : IAsyncLifetime
{
    private ChainsHost _host = null!;

    public async Task InitializeAsync() => _host = await ChainsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Every_kind_of_visibility_lists_and_finds_the_case_and_an_outsider_gets_neither()
    {
        // A tip-off from the school: the school's station gets the task; two hours later it is escalated to the precinct.
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        var tipOff = (await ChainsHost.BodyAsync(await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", urgent = true, drugLevel = 2 })))["id"]!.GetValue<string>();
        var station = await _host.SignedInAsync("police.kl-zhong-er-rd");
        Assert.Equal(1, await TasksAsync(tipOff, "kee-p1-zhong-er-rd"));
        await AssertSeesAsync(station, tipOff, "routed task");
        var precinct = await _host.SignedInAsync("police.kl-precinct-1");
        await AssertDoesNotSeeAsync(precinct, tipOff);
        await _host.AdvanceAsync(TimeSpan.FromHours(2));
        Assert.Equal(1, await TasksAsync(tipOff, "kee-p1"));
        await AssertSeesAsync(precinct, tipOff, "escalated task");

        // A station other than the school's notifies a first-time offender of the school; the school holds no task yet.
        // The chain routes tasks to the station and the liaison office too, so those are removed: only the case's
        // origin and county columns are left to let them see it (the clock does not move after this).
        var reporting = await _host.SignedInAsync("police.kl-nanrong-rd");
        var offender = (await ChainsHost.BodyAsync(await reporting.PostAsJsonAsync("/api/notifications", new { kind = "FirstTimeOffender", schoolId = "kee-sch-chenggong-jh" })))["id"]!.GetValue<string>();
        // No engine operation deletes a task; the test removes them through the engine's shared view (0002_shared_views.sql).
        await _host.ScalarAsync<long>($"WITH gone AS (DELETE FROM human_tasks WHERE payload->>'caseId' = '{offender}' AND payload->>'agencyId' IN ('kee-p1-nanrong-rd', 'kee-liaison') RETURNING 1) SELECT count(*) FROM gone");

        Assert.Equal(0, await TasksAsync(offender, "kee-p1-nanrong-rd"));
        await AssertSeesAsync(reporting, offender, "origin agency");
        Assert.Equal(0, await TasksAsync(offender, "kee-sch-chenggong-jh"));
        await AssertSeesAsync(school, offender, "the case's school");
        var liaison = await _host.SignedInAsync("liaison.kl");
        Assert.Equal(0, await TasksAsync(offender, "kee-liaison"));
        await AssertSeesAsync(liaison, offender, "liaison office of the county");

        foreach (var outsider in new[] { "police.kl-xinyi", "school.kl-xinyi-jh", "liaison.cy", "police.cy-beixing" })
        {
            var client = await _host.SignedInAsync(outsider);
            await AssertDoesNotSeeAsync(client, tipOff);
            await AssertDoesNotSeeAsync(client, offender);
        }
    }

    private async Task<int> TasksAsync(string caseId, string agencyId)
    {
        var count = 0;
        foreach (var status in Enum.GetValues<HumanTaskStatus>())
        {
            count += (await _host.Tasks.ListTasksForAgencyAsync(agencyId, status, 0, 1000, CancellationToken.None)).Tasks.Count(t => t.Payload?["caseId"]?.GetValue<string>() == caseId);
        }

        return count;
    }

    private static async Task AssertSeesAsync(HttpClient client, string caseId, string reason)
    {
        Assert.True((await ChainsHost.BodyAsync(await client.GetAsync("/api/cases"))).AsArray().Any(c => c!["id"]!.GetValue<string>() == caseId), $"listed by {reason}");
        Assert.True((await client.GetAsync($"/api/cases/{caseId}")).StatusCode == HttpStatusCode.OK, $"found by {reason}");
        Assert.Contains(caseId, await (await client.GetAsync("/cases")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task AssertDoesNotSeeAsync(HttpClient client, string caseId)
    {
        Assert.DoesNotContain((await ChainsHost.BodyAsync(await client.GetAsync("/api/cases"))).AsArray(), c => c!["id"]!.GetValue<string>() == caseId);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/cases/{caseId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/cases/{caseId}/timeline")).StatusCode);
    }
}
