using System.Text;
using System.Text.Json.Nodes;
using AntiDrugFlow.Integrations.AgencySystems;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Tests.Outbox;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Chains;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AntiDrugFlow.Tests.AgencySystems;

/// <summary>
/// The shipped tip-off chain telling agencies' own systems (docs/DELIVERY.md): routed tasks, reminders and escalations
/// reach a police case system and a webhook through the outbox, signed, on real loopback HTTP servers.
/// </summary>
public sealed class AgencySystemChainTests : IAsyncLifetime
{
    private const string School = "kee-sch-chenggong-jh";
    private const string StudentName = "王小明";
    private const string CaseNumber = "TIP-115-000001";
    private static readonly string[] NoticeFields = ["assignedTo", "notice", "taskId", "cases"];
    private static readonly string[] CaseFields = ["caseNumber", "task", "taskText", "deadline", "deadlineRoc", "link"];

    private readonly List<IAsyncDisposable> _servers = [];
    private EngineHarness _engine = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_routed_tip_off_task_reaches_the_stations_police_case_system_once_signed_idempotent_and_without_personal_data()
    {
        var station = (await ShippedDirectory.LoadAsync()).PoliceStationFor(School);
        var police = await ServerAsync(AgencyBehaviour.Ok, station.Id);
        await StartEngineAsync(new() { [station.Id] = [("police-case", police.Endpoint().ToString())] });

        var instance = await StartTipOffAsync(urgent: false);

        var row = Assert.Single(await SystemRowsAsync());
        Assert.Equal($"{station.Id}/PoliceCase", $"{row.Payload["agencyId"]}/{row.Payload["system"]}");
        Assert.Equal(instance.Id, row.InstanceId);
        await _engine.DeliverOutboxAsync();
        await _engine.DeliverOutboxAsync();

        var request = Assert.Single(police.Requests);
        Assert.Single(police.Accepted);
        Assert.Equal(OutboxStatuses.Sent, Assert.Single(await SystemRowsAsync()).Status);
        Assert.Equal(row.IdempotencyKey, request.Header(AgencySignature.IdempotencyKeyHeader));
        var task = (await _engine.Instances.ListTasksAsync(HumanTaskStatus.Pending, instance.Id, CancellationToken.None)).Single(t => t.Payload!["agencyId"]!.GetValue<string>() == station.Id);
        var body = JsonNode.Parse(request.Text)!.AsObject();
        Assert.Equal(NoticeFields, body.Select(p => p.Key));
        Assert.Equal(station.Id, (string?)body["assignedTo"]);
        Assert.Equal("task-routed", (string?)body["notice"]);
        Assert.Equal(task.Id, (string?)body["taskId"]);
        var item = Assert.Single(body["cases"]!.AsArray())!.AsObject();
        Assert.Equal(CaseFields, item.Select(p => p.Key));
        Assert.Equal(CaseNumber, (string?)item["caseNumber"]);
        Assert.Equal("acknowledge", (string?)item["task"]);
        Assert.Equal("確認收受通報", (string?)item["taskText"]);
        Assert.Equal($"https://antidrugflow.test/inbox/{task.Id}", (string?)item["link"]);
        // Nothing of the minor, and not even the definition's free-text task name: only fixed phrases and codes.
        Assert.DoesNotContain(StudentName, request.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(task.TaskName, request.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reminders_and_escalations_reach_the_police_case_systems_and_the_liaison_offices_webhook()
    {
        var directory = await ShippedDirectory.LoadAsync();
        var station = directory.PoliceStationFor(School);
        var precinct = directory.EscalationTarget(station.Id)!;
        var liaison = directory.LiaisonOfficeFor(School);
        var stationSystem = await ServerAsync(AgencyBehaviour.Ok, station.Id);
        var precinctSystem = await ServerAsync(AgencyBehaviour.Ok, precinct.Id);
        var webhook = await ServerAsync(AgencyBehaviour.Ok, liaison.Id);
        await StartEngineAsync(new()
        {
            [station.Id] = [("police-case", stationSystem.Endpoint().ToString())],
            [precinct.Id] = [("police-case", precinctSystem.Endpoint().ToString())],
            [liaison.Id] = [("webhook", webhook.Endpoint().ToString()), ("webhook.notices", "task-routed;reminder")],
        });
        await StartTipOffAsync(urgent: true);

        // Urgent: due in 2 hours, reminded half an hour before; then the station's task escalates to its precinct.
        await AdvanceAsync(TimeSpan.FromMinutes(90));
        await AdvanceAsync(TimeSpan.FromMinutes(30));
        await _engine.DeliverOutboxAsync();

        Assert.Equal(["reminder", "task-routed"], stationSystem.Accepted.Select(r => (string?)JsonNode.Parse(r.Text)!["notice"]).Order());
        Assert.Single(stationSystem.Accepted.Select(r => (string?)JsonNode.Parse(r.Text)!["taskId"]).Distinct());
        var escalation = JsonNode.Parse(Assert.Single(precinctSystem.Accepted).Text)!;
        Assert.Equal("escalation", (string?)escalation["notice"]);
        Assert.Equal(precinct.Id, (string?)escalation["assignedTo"]);
        Assert.Equal("acknowledge", (string?)escalation["cases"]![0]!["task"]);
        Assert.Equal(["reminder", "task-routed"], webhook.Accepted.Select(r => (string?)JsonNode.Parse(r.Text)!["event"]).Order());
        Assert.All(
            stationSystem.Accepted.Concat(precinctSystem.Accepted).Concat(webhook.Accepted),
            r => Assert.DoesNotContain(StudentName, r.Text, StringComparison.Ordinal));
        Assert.All(await SystemRowsAsync(), r => Assert.Equal(OutboxStatuses.Sent, r.Status));
    }

    [Fact]
    public async Task A_failing_police_case_system_is_retried_with_backoff_under_one_delivery_id_and_dead_lettered_after_the_limit()
    {
        var station = (await ShippedDirectory.LoadAsync()).PoliceStationFor(School);
        var police = await ServerAsync(AgencyBehaviour.Fail, station.Id);
        await StartEngineAsync(new() { [station.Id] = [("police-case", police.Endpoint().ToString())] }, ("Outbox:MaxAttempts", "3"));
        await StartTipOffAsync(urgent: false);

        var firstAttemptAt = _engine.Clock.GetUtcNow();
        await _engine.DeliverOutboxAsync();
        var first = Assert.Single(await SystemRowsAsync());
        Assert.Equal((OutboxStatuses.Pending, 1), (first.Status, first.Attempts));
        Assert.Contains("HTTP 500", first.LastError, StringComparison.Ordinal);
        Assert.True(first.NextAttemptAt > _engine.Clock.GetUtcNow());
        // Not before the backoff: the row waits.
        await _engine.DeliverOutboxAsync();
        Assert.Single(police.Requests);

        _engine.Clock.Advance(TimeSpan.FromHours(1));
        var secondAttemptAt = _engine.Clock.GetUtcNow();
        await _engine.DeliverOutboxAsync();
        var second = Assert.Single(await SystemRowsAsync());
        Assert.Equal((OutboxStatuses.Pending, 2), (second.Status, second.Attempts));
        // The wait doubles (5 s, then 10 s, ±20 %).
        Assert.True(second.NextAttemptAt - secondAttemptAt > first.NextAttemptAt - firstAttemptAt);
        _engine.Clock.Advance(TimeSpan.FromHours(1));
        await _engine.DeliverOutboxAsync();

        var dead = Assert.Single(await SystemRowsAsync());
        Assert.Equal((OutboxStatuses.DeadLettered, 3), (dead.Status, dead.Attempts));
        Assert.Equal(3, police.Requests.Count);
        Assert.Equal([dead.IdempotencyKey], police.Requests.Select(r => r.Header(AgencySignature.IdempotencyKeyHeader)).Distinct());
    }

    private async Task StartEngineAsync(Dictionary<string, (string Key, string Value)[]> endpoints, params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?> { ["Smtp:PickupDirectory"] = Directory.CreateTempSubdirectory("adf-pickup-").FullName };
        foreach (var agency in endpoints.Keys)
        {
            values[$"AgencySystems:SigningKeys:{agency}"] = Key(agency);
        }

        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        _engine = await EngineHarness.CreateAsync(settings: values);
        await _engine.PublishChainAsync(TipOffChainInput.Definition);
        var provider = _engine.Services.GetRequiredService<AgencyDirectoryProvider>();
        provider.Replace(AgencyDirectory.Create(provider.Current.Agencies.Select(a => endpoints.TryGetValue(a.Id, out var added)
            ? a with { Endpoints = new Dictionary<string, string>(a.Endpoints).Concat(added.Select(e => KeyValuePair.Create(e.Key, e.Value))).ToDictionary() }
            : a)));
    }

    /// <summary>A loopback agency system that accepts only calls signed with that agency's key (401 otherwise).</summary>
    private async Task<LoopbackAgency> ServerAsync(AgencyBehaviour behaviour, string agencyId)
    {
        var server = await LoopbackAgency.StartAsync(behaviour, request => AgencySignature.Verify(
            Encoding.UTF8.GetBytes(Key(agencyId)), request.Header(AgencySignature.TimestampHeader), request.Header(AgencySignature.SignatureHeader), request.Body,
            _engine.Clock.GetUtcNow(), TimeSpan.FromMinutes(5)) == SignatureCheck.Valid ? 200 : 401);
        _servers.Add(server);
        return server;
    }

    private static string Key(string agencyId) => $"{agencyId}-shared-secret";

    private async Task<WorkflowInstance> StartTipOffAsync(bool urgent)
    {
        var input = new TipOffChainInput("case-" + Guid.NewGuid().ToString("N")[..8], CaseNumber, "TW-KEE", "DrugSource", School, urgent, DrugLevel: 2, StatutoryReport: true).ToJson();
        // A name slipped into the start input must not travel on.
        input["studentName"] = StudentName;
        return await _engine.StartAsync(TipOffChainInput.Definition, input, correlationId: "case-x");
    }

    private async Task AdvanceAsync(TimeSpan by)
    {
        _engine.Clock.Advance(by);
        while (await _engine.Runtime.FireDueTimersAsync(100, CancellationToken.None) > 0)
        {
            // Timers set by what just fired may be due too.
        }
    }

    private async Task<IReadOnlyList<OutboxItem>> SystemRowsAsync() =>
        await _engine.OutboxAsync(new OutboxFilter(Kind: AgencySystemChannel.OutboxKind));
}
