using System.Text;
using AntiDrugFlow.Integrations.AgencySystems;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Tests.Outbox;
using AntiDrugFlow.Workflows.Messages;
using AntiDrugFlow.Workflows.Outbox;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.AgencySystems;

/// <summary>The Refit agency clients' quick retries within one outbox attempt, on real loopback HTTP servers.</summary>
public sealed class AgencySystemResilienceTests
{
    private const string PoliceKey = "npa-shared-secret";

    private static Dictionary<string, string?> Settings(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?> { ["AgencySystems:SigningKeys:npa"] = PoliceKey };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static Flow OneNotice(string definitionId) =>
        new Flow(definitionId).Activity("notify", "AntiDrugFlow.SendNotice",
            ("agencyId", Literal(TestAgencies.Police)), ("notice", Literal(MessageKinds.TaskRouted)), ("caseNumber", Literal("T-1150001")), ("task", Literal("trace-supplier")),
            ("deadline", Literal("2026-11-22T01:00:00Z")), ("link", Literal("https://antidrugflow.invalid/cases/T-1150001")), ("taskId", Literal("task-1")));

    private static AntiDrugFlow.Workflows.Agencies.AgencyDirectory PoliceAt(string address) =>
        TestAgencies.Directory(new Dictionary<string, IReadOnlyDictionary<string, string>> { [TestAgencies.Police] = new Dictionary<string, string> { ["police-case"] = address } });

    private static bool SignedWithPoliceKey(ReceivedRequest request, TimeProvider time) =>
        AgencySignature.Verify(Encoding.UTF8.GetBytes(PoliceKey), request.Header(AgencySignature.TimestampHeader), request.Header(AgencySignature.SignatureHeader), request.Body, time.GetUtcNow(), TimeSpan.FromMinutes(5)) == SignatureCheck.Valid;

    [Fact]
    public async Task An_agency_busy_twice_then_answering_gets_three_signed_attempts_with_one_idempotency_key_within_one_outbox_attempt()
    {
        var clock = new TestClock();
        var answered = 0;
        // Unsigned attempts are refused outright (and 401 is not retried), so success needs every attempt signed.
        await using var police = await LoopbackAgency.StartAsync(AgencyBehaviour.Ok, request =>
            !SignedWithPoliceKey(request, clock) ? 401 : Interlocked.Increment(ref answered) <= 2 ? 503 : 200);
        await using var host = await DeliveryHarness.CreateAsync(time: clock, settings: Settings(), directory: PoliceAt(police.Endpoint("/api/tasks").ToString()));
        await host.StartAsync(await host.PublishAsync(OneNotice("busy-twice")));

        await host.DeliverAllDueAsync();

        var row = Assert.Single(await host.MessagesAsync(), m => m.Kind == AgencySystemChannel.OutboxKind);
        Assert.Equal((OutboxStatuses.Sent, 1), (row.Status, row.Attempts));
        var requests = police.Requests.ToList();
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.True(SignedWithPoliceKey(r, clock)));
        Assert.Equal([row.IdempotencyKey], requests.Select(r => r.Header("Idempotency-Key")).Distinct());
        Assert.All(requests, r => Assert.Equal("/api/tasks", r.Path));
        Assert.Equal(requests[0].Body, requests[2].Body);
        Assert.Single(police.Accepted);
    }

    [Fact]
    public async Task An_agency_system_that_stays_down_is_dead_lettered_by_the_outbox_after_its_attempts()
    {
        var clock = new TestClock();
        await using var host = await DeliveryHarness.CreateAsync(time: clock, settings: Settings(("Outbox:MaxAttempts", "3")),
            directory: PoliceAt($"http://127.0.0.1:{SilentListener.ClosedPort()}/api/tasks"));
        await host.StartAsync(await host.PublishAsync(OneNotice("down")));

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await host.DeliverAllDueAsync();
            clock.Advance(TimeSpan.FromHours(2));
        }

        var dead = Assert.Single(await host.MessagesAsync(), m => m.Kind == AgencySystemChannel.OutboxKind);
        Assert.Equal((OutboxStatuses.DeadLettered, 3), (dead.Status, dead.Attempts));
        Assert.Contains("unreachable", dead.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_error_is_left_to_the_outbox_instead_of_being_retried_at_once()
    {
        await using var police = await LoopbackAgency.StartAsync(AgencyBehaviour.Fail);
        await using var host = await DeliveryHarness.CreateAsync(time: new TestClock(), settings: Settings(), directory: PoliceAt(police.Endpoint("/api/tasks").ToString()));
        await host.StartAsync(await host.PublishAsync(OneNotice("server-error")));

        await host.DeliverAllDueAsync();

        Assert.Single(police.Requests);
        var row = Assert.Single(await host.MessagesAsync(), m => m.Kind == AgencySystemChannel.OutboxKind);
        Assert.Equal((OutboxStatuses.Pending, 1), (row.Status, row.Attempts));
        Assert.Contains("HTTP 500", row.LastError, StringComparison.Ordinal);
    }
}
