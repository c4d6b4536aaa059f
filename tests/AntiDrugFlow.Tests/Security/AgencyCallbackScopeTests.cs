using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AntiDrugFlow.Integrations.AgencySystems;
using AntiDrugFlow.Tests.Chains;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AntiDrugFlow.Tests.Security;

/// <summary>
/// A signed callback acts only within what its agency holds: an event names its case, and only the case's team
/// (its origin, its school, its county's 校外會) moves it on, as in the API. Others get 404 or 403 and nothing resumes.
/// </summary>
public sealed class AgencyCallbackScopeTests : IAsyncLifetime
{
    private const string KeelungStation = "kee-p2-xinyi";
    private const string ChiayiSchool = "cyi-sch-beixing-jh";
    private const string ChiayiStation = "cyi-p1-beixing";

    private ChainsHost _host = null!;

    public async Task InitializeAsync() => _host = await ChainsHost.StartAsync(new Dictionary<string, string>
    {
        [$"AgencySystems:SigningKeys:{KeelungStation}"] = "keelung-station-key",
        [$"AgencySystems:SigningKeys:{ChiayiSchool}"] = "chiayi-school-key",
        [$"AgencySystems:SigningKeys:{ChiayiStation}"] = "chiayi-station-key",
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task An_event_from_an_agency_outside_the_case_is_refused_and_resumes_nothing_while_the_cases_school_moves_it_on()
    {
        var school = await _host.SignedInAsync("school.cy-beixing-jh");
        var caseId = (await ChainsHost.BodyAsync(await school.PostAsJsonAsync("/api/notifications", new { kind = "CampusSeizure", drugLevel = 3 })))["id"]!.GetValue<string>();
        // The case's follow-up waits for the student's transition, correlated by the case.
        var runtime = _host.Factory.Services.GetRequiredService<WorkflowRuntime>();
        var followUp = await runtime.StartAsync(
            "youth-case-followup",
            new JsonObject { ["caseId"] = caseId, ["caseNumber"] = "TIP-115-000001", ["county"] = "TW-CYI", ["schoolId"] = ChiayiSchool },
            caseId,
            CancellationToken.None);
        Assert.Contains((await _host.Tasks.ListTasksForAgencyAsync(ChiayiStation, HumanTaskStatus.Pending, 0, 1000, CancellationToken.None)).Tasks, t => t.Payload?["caseId"]?.GetValue<string>() == caseId);

        var uncorrelated = await SendAsync(KeelungStation, "keelung-station-key", "k-1", new JsonObject { ["action"] = "trigger-event", ["eventName"] = "student-transition" });
        var otherCounty = await SendAsync(KeelungStation, "keelung-station-key", "k-2", Transition(caseId));
        // The Chiayi station holds a task of the case, so it sees the case, but a transition is the school's.
        var routedOnly = await SendAsync(ChiayiStation, "chiayi-station-key", "c-1", Transition(caseId));

        Assert.Equal(HttpStatusCode.BadRequest, uncorrelated.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherCounty.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, routedOnly.StatusCode);
        Assert.Contains(
            (await _host.Factory.Services.GetRequiredService<AntiDrugFlow.Workflows.Persistence.PostgresInstanceStore>().GetAsync(followUp.Id, CancellationToken.None))!.Bookmarks,
            b => b.Name == "student-transition");

        var own = await SendAsync(ChiayiSchool, "chiayi-school-key", "s-1", Transition(caseId));
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal([followUp.Id], (await ChainsHost.BodyAsync(own))["resumedInstances"]!.AsArray().Select(i => i!.GetValue<string>()));
    }

    private static JsonObject Transition(string caseId) =>
        new() { ["action"] = "trigger-event", ["eventName"] = "student-transition", ["correlationId"] = caseId, ["payload"] = new JsonObject() };

    private async Task<HttpResponseMessage> SendAsync(string agencyId, string key, string idempotencyKey, JsonObject body)
    {
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        var timestamp = AgencySignature.Timestamp(_host.Clock.GetUtcNow());
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/agency-callbacks/{agencyId}") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add(AgencySignature.TimestampHeader, timestamp);
        request.Headers.Add(AgencySignature.IdempotencyKeyHeader, idempotencyKey);
        request.Headers.Add(AgencySignature.SignatureHeader, AgencySignature.SignCallback(Encoding.UTF8.GetBytes(key), timestamp, idempotencyKey, bytes));
        return await _host.Factory.CreateClient().SendAsync(request);
    }
}
