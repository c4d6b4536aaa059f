using System.Text;
using System.Text.Json.Nodes;
using AntiDrugFlow.Integrations.AgencySystems;
using AntiDrugFlow.Integrations.Email;
using AntiDrugFlow.Integrations.Outbox;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Tests.Outbox;
using AntiDrugFlow.Workflows.Messages;
using AntiDrugFlow.Workflows.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.AgencySystems;

/// <summary>Signed calls to agency systems on real loopback HTTP servers that answer 200, 500, slowly or not at all.</summary>
public sealed class AgencySystemDeliveryTests
{
    private const string PoliceKey = "npa-shared-secret";
    private const string EducationKey = "moe-shared-secret";

    private static Dictionary<string, IReadOnlyDictionary<string, string>> Endpoints(params (string Agency, string Key, string Value)[] entries) =>
        entries.GroupBy(e => e.Agency).ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, string>)g.ToDictionary(e => e.Key, e => e.Value));

    private static Dictionary<string, string?> Settings(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AgencySystems:SigningKeys:npa"] = PoliceKey,
            ["AgencySystems:SigningKeys:moe"] = EducationKey,
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static Flow Notices(string definitionId, string agencyId, int count, string notice = MessageKinds.TaskRouted)
    {
        var flow = new Flow(definitionId);
        var ids = new List<string>();
        for (var i = 1; i <= count; i++)
        {
            flow.Activity($"notify{i}", "AntiDrugFlow.SendNotice",
                ("agencyId", Literal(agencyId)), ("notice", Literal(notice)), ("caseNumber", Literal($"T-115000{i}")), ("task", Literal("trace-supplier")),
                ("deadline", Literal("2026-11-22T01:00:00Z")), ("link", Literal($"https://antidrugflow.invalid/cases/T-115000{i}")), ("taskId", Literal($"task-{i}")));
            ids.Add($"notify{i}");
        }

        return flow.Chain([.. ids]);
    }

    /// <summary>The agency's side of the signature: 401 unless the call was signed with its key.</summary>
    private static Func<ReceivedRequest, int> Verifying(string key, TimeProvider? time = null) => request =>
        AgencySignature.Verify(Encoding.UTF8.GetBytes(key), request.Header(AgencySignature.TimestampHeader), request.Header(AgencySignature.SignatureHeader), request.Body, (time ?? TimeProvider.System).GetUtcNow(), TimeSpan.FromMinutes(5)) == SignatureCheck.Valid ? 200 : 401;

    [Fact]
    public async Task A_routed_task_reaches_the_police_case_system_signed_with_the_agency_key_and_with_the_idempotency_key()
    {
        await using var police = await LoopbackAgency.StartAsync(AgencyBehaviour.Ok, Verifying(PoliceKey));
        await using var host = await DeliveryHarness.CreateAsync(settings: Settings(),
            directory: TestAgencies.Directory(Endpoints((TestAgencies.Police, "police-case", police.Endpoint().ToString()))));
        var instance = await host.StartAsync(await host.PublishAsync(Notices("routed-to-police", TestAgencies.Police, 1).Variable("student", "String", "王小明")));

        await host.DeliverAllDueAsync();

        var request = Assert.Single(police.Accepted);
        var row = Assert.Single(await host.MessagesAsync(), m => m.Kind == AgencySystemChannel.OutboxKind);
        Assert.Equal(OutboxStatuses.Sent, row.Status);
        Assert.Equal($"{instance.Id}:notify1:2", request.Header("Idempotency-Key"));
        Assert.Equal(row.IdempotencyKey, request.Header("Idempotency-Key"));
        var body = JsonNode.Parse(request.Text)!;
        Assert.Equal("task-routed", (string?)body["notice"]);
        Assert.Equal("task-1", (string?)body["taskId"]);
        Assert.Equal("T-1150001", (string?)body["cases"]![0]!["caseNumber"]);
        Assert.Equal("民國115年11月22日 09:00", (string?)body["cases"]![0]!["deadlineRoc"]);
        Assert.DoesNotContain("王小明", request.Text, StringComparison.Ordinal);
        Assert.Equal(OutboxStatuses.Sent, Assert.Single(await host.MessagesAsync(), m => m.Kind == "email").Status);
    }

    [Fact]
    public async Task A_call_signed_with_another_key_is_refused_by_the_agency_and_retried_rather_than_counted_as_delivered()
    {
        await using var police = await LoopbackAgency.StartAsync(AgencyBehaviour.Ok, Verifying("the agency expects another key"));
        var clock = new TestClock();
        await using var host = await DeliveryHarness.CreateAsync(time: clock, settings: Settings(),
            directory: TestAgencies.Directory(Endpoints((TestAgencies.Police, "police-case", police.Endpoint().ToString()))));
        await host.StartAsync(await host.PublishAsync(Notices("refused-signature", TestAgencies.Police, 1)));

        await host.DeliverAllDueAsync();

        Assert.Single(police.Requests);
        Assert.Empty(police.Accepted);
        var row = Assert.Single(await host.MessagesAsync(), m => m.Kind == AgencySystemChannel.OutboxKind);
        Assert.Equal(OutboxStatuses.Pending, row.Status);
        Assert.Contains("HTTP 401", row.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_agency_gets_only_the_notices_its_systems_take()
    {
        await using var police = await LoopbackAgency.StartAsync(AgencyBehaviour.Ok);
        await using var campus = await LoopbackAgency.StartAsync(AgencyBehaviour.Ok);
        await using var webhook = await LoopbackAgency.StartAsync(AgencyBehaviour.Ok);
        await using var host = await DeliveryHarness.CreateAsync(settings: Settings(), directory: TestAgencies.Directory(Endpoints(
            (TestAgencies.Police, "police-case", police.Endpoint().ToString()),
            (TestAgencies.Education, "campus-incident-report", campus.Endpoint().ToString()),
            (TestAgencies.Education, "webhook", webhook.Endpoint().ToString()),
            (TestAgencies.Education, "webhook.notices", "escalation"))));
        var flow = Notices("several", TestAgencies.Police, 1, MessageKinds.WeeklyDigest)
            .Activity("report", "AntiDrugFlow.SendNotice", ("agencyId", Literal(TestAgencies.Education)), ("notice", Literal("campus-incident-report")), ("caseNumber", Literal("T-1")),
                ("task", Literal("campus-incident-report")), ("deadline", Literal("2026-11-22T01:00:00Z")), ("link", Literal("https://antidrugflow.invalid/cases/T-1")))
            .Activity("escalate", "AntiDrugFlow.SendNotice", ("agencyId", Literal(TestAgencies.Education)), ("notice", Literal(MessageKinds.Escalation)), ("caseNumber", Literal("T-2")),
                ("task", Literal("acknowledge")), ("deadline", Literal("2026-11-22T01:00:00Z")), ("link", Literal("https://antidrugflow.invalid/cases/T-2")))
            .Chain("notify1", "report", "escalate");

        await host.StartAsync(await host.PublishAsync(flow));
        await host.DeliverAllDueAsync();

        Assert.Empty(police.Requests);
        Assert.Equal("校安通報", (string?)JsonNode.Parse(Assert.Single(campus.Accepted).Text)!["reportType"]);
        Assert.Equal("escalation", (string?)JsonNode.Parse(Assert.Single(webhook.Accepted).Text)!["event"]);
        Assert.Equal(2, (await host.MessagesAsync()).Count(m => m.Kind == "email"));
    }

    [Fact]
    public async Task A_slow_agency_does_not_hold_up_other_agencies_messages()
    {
        await using var slow = await LoopbackAgency.StartAsync(AgencyBehaviour.Slow);
        await using var fast = await LoopbackAgency.StartAsync(AgencyBehaviour.Ok);
        // Timeouts far beyond the test's patience: only the per-destination limit can let the fast agency through.
        await using var host = await DeliveryHarness.CreateAsync(
            settings: Settings(("Outbox:PollInterval", "00:00:00.050"), ("Outbox:MaxConcurrencyPerDestination", "2"), ("Outbox:MaxConcurrency", "8"),
                ("Outbox:Lease", "00:10:00"), ("Outbox:MessageTimeout", "00:05:00"), ("AgencySystems:RequestTimeout", "00:05:00")),
            directory: TestAgencies.Directory(Endpoints(
                (TestAgencies.Police, "police-case", slow.Endpoint().ToString()),
                (TestAgencies.Education, "webhook", fast.Endpoint().ToString()))));
        await host.StartDispatcherAsync();

        await host.StartAsync(await host.PublishAsync(Notices("to-the-slow-agency", TestAgencies.Police, 10)));
        await Eventually.TrueAsync(() => Task.FromResult(slow.InFlight >= 2), "the slow agency to hold its calls");
        await host.StartAsync(await host.PublishAsync(Notices("to-the-fast-agency", TestAgencies.Education, 5)));
        await Eventually.TrueAsync(() => Task.FromResult(fast.Accepted.Count == 5), "every call to the fast agency to be answered", seconds: 20);

        Assert.Empty(slow.Accepted);
        Assert.Equal(2, slow.Requests.Count);
        Assert.Equal(5, fast.Accepted.Select(r => r.Header("Idempotency-Key")).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task An_agency_that_does_not_answer_at_all_times_out_is_retried_and_is_dead_lettered()
    {
        using var silent = new SilentListener();
        var clock = new TestClock();
        await using var host = await DeliveryHarness.CreateAsync(time: clock,
            settings: Settings(("Outbox:MaxAttempts", "2"), ("AgencySystems:RequestTimeout", "00:00:01")),
            directory: TestAgencies.Directory(Endpoints((TestAgencies.Police, "police-case", $"http://127.0.0.1:{silent.Port}/api/tasks"))));
        await host.StartAsync(await host.PublishAsync(Notices("unanswered", TestAgencies.Police, 1)));

        await host.DeliverAllDueAsync();
        var first = Assert.Single(await host.MessagesAsync(), m => m.Kind == AgencySystemChannel.OutboxKind);
        Assert.Equal((OutboxStatuses.Pending, 1), (first.Status, first.Attempts));
        Assert.Contains("no answer within 1 s", first.LastError, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromHours(1));
        await host.DeliverAllDueAsync();
        var dead = Assert.Single(await host.MessagesAsync(), m => m.Kind == AgencySystemChannel.OutboxKind);
        Assert.Equal((OutboxStatuses.DeadLettered, 2), (dead.Status, dead.Attempts));
        Assert.True(silent.Accepted >= 1);
    }

    [Fact]
    public async Task An_agency_whose_port_is_closed_is_reported_unreachable_and_retried()
    {
        var clock = new TestClock();
        await using var host = await DeliveryHarness.CreateAsync(time: clock, settings: Settings(),
            directory: TestAgencies.Directory(Endpoints((TestAgencies.Police, "police-case", $"http://127.0.0.1:{SilentListener.ClosedPort()}/api/tasks"))));
        await host.StartAsync(await host.PublishAsync(Notices("closed-port", TestAgencies.Police, 1)));

        await host.DeliverAllDueAsync();

        var row = Assert.Single(await host.MessagesAsync(), m => m.Kind == AgencySystemChannel.OutboxKind);
        Assert.Equal(OutboxStatuses.Pending, row.Status);
        Assert.Contains("unreachable", row.LastError, StringComparison.Ordinal);
        Assert.True(row.NextAttemptAt > clock.GetUtcNow());
    }

    [Fact]
    public async Task A_dead_lettered_agency_call_resent_by_an_administrator_arrives_with_its_original_idempotency_key()
    {
        var clock = new TestClock();
        await using var police = await LoopbackAgency.StartAsync(AgencyBehaviour.Fail, Verifying(PoliceKey, clock));
        await using var host = await DeliveryHarness.CreateAsync(time: clock, settings: Settings(("Outbox:MaxAttempts", "2")),
            directory: TestAgencies.Directory(Endpoints((TestAgencies.Police, "police-case", police.Endpoint().ToString()))));
        await host.StartAsync(await host.PublishAsync(Notices("resent", TestAgencies.Police, 1)));
        await host.DeliverAllDueAsync();
        clock.Advance(TimeSpan.FromHours(1));
        await host.DeliverAllDueAsync();
        var dead = Assert.Single(await host.MessagesAsync(OutboxStatuses.DeadLettered));
        Assert.Contains("HTTP 500", dead.LastError, StringComparison.Ordinal);

        police.Behaviour = AgencyBehaviour.Ok;
        Assert.True(await host.Store.RequeueAsync(dead.Id, "liaison-admin", null, clock.GetUtcNow(), CancellationToken.None));
        await host.DeliverAllDueAsync();

        Assert.Equal(3, police.Requests.Count);
        Assert.Equal(dead.IdempotencyKey, Assert.Single(police.Accepted).Header("Idempotency-Key"));
        Assert.Equal(OutboxStatuses.Sent, (await host.Store.GetAsync(dead.Id, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task A_plain_HTTP_report_that_names_an_agency_is_signed_with_that_agency_key()
    {
        await using var campus = await LoopbackAgency.StartAsync(AgencyBehaviour.Ok, Verifying(PoliceKey));
        await using var host = await DeliveryHarness.CreateAsync(settings: Settings());
        var http = host.Services.GetServices<IOutboxChannel>().Single(c => c.Kind == "http");
        OutboxItem Report(string? agencyId) => new(Guid.NewGuid(), "instance-1", "http", $"instance-1:report:{agencyId}", new JsonObject
        {
            ["url"] = campus.Endpoint().ToString(), ["method"] = "POST", ["content"] = "{\"caseNumber\":\"T-1\",\"reportKind\":\"校安通報\"}",
            ["contentType"] = "application/json", ["agencyId"] = agencyId, ["system"] = "campus-safety",
        }, OutboxStatuses.Pending, 1, DateTimeOffset.UtcNow, null, DateTimeOffset.UtcNow, null);

        await http.DeliverAsync(Report(TestAgencies.Police), CancellationToken.None);
        await Assert.ThrowsAsync<DeliveryException>(() => http.DeliverAsync(Report(null), CancellationToken.None));

        var signed = Assert.Single(campus.Accepted);
        Assert.Equal("instance-1:report:npa", signed.Header("Idempotency-Key"));
        Assert.Equal("校安通報", (string?)JsonNode.Parse(signed.Text)!["reportKind"]);
        Assert.Equal(2, campus.Requests.Count);
    }
}
