using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Runtime;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>
/// Elsa 3's flowchart semantics, one test per scenario of Elsa's own integration tests (the definitions written
/// here from the scenarios' descriptions): explicit and implicit joins, merge modes, joins that run once, loops.
/// </summary>
public sealed class FlowchartSemanticsTests
{
    private static readonly ActivityRegistry Registry = ActivityRegistry.WithBuiltIns();

    [Fact]
    public async Task A_WaitAny_join_continues_once_though_both_branches_arrive()
    {
        var (instance, lines) = await RunAsync(Forked("join-any")
            .Activity("join", "Elsa.FlowJoin", ("mode", Literal("WaitAny")))
            .WriteLine("end", "End")
            .Connect("a", "join").Connect("b", "join").Connect("join", "end"));

        Assert.Equal(["Start", "A", "End"], lines);
        Assert.Equal(WorkflowStatus.Finished, instance.Status);
    }

    [Fact]
    public async Task A_WaitAll_join_continues_once_when_every_branch_has_arrived()
    {
        var (instance, lines) = await RunAsync(Forked("join-all")
            .Activity("join", "Elsa.FlowJoin", ("mode", Literal("WaitAll")))
            .WriteLine("end", "End")
            .Connect("a", "join").Connect("b", "join").Connect("join", "end"));

        Assert.Equal(["Start", "A", "B", "End"], lines);
        Assert.Equal(WorkflowStatus.Finished, instance.Status);
    }

    [Theory]
    [InlineData(null, new[] { "Start", "A", "B", "C" })]
    [InlineData("Stream", new[] { "Start", "A", "B", "C" })]
    [InlineData("Merge", new[] { "Start", "A", "B", "C" })]
    [InlineData("Converge", new[] { "Start", "A", "B", "C" })]
    [InlineData("Cascade", new[] { "Start", "A", "B", "C", "C" })]
    [InlineData("Race", new[] { "Start", "A", "C" })]
    public async Task An_implicit_join_after_a_fork_runs_as_its_merge_mode_says(string? mode, string[] expected)
    {
        var flow = Forked("implicit-" + (mode ?? "default")).WriteLine("c", "C").Connect("a", "c").Connect("b", "c");
        if (mode is not null)
        {
            flow.MergeMode("c", mode);
        }

        var (instance, lines) = await RunAsync(flow);

        Assert.Equal(expected, lines);
        Assert.Equal(WorkflowStatus.Finished, instance.Status);
    }

    [Theory]
    [InlineData("Stream", new[] { "A", "C" })]
    [InlineData("Merge", new[] { "A" })]
    [InlineData("Converge", new[] { "A" })]
    public async Task A_merge_after_a_decision_goes_on_past_the_branch_not_taken_only_as_a_stream(string mode, string[] expected)
    {
        var (instance, lines) = await RunAsync(new Flow("fork-decision-join-" + mode)
            .WriteLine("a", "A")
            .Activity("decide", "Elsa.FlowDecision", ("condition", Literal(false, "Boolean")))
            .WriteLine("b", "B")
            .WriteLine("c", "C")
            .MergeMode("c", mode)
            .Chain("a", "decide").Connect("decide", "b", "True").Connect("b", "c").Connect("decide", "c", "False"));

        Assert.Equal(expected, lines);
        Assert.Equal(WorkflowStatus.Finished, instance.Status);
    }

    [Fact]
    public async Task A_join_after_branches_of_different_lengths_runs_once()
    {
        var (instance, lines) = await RunAsync(Forked("join-runs-once")
            .WriteLine("a2", "A2").WriteLine("a3", "A3").WriteLine("join", "Joined")
            .Chain("a", "a2", "a3", "join").Connect("b", "join"));

        Assert.Equal(["Start", "A", "B", "A2", "A3", "Joined"], lines);
        Assert.Equal(WorkflowStatus.Finished, instance.Status);
    }

    [Fact]
    public async Task A_loop_back_into_a_merge_does_not_make_it_wait_for_itself()
    {
        var (instance, lines) = await RunAsync(new Flow("implicit-loop")
            .Variable("i", "Int32", 0)
            .WriteLine("start", "Start")
            .Activity("check", "Elsa.FlowDecision", ("condition", Js("getI() < 3", "Boolean")))
            .Activity("say", "Elsa.WriteLine", ("text", Js("'i=' + getI()")))
            .Activity("next", "Elsa.SetVariable", ("variable", new JsonObject { ["id"] = "i" }), ("value", Js("getI() + 1")))
            .WriteLine("done", "Done")
            .Chain("start", "check").Connect("check", "say", "True").Chain("say", "next", "check").Connect("check", "done", "False"));

        Assert.Equal(["Start", "i=0", "i=1", "i=2", "Done"], lines);
        Assert.Equal(WorkflowStatus.Finished, instance.Status);
    }

    [Fact]
    public async Task A_race_cancels_the_waiting_branch_and_the_flowchart_completes()
    {
        var (instance, lines) = await RunAsync(new Flow("race-event")
            .WriteLine("start", "Start")
            .Activity("fork", "Elsa.FlowFork", ("branches", ObjectExpr("[\"Wait\",\"Go\"]")))
            .Activity("wait", "Elsa.Event", ("eventName", Literal("never")))
            .WriteLine("go", "Go")
            .WriteLine("end", "End")
            .MergeMode("end", "Race")
            .Chain("start", "fork").Connect("fork", "wait", "Wait").Connect("fork", "go", "Go").Connect("wait", "end").Connect("go", "end"));

        Assert.Equal(["Start", "Go", "End"], lines);
        Assert.Empty(instance.Bookmarks);
        Assert.Equal(WorkflowStatus.Finished, instance.Status);
    }

    [Fact]
    public async Task A_merge_waits_across_steps_for_a_branch_that_waits_and_the_tokens_survive_the_saved_state()
    {
        var definition = Load(new Flow("merge-across-steps")
            .WriteLine("start", "Start")
            .Activity("fork", "Elsa.FlowFork", ("branches", ObjectExpr("[\"Wait\",\"Go\"]")))
            .Activity("wait", "Elsa.Event", ("eventName", Literal("later")))
            .WriteLine("go", "Go")
            .WriteLine("end", "End")
            .MergeMode("end", "Merge")
            .Chain("start", "fork").Connect("fork", "wait", "Wait").Connect("fork", "go", "Go").Connect("wait", "end").Connect("go", "end"));
        var executor = new WorkflowExecutor(Registry, TimeProvider.System, new EngineOptions());
        var instance = WorkflowExecutor.NewInstance(definition, null, null, TimeProvider.System.GetUtcNow());
        var first = await executor.StartAsync(definition, instance, CancellationToken.None);
        Assert.Equal(["Start", "Go"], first.Lines);
        Assert.Equal(WorkflowStatus.Suspended, instance.Status);

        // As another host would: the state read back from its JSON.
        var saved = System.Text.Json.JsonSerializer.Deserialize<InstanceState>(System.Text.Json.JsonSerializer.Serialize(instance.State))!;
        var reloaded = new WorkflowInstance
        {
            Id = instance.Id, DefinitionId = instance.DefinitionId, DefinitionVersionId = instance.DefinitionVersionId, Version = instance.Version,
            Status = instance.Status, State = saved, Bookmarks = [.. instance.Bookmarks],
        };
        var second = await executor.ResumeAsync(definition, reloaded, reloaded.Bookmarks.Single().Id, null, CancellationToken.None);

        Assert.Equal(["End"], second.Lines);
        Assert.Equal(WorkflowStatus.Finished, reloaded.Status);
    }

    [Fact]
    public async Task ForEach_runs_its_body_once_per_item_with_the_current_value_then_leaves_by_Done()
    {
        var (instance, lines) = await RunAsync(new Flow("for-each")
            .Variable("current", "Object")
            .Activity("each", "Elsa.ForEach", ("items", ObjectExpr("[\"a\",\"b\",\"c\"]")), ("currentValue", new JsonObject { ["memoryReference"] = new JsonObject { ["id"] = "current" } }))
            .Activity("say", "Elsa.WriteLine", ("text", Js("'item ' + getCurrent()")))
            .WriteLine("done", "Done")
            .Connect("each", "say", "Iterate").Connect("say", "each").Connect("each", "done"));

        Assert.Equal(["item a", "item b", "item c", "Done"], lines);
        Assert.Empty(instance.State.Loops);
        Assert.Equal(WorkflowStatus.Finished, instance.Status);
    }

    [Fact]
    public async Task While_loops_while_its_condition_holds_and_Break_leaves_it_early()
    {
        var (instance, lines) = await RunAsync(new Flow("while-break")
            .Variable("i", "Int32", 0)
            .Activity("loop", "Elsa.While", ("condition", Js("getI() < 10", "Boolean")))
            .Activity("say", "Elsa.WriteLine", ("text", Js("'i=' + getI()")))
            .Activity("next", "Elsa.SetVariable", ("variable", new JsonObject { ["id"] = "i" }), ("value", Js("getI() + 1")))
            .Activity("enough", "Elsa.FlowDecision", ("condition", Js("getI() == 3", "Boolean")))
            .Activity("break", "Elsa.Break")
            .WriteLine("done", "Done")
            .Connect("loop", "say", "Iterate").Chain("say", "next", "enough").Connect("enough", "break", "True").Connect("enough", "loop", "False")
            .Connect("loop", "done"));

        Assert.Equal(["i=0", "i=1", "i=2", "Done"], lines);
        Assert.Equal("3", instance.State.Variables["i"]!.ToJsonString());
        Assert.Equal(WorkflowStatus.Finished, instance.Status);
    }

    [Fact]
    public void A_loop_through_a_loop_activity_without_a_connected_Done_is_not_an_endless_loop()
    {
        var errors = new DefinitionValidator(Registry).Load(new Flow("loop-valid")
            .Variable("i", "Int32", 0)
            .Activity("loop", "Elsa.While", ("condition", Js("getI() < 2", "Boolean")))
            .Activity("next", "Elsa.SetVariable", ("variable", new JsonObject { ["id"] = "i" }), ("value", Js("getI() + 1")))
            .Connect("loop", "next", "Iterate").Connect("next", "loop").Build()).Errors;
        var endless = new DefinitionValidator(Registry).Load(new Flow("loop-endless")
            .WriteLine("a", "a").WriteLine("b", "b").Chain("a", "b", "a").Build()).Errors;

        Assert.Empty(errors);
        Assert.Contains(endless, e => e.Code == "flowchart.endless-loop");
    }

    [Fact]
    public async Task SetOutput_sets_a_workflow_output_and_RunJavaScript_gives_its_result()
    {
        var (instance, lines) = await RunAsync(new Flow("set-output")
            .Variable("sum", "Int32")
            .Activity("compute", "Elsa.RunJavaScript", ("script", Literal("var total = 0; for (var n = 1; n <= 4; n++) { total += n; } return total;")), ("result", new JsonObject { ["memoryReference"] = new JsonObject { ["id"] = "sum" } }))
            .Activity("output", "Elsa.SetOutput", ("outputName", Literal("total")), ("outputValue", Js("getSum() * 10")))
            .Activity("say", "Elsa.WriteLine", ("text", Js("'sum ' + getSum()")))
            .Chain("compute", "output", "say"));

        Assert.Equal(["sum 10"], lines);
        Assert.Equal("100", instance.State.Output["total"]!.ToJsonString());
        Assert.Equal(WorkflowStatus.Finished, instance.Status);
    }

    [Fact]
    public async Task Complete_ends_the_flowchart_at_once_and_Fault_faults_it_with_its_message()
    {
        var (completed, completedLines) = await RunAsync(Forked("complete")
            .Activity("wait", "Elsa.Event", ("eventName", Literal("never")))
            .Activity("complete", "Elsa.Complete", ("outcomes", ObjectExpr("[\"Approved\"]")))
            .Connect("a", "wait").Connect("b", "complete"));
        var (faulted, faultedLines) = await RunAsync(new Flow("fault")
            .WriteLine("a", "A")
            .Activity("fault", "Elsa.Fault", ("message", Literal("資料不完整")), ("code", Literal("E1")))
            .Chain("a", "fault"));

        Assert.Equal(["Start", "A", "B"], completedLines);
        Assert.Equal(WorkflowStatus.Finished, completed.Status);
        Assert.Empty(completed.Bookmarks);
        Assert.Equal(["A"], faultedLines);
        Assert.Equal(WorkflowStatus.Faulted, faulted.Status);
        Assert.EndsWith(FaultKinds.Raised.Format("資料不完整"), faulted.Fault, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fault_on_one_branch_faults_the_instance_after_the_other_branch_has_run_what_was_scheduled()
    {
        // Elsa's incident-strategy scenario under its default FaultStrategy: Start forks into 1a → event → 1b and
        // 2a → fault (Elsa's version goes on from the fault, which has no port here); the lines are Start, 1a, 2a,
        // the instance faults, and nothing is left waiting.
        var (instance, lines) = await RunAsync(new Flow("faulty")
            .WriteLine("start", "Start")
            .WriteLine("step1a", "Step 1a")
            .Activity("event1", "Elsa.Event", ("eventName", Literal("Event 1")))
            .WriteLine("step1b", "Step 1b")
            .WriteLine("step2a", "Step 2a")
            .Activity("fault", "Elsa.Fault", ("message", Literal("Whoops!")), ("code", Literal("Test")))
            .Chain("start", "step1a", "event1", "step1b")
            .Chain("start", "step2a", "fault"));

        Assert.Equal(["Start", "Step 1a", "Step 2a"], lines);
        Assert.Equal(WorkflowStatus.Faulted, instance.Status);
        Assert.Empty(instance.Bookmarks);
    }

    [Fact]
    public async Task A_branch_reaching_End_after_a_fault_does_not_finish_the_instance()
    {
        var (instance, lines) = await RunAsync(Forked("fault-then-end")
            .Activity("fault", "Elsa.Fault", ("message", Literal("分支出錯")))
            .Activity("end", "Elsa.End")
            .Connect("a", "fault").Connect("b", "end"));

        Assert.Equal(["Start", "A", "B"], lines);
        Assert.Equal(WorkflowStatus.Faulted, instance.Status);
        Assert.EndsWith(FaultKinds.Raised.Format("分支出錯"), instance.Fault, StringComparison.Ordinal);
    }

    private static Flow Forked(string id) => new Flow(id)
        .WriteLine("start", "Start")
        .Activity("fork", "Elsa.FlowFork", ("branches", ObjectExpr("[\"A\",\"B\"]")))
        .WriteLine("a", "A")
        .WriteLine("b", "B")
        .Chain("start", "fork").Connect("fork", "a", "A").Connect("fork", "b", "B");

    private static Workflows.Models.WorkflowDefinition Load(Flow flow)
    {
        var (definition, errors) = new DefinitionValidator(Registry).Load(flow.Build());
        Assert.True(errors.Count == 0, string.Join("; ", errors.Select(e => $"{e.Path} {e.Code}")));
        return definition!;
    }

    private static async Task<(WorkflowInstance Instance, List<string> Lines)> RunAsync(Flow flow)
    {
        var definition = Load(flow);
        var lines = new List<string>();
        var instance = await InMemoryRun.RunAsync(new WorkflowExecutor(Registry, TimeProvider.System, new EngineOptions()), TimeProvider.System, definition, null, lines.Add, CancellationToken.None);
        return (instance, lines);
    }
}
