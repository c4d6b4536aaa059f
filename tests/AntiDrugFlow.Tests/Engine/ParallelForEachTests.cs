using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>
/// Elsa.ParallelForEach as Elsa 3 runs it (FlowchartCompletion scenario 6 and its own tests, definitions written here):
/// the body runs once per item, each iteration in a scope of its own with its CurrentValue, and the activity completes
/// once every iteration has; iterations waiting on events are resumed in any order; an empty list completes at once.
/// </summary>
public sealed class ParallelForEachTests : IAsyncLifetime
{
    private EngineHarness _engine = null!;

    public async Task InitializeAsync() => _engine = await EngineHarness.CreateAsync();

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task Each_fruit_is_written_by_its_own_iteration_then_the_flowchart_finishes()
    {
        // FlowchartCompletion scenario 6.
        var body = new Flow("body").Activity("line", "Elsa.WriteLine", ("text", Js("`Current fruit: ${getCurrentValue()}`", "String")));
        var instance = await RunAsync(Fruits(new Flow("completion-6"), Js("[\"Apple\", \"Banana\", \"Cherry\"]"), body));

        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        Assert.Equal(["Start", "Current fruit: Apple", "Current fruit: Banana", "Current fruit: Cherry", "End"], await _engine.LinesAsync(instance.Id));
        Assert.Empty(instance.State.Scopes);
    }

    [Fact]
    public async Task Iterations_waiting_on_events_are_resumed_in_any_order_and_the_loop_completes_after_the_last()
    {
        var body = new Flow("body")
            .Activity("wait", "Elsa.Event", ("eventName", Js("`ripe-${getCurrentValue()}`", "String")))
            .Activity("line", "Elsa.WriteLine", ("text", Js("`${getCurrentIndex()}: ${getCurrentValue()}`", "String")))
            .Chain("wait", "line");
        var instance = await RunAsync(Fruits(new Flow("parallel-events"), Js("[\"Apple\", \"Banana\", \"Cherry\"]"), body));
        Assert.Equal(WorkflowStatus.Suspended, instance.Status);
        Assert.Equal(3, instance.Bookmarks.Count);
        Assert.Equal(["Start"], await _engine.LinesAsync(instance.Id));

        foreach (var fruit in new[] { "Cherry", "Apple" })
        {
            Assert.Equal([instance.Id], await _engine.Runtime.TriggerEventAsync("ripe-" + fruit, null, null, CancellationToken.None));
            Assert.Equal(WorkflowStatus.Suspended, (await _engine.ReloadAsync(instance.Id)).Status);
        }

        Assert.Equal([instance.Id], await _engine.Runtime.TriggerEventAsync("ripe-Banana", null, null, CancellationToken.None));

        instance = await _engine.ReloadAsync(instance.Id);
        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        Assert.Equal(["Start", "2: Cherry", "0: Apple", "1: Banana", "End"], await _engine.LinesAsync(instance.Id));
        Assert.Empty(instance.State.Scopes);
        Assert.Empty(instance.State.BookmarkScopes);
        Assert.DoesNotContain("CurrentValue", instance.State.Variables.Keys);
    }

    [Fact]
    public async Task An_empty_list_completes_the_loop_at_once()
    {
        var body = new Flow("body").Activity("line", "Elsa.WriteLine", ("text", Js("`never ${getCurrentValue()}`", "String")));
        var instance = await RunAsync(Fruits(new Flow("parallel-empty"), Js("[]"), body));

        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        Assert.Equal(["Start", "End"], await _engine.LinesAsync(instance.Id));
    }

    [Fact]
    public async Task A_single_activity_body_runs_per_item_and_writes_each_value()
    {
        var instance = await RunAsync(new Flow("parallel-single-body")
            .Activity("each", "Elsa.ParallelForEach", ("items", ObjectExpr("[1, 2]")),
                ("body", new Flow("x").Activity("line", "Elsa.WriteLine", ("text", Js("`item ${getCurrentValue() * 10}`", "String"))).AsFlowchart("unused")["activities"]![0]!.DeepClone()))
            .WriteLine("end", "End").Chain("each", "end"));

        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        Assert.Equal(["item 10", "item 20", "End"], await _engine.LinesAsync(instance.Id));
    }

    [Fact]
    public async Task A_null_list_completes_the_loop_at_once_and_getVariable_reads_the_iterations_value()
    {
        var body = new Flow("body").Activity("line", "Elsa.WriteLine", ("text", Js("'value ' + getVariable('CurrentValue')", "String")));
        var instance = await RunAsync(Fruits(new Flow("parallel-null"), Js("null"), body));
        Assert.Equal(["Start", "End"], await _engine.LinesAsync(instance.Id));

        instance = await RunAsync(Fruits(new Flow("parallel-get-variable"), Js("['Kiwi']"), body));
        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        Assert.Equal(["Start", "value Kiwi", "End"], await _engine.LinesAsync(instance.Id));
    }

    [Fact]
    public async Task A_ForEach_inside_each_iteration_keeps_its_own_position()
    {
        // The two iterations' ForEach loops interleave in one step; each must still go through both of its items.
        var body = new Flow("body")
            .Activity("loop", "Elsa.ForEach", ("items", ObjectExpr("[1, 2]")))
            .Activity("line", "Elsa.WriteLine", ("text", Js("getCurrentValue()", "String")))
            .Connect("loop", "line", "Iterate").Connect("line", "loop");
        var instance = await RunAsync(Fruits(new Flow("parallel-nested-loop"), Js("['A', 'B']"), body));

        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        var lines = await _engine.LinesAsync(instance.Id);
        Assert.Equal(["A", "A", "B", "B"], [.. lines.Skip(1).SkipLast(1).Order(StringComparer.Ordinal)]);
        Assert.Equal("End", lines[^1]);
        Assert.Empty(instance.State.Loops);
    }

    [Fact]
    public async Task A_fault_in_one_iteration_lets_the_other_iterations_run_then_faults_the_instance()
    {
        // Elsa's "ParallelForEach executes all items when one faults": under its default incident strategy the fault
        // faults the workflow, yet the iterations already scheduled still run; the loop itself never completes.
        var body = new Flow("body")
            .Activity("check", "Elsa.FlowDecision", ("condition", Js("getCurrentValue() === 'b'", "Boolean")))
            .Activity("fault", "Elsa.Fault", ("message", Literal("項目 b 無法處理")))
            .Activity("line", "Elsa.WriteLine", ("text", Js("getCurrentValue()", "String")))
            .Connect("check", "fault", "True").Connect("check", "line", "False");
        var instance = await RunAsync(Fruits(new Flow("parallel-fault"), Js("['a', 'b', 'c']"), body));

        Assert.Equal(WorkflowStatus.Faulted, instance.Status);
        Assert.EndsWith(FaultKinds.Raised.Format("項目 b 無法處理"), instance.Fault, StringComparison.Ordinal);
        Assert.Equal(["Start", "a", "c"], await _engine.LinesAsync(instance.Id));
        Assert.Empty(instance.Bookmarks);
        Assert.Empty(instance.State.Scopes);
    }

    [Fact]
    public async Task An_iteration_waiting_when_another_faults_has_its_bookmark_and_task_cancelled()
    {
        var body = new Flow("body")
            .Activity("check", "Elsa.FlowDecision", ("condition", Js("getCurrentIndex() === 1", "Boolean")))
            .Activity("fault", "Elsa.Fault", ("message", Literal("第二項出錯")))
            .Activity("review", "Elsa.RunTask", ("taskName", Js("`審核 ${getCurrentValue()}`", "String")))
            .Connect("check", "fault", "True").Connect("check", "review", "False");
        var instance = await RunAsync(Fruits(new Flow("parallel-fault-wait"), Js("['x', 'y']"), body));

        Assert.Equal(WorkflowStatus.Faulted, instance.Status);
        Assert.Empty(instance.Bookmarks);
        var tasks = _engine.Services.GetRequiredService<AntiDrugFlow.Workflows.Persistence.IHumanTaskQueries>();
        var task = Assert.Single(await tasks.ListTasksAsync(null, instance.Id, CancellationToken.None));
        Assert.Equal(("審核 x", HumanTaskStatus.Cancelled), (task.TaskName, task.Status));
        Assert.Equal(["Start"], await _engine.LinesAsync(instance.Id));
    }

    [Fact]
    public void An_unknown_activity_in_a_body_is_reported_at_its_nested_path()
    {
        var body = new Flow("body").Activity("odd", "Elsa.NoSuchActivity");
        var (_, errors) = new AntiDrugFlow.Workflows.Definitions.DefinitionValidator(AntiDrugFlow.Workflows.Activities.ActivityRegistry.WithBuiltIns())
            .Load(Fruits(new Flow("parallel-unknown"), Js("[1]"), body).Build());

        var error = Assert.Single(errors);
        Assert.Equal(("$.root.activities[1].body.activities[0].type", "activity.unknown-type"), (error.Path, error.Code));
    }

    /// <summary>Start → ParallelForEach over the items with the body flowchart → End, the first and last writing lines.</summary>
    private static Flow Fruits(Flow flow, System.Text.Json.Nodes.JsonObject items, Flow body) => flow
        .WriteLine("start", "Start")
        .Activity("each", "Elsa.ParallelForEach", ("items", items), ("body", body.AsFlowchart("body")))
        .WriteLine("end", "End")
        .Chain("start", "each", "end");

    private async Task<WorkflowInstance> RunAsync(Flow flow)
    {
        var definitionId = await _engine.PublishAsync(flow.Json());
        return await _engine.ReloadAsync((await _engine.StartAsync(definitionId)).Id);
    }
}
