using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Runtime;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>
/// Nested flowcharts as Elsa 3 runs them (definitions written here from the scenarios' descriptions): an
/// <c>Elsa.Flowchart</c> inside a flowchart and <c>Elsa.FlowNode</c> (FlowchartCompletion scenario 5) run in scopes of
/// their own, with their own joins and completion; the outer flowchart goes on by the nested one's outcome once it
/// completes; End and Complete inside end the nested flowchart only; a nested flowchart waiting on a bookmark survives a
/// restart of the host.
/// </summary>
public sealed class NestedFlowchartTests : IAsyncLifetime
{
    private EngineHarness _engine = null!;

    public async Task InitializeAsync() => _engine = await EngineHarness.CreateAsync();

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task The_outer_flowchart_goes_on_once_the_nested_one_completes()
    {
        var inner = new Flow("inner").WriteLine("a", "inner a").WriteLine("b", "inner b").Chain("a", "b");
        var instance = await RunAsync(new Flow("nested-simple")
            .WriteLine("before", "before").Nested(inner.AsFlowchart("nested")).WriteLine("after", "after")
            .Chain("before", "nested", "after"));

        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        Assert.Equal(["before", "inner a", "inner b", "after"], await _engine.LinesAsync(instance.Id));
        Assert.Empty(instance.State.Scopes);
    }

    [Fact]
    public async Task A_FlowNode_waiting_on_an_event_keeps_the_workflow_suspended_while_the_other_branch_runs_then_finishes()
    {
        // FlowchartCompletion scenario 5: Start leads to a FlowNode whose body flowchart waits for an event, and to two lines.
        var body = new Flow("body").Activity("wait", "Elsa.Event", ("eventName", Literal("Event4")));
        var instance = await RunAsync(new Flow("completion-5")
            .Activity("start", "Elsa.Start")
            .Activity("node", "Elsa.FlowNode", ("body", body.AsFlowchart("body")))
            .WriteLine("intermediary", "Intermediary").WriteLine("last", "Last")
            .Connect("start", "node").Connect("start", "intermediary").Connect("intermediary", "last"));
        Assert.Equal(WorkflowStatus.Suspended, instance.Status);
        Assert.Equal(["Intermediary", "Last"], await _engine.LinesAsync(instance.Id));

        Assert.Equal([instance.Id], await _engine.Runtime.TriggerEventAsync("Event4", null, null, CancellationToken.None));

        instance = await _engine.ReloadAsync(instance.Id);
        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        Assert.Empty(instance.Bookmarks);
        Assert.Empty(instance.State.Scopes);
    }

    [Fact]
    public async Task End_inside_a_nested_flowchart_ends_it_only_and_the_outer_one_goes_on()
    {
        var inner = new Flow("inner")
            .Activity("fork", "Elsa.FlowFork", ("branches", ObjectExpr("[\"A\",\"B\"]")))
            .Activity("wait", "Elsa.Event", ("eventName", Literal("never")))
            .WriteLine("after-wait", "after wait")
            .Activity("end", "Elsa.End")
            .Connect("fork", "wait", "A").Connect("wait", "after-wait").Connect("fork", "end", "B");
        var instance = await RunAsync(new Flow("nested-end")
            .WriteLine("before", "before").Nested(inner.AsFlowchart("nested")).WriteLine("after", "after")
            .Chain("before", "nested", "after"));

        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        Assert.Empty(instance.Bookmarks);
        Assert.Equal(["before", "after"], await _engine.LinesAsync(instance.Id));
        Assert.Empty(await _engine.Runtime.TriggerEventAsync("never", null, null, CancellationToken.None));
    }

    [Fact]
    public async Task Complete_inside_a_nested_flowchart_sends_the_outer_one_on_by_its_outcome()
    {
        var inner = new Flow("inner").WriteLine("check", "checking")
            .Activity("complete", "Elsa.Complete", ("outcomes", ObjectExpr("[\"Approved\"]")))
            .Chain("check", "complete");
        var instance = await RunAsync(new Flow("nested-complete")
            .Nested(inner.AsFlowchart("review")).WriteLine("approved", "approved").WriteLine("done", "done")
            .Connect("review", "approved", "Approved").Connect("review", "done"));

        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        Assert.Equal(["checking", "approved"], await _engine.LinesAsync(instance.Id));
        Assert.Null(instance.State.Outcomes); // the nested flowchart's outcomes, not the workflow's
    }

    [Fact]
    public async Task Joins_inside_and_outside_a_nested_flowchart_each_continue_once_in_their_own_scope()
    {
        var inner = new Flow("inner")
            .Activity("inner-fork", "Elsa.FlowFork", ("branches", ObjectExpr("[\"A\",\"B\"]")))
            .WriteLine("a", "inner a").WriteLine("b", "inner b")
            .Activity("inner-join", "Elsa.FlowJoin", ("mode", Literal("WaitAll")))
            .WriteLine("joined", "inner joined")
            .Connect("inner-fork", "a", "A").Connect("inner-fork", "b", "B").Connect("a", "inner-join").Connect("b", "inner-join").Connect("inner-join", "joined");
        var instance = await RunAsync(new Flow("nested-joins")
            .Activity("fork", "Elsa.FlowFork", ("branches", ObjectExpr("[\"Left\",\"Right\"]")))
            .Nested(inner.AsFlowchart("nested")).WriteLine("right", "outer right")
            .Activity("join", "Elsa.FlowJoin", ("mode", Literal("WaitAll")))
            .WriteLine("end", "outer joined")
            .Connect("fork", "nested", "Left").Connect("fork", "right", "Right").Connect("nested", "join").Connect("right", "join").Connect("join", "end"));

        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        var lines = await _engine.LinesAsync(instance.Id);
        Assert.Equal(["inner a", "inner b", "inner joined", "outer joined", "outer right"], [.. lines.Order(StringComparer.Ordinal)]);
        Assert.Equal("outer joined", lines[^1]);
    }

    [Fact]
    public async Task A_race_won_outside_cancels_a_nested_flowchart_still_waiting()
    {
        var inner = new Flow("inner").Activity("wait", "Elsa.Event", ("eventName", Literal("slow"))).WriteLine("late", "late");
        var instance = await RunAsync(new Flow("nested-race")
            .Activity("fork", "Elsa.FlowFork", ("branches", ObjectExpr("[\"A\",\"B\"]")))
            .Nested(inner.Chain("wait", "late").AsFlowchart("nested"))
            .Activity("fast", "Elsa.Event", ("eventName", Literal("fast")))
            .Activity("race", "Elsa.FlowJoin", ("mode", Literal("WaitAny")))
            .WriteLine("won", "won")
            .Connect("fork", "nested", "A").Connect("fork", "fast", "B").Connect("nested", "race").Connect("fast", "race").Connect("race", "won"));
        Assert.Equal(WorkflowStatus.Suspended, instance.Status);
        Assert.Equal(2, instance.Bookmarks.Count);

        await _engine.Runtime.TriggerEventAsync("fast", null, null, CancellationToken.None);

        instance = await _engine.ReloadAsync(instance.Id);
        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        Assert.Equal(["won"], await _engine.LinesAsync(instance.Id));
        Assert.Empty(await _engine.Runtime.TriggerEventAsync("slow", null, null, CancellationToken.None));
    }

    [Fact]
    public async Task A_nested_flowchart_waiting_on_a_bookmark_resumes_after_a_host_restart()
    {
        var inner = new Flow("inner").WriteLine("in", "inside").Activity("wait", "Elsa.Event", ("eventName", Literal("go"))).WriteLine("resumed", "inside resumed")
            .Chain("in", "wait", "resumed");
        var definitionId = await _engine.PublishAsync(new Flow("nested-durable")
            .WriteLine("before", "before").Nested(inner.AsFlowchart("nested")).WriteLine("after", "after")
            .Chain("before", "nested", "after").Json());
        var started = await _engine.StartAsync(definitionId);
        Assert.Equal(WorkflowStatus.Suspended, started.Status);

        // A new host over the same database: everything it knows of the nested flowchart comes from PostgreSQL.
        var connectionString = _engine.ConnectionString;
        var clock = _engine.Clock;
        await _engine.DisposeAsync();
        _engine = await EngineHarness.CreateAsync(connectionString, clock);
        var reloaded = await _engine.ReloadAsync(started.Id);
        Assert.Single(reloaded.State.Scopes);
        Assert.Equal(reloaded.State.Scopes.Keys.Single(), reloaded.State.BookmarkScopes[reloaded.Bookmarks.Single().Id]);

        Assert.Equal([started.Id], await _engine.Runtime.TriggerEventAsync("go", null, null, CancellationToken.None));

        var instance = await _engine.ReloadAsync(started.Id);
        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        Assert.Equal(["before", "inside", "inside resumed", "after"], await _engine.LinesAsync(instance.Id));
        Assert.Empty(instance.State.Scopes);
        Assert.Empty(instance.State.BookmarkScopes);
    }

    [Fact]
    public async Task A_connection_from_a_nested_flowchart_to_an_outer_activity_is_refused_with_its_path()
    {
        var inner = new Flow("inner").WriteLine("a", "a").Connect("a", "outside");
        var (_, errors) = new DefinitionValidator(ActivityRegistry.WithBuiltIns()).Load(new Flow("nested-invalid").Nested(inner.AsFlowchart("nested")).WriteLine("outside", "outside")
            .Connect("nested", "outside").Build());

        var error = Assert.Single(errors);
        Assert.Equal("$.root.activities[0].connections[0].target", error.Path);
    }

    private async Task<WorkflowInstance> RunAsync(Flow flow)
    {
        var definitionId = await _engine.PublishAsync(flow.Json());
        return await _engine.ReloadAsync((await _engine.StartAsync(definitionId)).Id);
    }
}
