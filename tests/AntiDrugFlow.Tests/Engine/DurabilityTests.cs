using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>Versions, concurrency between hosts, recovery and the runaway-loop limit, on a real PostgreSQL.</summary>
public sealed class DurabilityTests
{
    [Fact]
    public async Task A_new_published_version_does_not_touch_running_instances()
    {
        await using var engine = await EngineHarness.CreateAsync();
        string Version(string text) => new Flow("versioned")
            .Activity("wait", "Elsa.Event", ("eventName", Literal("go")))
            .WriteLine("say", text).Chain("wait", "say").Json();
        await engine.PublishAsync(Version("v1 text"));
        var old = await engine.StartAsync("versioned", correlationId: "old");

        await engine.PublishAsync(Version("v2 text"));
        var fresh = await engine.StartAsync("versioned", correlationId: "new");
        await engine.Runtime.TriggerEventAsync("go", null, null, CancellationToken.None);

        Assert.Equal(["v1 text"], await engine.LinesAsync(old.Id));
        Assert.Equal(["v2 text"], await engine.LinesAsync(fresh.Id));
        Assert.Equal(1, (await engine.ReloadAsync(old.Id)).Version);
        Assert.Equal(2, (await engine.ReloadAsync(fresh.Id)).Version);
        var versions = await engine.Definitions.Store.VersionsAsync("versioned", CancellationToken.None);
        Assert.Equal([2, 1], versions.Select(v => v.Version));
        Assert.Equal([true, false], versions.Select(v => v.IsPublished));
    }

    [Fact]
    public async Task A_retracted_definition_starts_nothing_new_but_its_instances_go_on()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.PublishAsync(new Flow("retracted").Activity("wait", "Elsa.Event", ("eventName", Literal("go"))).WriteLine("after", "after").Chain("wait", "after").Json());
        var running = await engine.StartAsync("retracted");

        Assert.True(await engine.Definitions.RetractAsync("retracted", CancellationToken.None));

        await Assert.ThrowsAsync<KeyNotFoundException>(() => engine.StartAsync("retracted"));
        await engine.Runtime.TriggerEventAsync("go", null, null, CancellationToken.None);
        Assert.Equal(WorkflowStatus.Finished, (await engine.ReloadAsync(running.Id)).Status);
    }

    [Fact]
    public async Task Saving_a_draft_over_a_published_version_makes_a_new_version_and_publishing_validates_it()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.PublishAsync(new Flow("drafts").WriteLine("a", "v1").Json());
        var broken = new Flow("drafts").Activity("a", "Elsa.WriteLine").Build();

        var draft = await engine.Definitions.SaveDraftAsync(broken, CancellationToken.None);
        var again = await engine.Definitions.SaveDraftAsync(broken, CancellationToken.None);

        Assert.Equal(2, draft.Version.Version);
        Assert.Equal(2, again.Version.Version);
        Assert.Contains(draft.Errors, e => e.Path == "$.root.activities[0].text");
        var refused = await Assert.ThrowsAsync<Workflows.Definitions.DefinitionValidationException>(() => engine.Definitions.PublishAsync("drafts", CancellationToken.None));
        Assert.Contains(refused.Errors, e => e.Path == "$.root.activities[0].text");
        Assert.Equal(1, (await engine.Definitions.Store.FindAsync("drafts", "published", CancellationToken.None))!.Version);
    }

    [Fact]
    public async Task Export_gives_back_the_Elsa_shape_with_designer_positions()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var document = new Flow("export").WriteLine("a", "a").WriteLine("b", "b").Chain("a", "b").Build();
        document["customProperties"] = new JsonObject { ["owner"] = "綜合規劃組" };
        await engine.Definitions.SaveAndPublishAsync(document, CancellationToken.None);

        var exported = WorkflowDefinitionService.Export((await engine.Definitions.Store.FindAsync("export", "latest", CancellationToken.None))!);

        foreach (var field in new[] { "id", "definitionId", "name", "version", "isPublished", "isLatest", "variables", "inputs", "outputs", "customProperties", "root" })
        {
            Assert.True(exported.ContainsKey(field), field);
        }

        Assert.Equal("綜合規劃組", exported["customProperties"]!["owner"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(document["root"], exported["root"]));
        Assert.Equal(100, exported["root"]!["activities"]![1]!["metadata"]!["designer"]!["position"]!["x"]!.GetValue<int>());
    }

    [Fact]
    public async Task Two_hosts_resuming_the_same_bookmark_at_once_give_exactly_one_winner()
    {
        await using var first = await EngineHarness.CreateAsync();
        await using var second = await EngineHarness.CreateAsync(first.ConnectionString, first.Clock);
        await first.PublishAsync(new Flow("race-hosts")
            .Variable("hits", "Int32", 0)
            .Activity("wait", "Elsa.Event", ("eventName", Literal("go")))
            .Activity("count", "Elsa.SetVariable", ("variable", new JsonObject { ["id"] = "hits" }), ("value", Js("getHits() + 1")))
            .WriteLine("after", "resumed")
            .Chain("wait", "count", "after").Json());
        var instances = new List<WorkflowInstance>();
        for (var i = 0; i < 20; i++)
        {
            instances.Add(await first.StartAsync("race-hosts"));
        }

        var outcomes = await Task.WhenAll(instances.SelectMany(instance =>
        {
            var bookmark = instance.Bookmarks.Single().Id;
            return new[] { first, second }.Select(host => Task.Run(() => host.Runtime.ResumeAsync(instance.Id, bookmark, null, CancellationToken.None)));
        }));

        Assert.Equal(20, outcomes.Count(o => o == ResumeResult.Resumed));
        Assert.Equal(20, outcomes.Count(o => o == ResumeResult.AlreadyResumed));
        foreach (var instance in instances)
        {
            Assert.Equal(["resumed"], await first.LinesAsync(instance.Id));
            Assert.Equal(1, (await first.ReloadAsync(instance.Id)).State.Variables["hits"]!.GetValue<long>());
        }
    }

    [Fact]
    public async Task Dispatched_instances_left_running_by_a_dead_host_are_run_by_the_next_one()
    {
        await using var dead = await EngineHarness.CreateAsync();
        await dead.PublishAsync(new Flow("dispatched").WriteLine("a", "ran").Activity("wait", "Elsa.Event", ("eventName", Literal("later"))).Chain("a", "wait").Json());
        var accepted = new List<WorkflowInstance>();
        for (var i = 0; i < 5; i++)
        {
            accepted.Add(await dead.Runtime.DispatchAsync("dispatched", null, null, CancellationToken.None));
        }

        await using var next = await EngineHarness.CreateAsync(dead.ConnectionString, dead.Clock);
        Assert.Equal(5, await next.Runtime.RunPendingAsync(100, CancellationToken.None));
        Assert.Equal(0, await next.Runtime.RunPendingAsync(100, CancellationToken.None));

        foreach (var instance in accepted)
        {
            Assert.Equal(WorkflowStatus.Suspended, (await next.ReloadAsync(instance.Id)).Status);
            Assert.Equal(["ran"], await next.LinesAsync(instance.Id));
        }
    }

    [Fact]
    public async Task A_runaway_loop_is_stopped_by_the_step_limit_with_a_message_that_names_the_loop()
    {
        await using var engine = await EngineHarness.CreateAsync(configure: o => o.MaxStepsPerRun = 50);
        await engine.PublishAsync(new Flow("runaway")
            .Activity("start", "Elsa.Start")
            .Activity("tick", "Elsa.SetVariable", ("variable", new JsonObject { ["id"] = "n" }), ("value", Js("getN() + 1")))
            .Activity("again", "Elsa.FlowDecision", ("condition", Js("getN() > 0")))
            .WriteLine("out", "never")
            .Variable("n", "Int32", 0)
            .Chain("start", "tick", "again").Connect("again", "tick", "True").Connect("again", "out", "False").Json());

        var instance = await engine.StartAsync("runaway");

        var faulted = await engine.ReloadAsync(instance.Id);
        Assert.Equal(WorkflowStatus.Faulted, faulted.Status);
        Assert.Matches("^活動「(tick|again)」出錯：單次執行超過 50 個活動的上限：迴圈 (tick → again → tick|again → tick → again) 一直執行而沒有等待$", faulted.Fault);
    }

    [Fact]
    public async Task A_step_is_all_or_nothing_when_its_commit_fails()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.PublishAsync(new Flow("atomic")
            .Activity("mail", "Elsa.SendEmail", ("to", Literal("x@agencies.invalid")), ("body", Js("'before' + String.fromCharCode(0) + 'after'", "String")))
            .Activity("task", "Elsa.RunTask", ("taskName", Literal("t"))).Chain("mail", "task").Json());
        // The outbox row, the step's last write, fails: PostgreSQL's jsonb cannot hold a NUL character.

        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => engine.StartAsync("atomic"));

        // No instance means no bookmark either: a bookmark belongs to its instance's row.
        Assert.Empty(await engine.Instances.ListInstancesAsync(new InstanceFilter(), CancellationToken.None));
        Assert.Empty(await engine.Instances.ListTasksAsync(null, null, CancellationToken.None));
        Assert.Empty(await engine.OutboxAsync(new OutboxFilter()));
    }
}
