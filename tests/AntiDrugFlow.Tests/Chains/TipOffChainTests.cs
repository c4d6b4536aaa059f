using Microsoft.Extensions.DependencyInjection;
using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Chains;
using AntiDrugFlow.Workflows.Messages;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Runtime;
using Xunit;

namespace AntiDrugFlow.Tests.Chains;

/// <summary>The three-level school → police chain as shipped in workflows-json/chains, on a real database with the clock moved.</summary>
public sealed class TipOffChainTests : IAsyncLifetime
{
    private const string School = "kee-sch-chenggong-jh";
    private EngineHarness _engine = null!;

    public async Task InitializeAsync()
    {
        _engine = await EngineHarness.CreateAsync();
        await _engine.PublishChainAsync("tip-off-chain");
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task A_tip_is_routed_at_once_to_the_schools_police_station_the_county_liaison_office_and_the_schools_own_report()
    {
        var directory = await ShippedDirectory.LoadAsync();
        var instance = await StartAsync(urgent: false);

        var tasks = await PendingAsync(instance.Id);
        Assert.Equal(
            new[] { directory.PoliceStationFor(School).Id, directory.LiaisonOfficeFor(School).Id, School }.Order(),
            tasks.Select(t => Agency(t)).Order());
        Assert.All(tasks, t => Assert.Equal(_engine.Clock.GetUtcNow().AddHours(24), DateTimeOffset.Parse(t.Payload!["dueAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)));
        var routed = await EmailsAsync(MessageKinds.TaskRouted);
        Assert.Single(routed, m => directory.PoliceStationFor(School).ContactEmails.Contains(m.Payload["to"]![0]!.GetValue<string>()));
        Assert.Single(routed, m => directory.LiaisonOfficeFor(School).ContactEmails.Contains(m.Payload["to"]![0]!.GetValue<string>()));
    }

    [Fact]
    public async Task An_urgent_tip_is_due_in_two_hours_with_a_reminder_half_an_hour_before()
    {
        var instance = await StartAsync(urgent: true);
        var police = (await PendingAsync(instance.Id)).Single(t => t.TaskName == "確認收到學校反毒通報");
        Assert.Equal(_engine.Clock.GetUtcNow().AddHours(2), DateTimeOffset.Parse(police.Payload!["dueAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));

        _engine.Clock.Advance(TimeSpan.FromMinutes(89));
        await _engine.Runtime.FireDueTimersAsync(100, CancellationToken.None);
        Assert.Equal(0L, await RemindersAsync());
        _engine.Clock.Advance(TimeSpan.FromMinutes(1));
        await _engine.Runtime.FireDueTimersAsync(100, CancellationToken.None);

        Assert.Equal(3L, await RemindersAsync());
        Assert.Contains(await EmailsAsync(MessageKinds.Reminder), m => m.Payload["body"]!.GetValue<string>().Contains(police.Id, StringComparison.Ordinal));
    }

    /// <summary>
    /// A routing keeps one timer, not two: it fires first as the reminder and comes back as the deadline, so a notification's
    /// three routings hold six bookmarks (a task and a timer each) where they held nine.
    /// </summary>
    [Fact]
    public async Task Each_routing_keeps_one_timer_that_reminds_first_and_comes_back_as_its_deadline()
    {
        var instance = await StartAsync(urgent: true);
        var due = (await PendingAsync(instance.Id)).ToDictionary(t => t.Id, t => DateTimeOffset.Parse(t.Payload!["dueAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
        var bookmarks = (await _engine.ReloadAsync(instance.Id)).Bookmarks;
        Assert.Equal(6, bookmarks.Count);
        var timers = bookmarks.Where(b => b.Kind == BookmarkKind.Timer).ToList();
        Assert.Equal(3, timers.Count);
        Assert.All(timers, t => Assert.Equal(("reminder", due[TaskOf(t)].AddMinutes(-30)), (Role(t), t.DueAt!.Value)));

        _engine.Clock.Advance(TimeSpan.FromMinutes(90));
        await _engine.Runtime.FireDueTimersAsync(100, CancellationToken.None);
        Assert.Equal(3L, await RemindersAsync());
        timers = [.. (await _engine.ReloadAsync(instance.Id)).Bookmarks.Where(b => b.Kind == BookmarkKind.Timer)];
        Assert.Equal(3, timers.Count);
        Assert.All(timers, t => Assert.Equal(("deadline", due[TaskOf(t)]), (Role(t), t.DueAt!.Value)));

        _engine.Clock.Advance(TimeSpan.FromMinutes(30));
        await _engine.Runtime.FireDueTimersAsync(100, CancellationToken.None);
        var journal = await _engine.Instances.JournalAsync(instance.Id, CancellationToken.None);
        Assert.Contains(journal, j => j.Event == "Overdue" && j.Message!.Contains("確認收到學校反毒通報 逾期未處理", StringComparison.Ordinal));
        Assert.Equal(3L, await RemindersAsync());

        static string TaskOf(Bookmark timer) => timer.Payload!["taskId"]!.GetValue<string>();
        static string Role(Bookmark timer) => timer.Payload!["role"]!.GetValue<string>();
    }

    [Fact]
    public async Task An_unacknowledged_task_escalates_level_by_level_and_the_police_outcome_comes_back_as_status_only()
    {
        var directory = await ShippedDirectory.LoadAsync();
        var station = directory.PoliceStationFor(School);
        var precinct = directory.EscalationTarget(station.Id)!;
        var instance = await StartAsync(urgent: true);

        _engine.Clock.Advance(TimeSpan.FromHours(2));
        await _engine.Runtime.FireDueTimersAsync(100, CancellationToken.None);

        var pending = await PendingAsync(instance.Id);
        Assert.DoesNotContain(pending, t => Agency(t) == station.Id);
        var escalated = pending.Single(t => Agency(t) == precinct.Id);
        Assert.True(escalated.Payload!["escalated"]!.GetValue<bool>());
        Assert.Contains(pending, t => Agency(t) == "moe-sse");
        Assert.Single(await EmailsAsync(MessageKinds.TaskRouted), m => precinct.ContactEmails.Contains(m.Payload["to"]![0]!.GetValue<string>()));
        Assert.Contains((await _engine.Instances.JournalAsync(instance.Id, CancellationToken.None)), j => j.Event == "Escalated" && j.Message == $"{station.Name} → {precinct.Name}");
        Assert.Contains(await _engine.Instances.JournalAsync(instance.Id, CancellationToken.None), j => j.Event == "Notified" && j.Message!.Contains("學校逾期未完成校安通報", StringComparison.Ordinal));

        await Complete(escalated, "受理");
        var outcomeTask = (await PendingAsync(instance.Id)).Single(t => t.TaskName == "回報處理結果");
        Assert.Equal(precinct.Id, Agency(outcomeTask));
        await Complete(outcomeTask, "查獲");

        var state = await _engine.ReloadAsync(instance.Id);
        Assert.Equal("警方回報：查獲", state.State.Variables["caseStatus"]!.GetValue<string>());
        var notices = string.Join(' ', (await EmailsAsync(MessageKinds.StatusUpdate)).Select(m => m.Payload["body"]!.GetValue<string>()));
        Assert.Contains("警方回報處理狀態：查獲", notices);
    }

    [Fact]
    public async Task The_chain_finishes_when_police_liaison_and_the_campus_report_are_all_done()
    {
        var instance = await StartAsync(urgent: false);
        foreach (var task in await PendingAsync(instance.Id))
        {
            await Complete(task, task.TaskName == "確認收到學校反毒通報" ? null : "完成");
        }

        await Complete((await PendingAsync(instance.Id)).Single(t => t.TaskName == "回報處理結果"), "移送");
        await Complete((await PendingAsync(instance.Id)).Single(t => t.TaskName == "溯源查察藥頭"), "偵辦中");

        var done = await _engine.ReloadAsync(instance.Id);
        Assert.Equal(WorkflowStatus.Finished, done.Status);
        Assert.Equal("通報流程完成（警方回報：移送）", done.State.Variables["caseStatus"]!.GetValue<string>());
        Assert.Empty(await PendingAsync(instance.Id));
    }

    [Fact]
    public async Task An_interim_police_outcome_keeps_the_outcome_task_open_with_its_deadline_until_a_final_one()
    {
        var instance = await StartAsync(urgent: false);
        await Complete((await PendingAsync(instance.Id)).Single(t => t.TaskName == "確認收到學校反毒通報"), null);
        var first = (await PendingAsync(instance.Id)).Single(t => t.TaskName == "回報處理結果");

        await Complete(first, "偵辦中");

        var reopened = (await PendingAsync(instance.Id)).Single(t => t.TaskName == "回報處理結果");
        Assert.NotEqual(first.Id, reopened.Id);
        Assert.Equal(first.Payload!["dueAt"]!.GetValue<string>(), reopened.Payload!["dueAt"]!.GetValue<string>());
        Assert.Equal(first.Payload!["routeId"]!.GetValue<string>(), reopened.Payload!["routeId"]!.GetValue<string>());
        var state = await _engine.ReloadAsync(instance.Id);
        Assert.Equal("偵辦中", state.State.Variables["policeOutcome"]!["outcome"]!.GetValue<string>());
        Assert.Equal("回報處理結果：偵辦中（待最終結果）", state.State.Variables["caseStatus"]!.GetValue<string>());
        Assert.Contains(await _engine.Instances.JournalAsync(instance.Id, CancellationToken.None), j => j.Event == "TaskProgress" && j.Message!.Contains("偵辦中", StringComparison.Ordinal));
        Assert.Empty(await EmailsAsync(MessageKinds.StatusUpdate));

        await Complete(reopened, "查獲");

        Assert.DoesNotContain(await PendingAsync(instance.Id), t => t.TaskName == "回報處理結果");
        Assert.Equal("警方回報：查獲", (await _engine.ReloadAsync(instance.Id)).State.Variables["caseStatus"]!.GetValue<string>());
        Assert.Contains("警方回報處理狀態：查獲", string.Join(' ', (await EmailsAsync(MessageKinds.StatusUpdate)).Select(m => m.Payload["body"]!.GetValue<string>())));
    }

    [Fact]
    public async Task An_interim_outcome_does_not_stop_the_outcome_deadline()
    {
        var instance = await StartAsync(urgent: false);
        await Complete((await PendingAsync(instance.Id)).Single(t => t.TaskName == "確認收到學校反毒通報"), null);
        var first = (await PendingAsync(instance.Id)).Single(t => t.TaskName == "回報處理結果");
        await Complete(first, "偵辦中");

        _engine.Clock.Advance(DateTimeOffset.Parse(first.Payload!["dueAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) - _engine.Clock.GetUtcNow());
        await _engine.Runtime.FireDueTimersAsync(100, CancellationToken.None);

        Assert.DoesNotContain(await PendingAsync(instance.Id), t => t.TaskName == "回報處理結果");
        Assert.Contains(await _engine.Instances.JournalAsync(instance.Id, CancellationToken.None), j => j.Event == "Overdue" && j.Message!.Contains("回報處理結果", StringComparison.Ordinal));
    }

    [Fact]
    public async Task When_every_level_lets_the_deadline_pass_the_top_is_told_and_the_chain_still_ends()
    {
        var instance = await StartAsync(urgent: true);
        for (var round = 0; round < 8; round++)
        {
            _engine.Clock.Advance(TimeSpan.FromHours(2));
            await _engine.Runtime.FireDueTimersAsync(100, CancellationToken.None);
        }

        var journal = await _engine.Instances.JournalAsync(instance.Id, CancellationToken.None);
        Assert.Contains(journal, j => j.Event == "EscalationTop");
        Assert.Contains(journal, j => j.Event == "Notified" && j.Message!.Contains("警方各層級均逾期未確認", StringComparison.Ordinal));
        Assert.Equal(WorkflowStatus.Finished, (await _engine.ReloadAsync(instance.Id)).Status);
    }

    [Fact]
    public async Task The_incident_report_goes_to_the_schools_documented_campus_incident_report_endpoint_with_its_deadline()
    {
        var provider = _engine.Services.GetRequiredService<Workflows.Agencies.AgencyDirectoryProvider>();
        var shipped = provider.Current;
        provider.Replace(Workflows.Agencies.AgencyDirectory.Create(shipped.Agencies.Select(a => a.Id == School
            ? a with { Endpoints = new Dictionary<string, string>(a.Endpoints) { ["campus-incident-report"] = "https://campus.agencies.invalid/reports" } }
            : a)));

        var instance = await StartAsync(urgent: false);

        var report = Assert.Single(await _engine.OutboxAsync(new OutboxFilter(Kind: OutboxKinds.Http)), m => m.InstanceId == instance.Id);
        Assert.Equal("https://campus.agencies.invalid/reports", report.Payload["url"]!.GetValue<string>());
        Assert.Equal("campus-incident-report", report.Payload["system"]!.GetValue<string>());
        var body = JsonNode.Parse(report.Payload["content"]!.GetValue<string>())!;
        // Sent to the system, the school gets no task of its own; the report carries the statutory 24 hours the task would have.
        Assert.DoesNotContain(await PendingAsync(instance.Id), t => t.TaskName == "完成校安通報");
        Assert.Equal(_engine.Clock.GetUtcNow().AddHours(24), DateTimeOffset.Parse(body["dueAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task<WorkflowInstance> StartAsync(bool urgent) =>
        await _engine.StartAsync(TipOffChainInput.Definition, new TipOffChainInput(
            "case-" + Guid.NewGuid().ToString("N")[..8], "TIP-115-000001", "TW-KEE", "DrugSource", School, urgent, DrugLevel: 2, StatutoryReport: true).ToJson(), correlationId: "case-x");

    private async Task<IReadOnlyList<HumanTask>> PendingAsync(string instanceId) =>
        await _engine.Instances.ListTasksAsync(HumanTaskStatus.Pending, instanceId, CancellationToken.None);

    private async Task<long> RemindersAsync() => (await EmailsAsync(MessageKinds.Reminder)).Count;

    /// <summary>The queued emails of one <see cref="MessageKinds"/> kind, through the engine's outbox store.</summary>
    private async Task<IReadOnlyList<OutboxItem>> EmailsAsync(string messageKind) =>
        [.. (await _engine.OutboxAsync(new OutboxFilter(Kind: OutboxKinds.Email))).Where(m => m.Payload[OutgoingMessage.MessageKindField]?.GetValue<string>() == messageKind)];

    private async Task Complete(HumanTask task, string? outcome)
    {
        var result = new RoutedTaskResult(outcome is null ? RoutedTaskResult.Acknowledge : RoutedTaskResult.Complete, outcome);
        Assert.Equal(Workflows.Services.ResumeResult.Resumed, (await _engine.Runtime.CompleteTaskAsync(task.Id, result.ToJson(), CancellationToken.None)).Result);
    }

    private static string Agency(HumanTask task) => task.Payload!["agencyId"]!.GetValue<string>();
}
