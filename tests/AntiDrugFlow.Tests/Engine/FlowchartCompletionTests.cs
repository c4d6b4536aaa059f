using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Runtime;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>
/// When a flowchart completes, as Elsa 3's FlowchartCompletion scenarios assert it (definitions written here from the
/// scenarios' shapes): fan-outs that meet again, delays on parallel branches, a decision whose other port leads
/// nowhere taken; each must finish, every activity once. And Elsa.End, a terminal node, completes the flowchart at once.
/// </summary>
public sealed class FlowchartCompletionTests : IAsyncLifetime
{
    private EngineHarness _engine = null!;

    public async Task InitializeAsync() => _engine = await EngineHarness.CreateAsync();

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task A_fan_out_of_two_ends_finishes_the_flowchart()
    {
        var instance = await RunAsync(Lines(new Flow("completion-1"), 3).Connect("w1", "w2").Connect("w1", "w3"));

        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        Assert.Equal(["w1", "w2", "w3"], Sorted(await _engine.LinesAsync(instance.Id)));
    }

    [Fact]
    public async Task Branches_that_cross_and_meet_again_run_every_activity_once_and_finish()
    {
        var instance = await RunAsync(Crossing(Lines(new Flow("completion-2"), 9)).Connect("w4", "w7").Connect("w6", "w8"));

        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        Assert.Equal(Enumerable.Range(1, 9).Select(i => $"w{i}"), Sorted(await _engine.LinesAsync(instance.Id)));
    }

    [Fact]
    public async Task Crossing_branches_with_delays_finish_once_both_delays_have_fired()
    {
        var instance = await RunAsync(Crossing(Lines(new Flow("completion-3"), 9))
            .Activity("delay1", "Elsa.Delay", ("timeSpan", Literal("00:00:05")))
            .Activity("delay2", "Elsa.Delay", ("timeSpan", Literal("00:00:10")))
            .Connect("w4", "delay1").Connect("delay1", "w7").Connect("w6", "delay2").Connect("delay2", "w8"));
        Assert.Equal(WorkflowStatus.Suspended, instance.Status);

        _engine.Clock.Advance(TimeSpan.FromSeconds(5));
        await _engine.Runtime.FireDueTimersAsync(10, CancellationToken.None);
        Assert.Equal(WorkflowStatus.Suspended, (await _engine.ReloadAsync(instance.Id)).Status);
        _engine.Clock.Advance(TimeSpan.FromSeconds(5));
        await _engine.Runtime.FireDueTimersAsync(10, CancellationToken.None);

        instance = await _engine.ReloadAsync(instance.Id);
        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        Assert.Empty(instance.Bookmarks);
        Assert.Equal(Enumerable.Range(1, 9).Select(i => $"w{i}"), Sorted(await _engine.LinesAsync(instance.Id)));
    }

    [Fact]
    public async Task A_decision_between_two_delays_finishes_after_the_delay_it_took()
    {
        var flow = new Flow("completion-4");
        foreach (var line in new[] { "w1", "w2", "w3", "w4", "w6", "w7", "w8" })
        {
            flow.WriteLine(line, line);
        }

        var instance = await RunAsync(flow
            .Activity("decide", "Elsa.FlowDecision", ("condition", Literal("True", "Boolean")))
            .Activity("delay1", "Elsa.Delay", ("timeSpan", Literal("00:00:05")))
            .Activity("delay2", "Elsa.Delay", ("timeSpan", Literal("00:00:10")))
            .Connect("w1", "w2").Connect("w2", "w4").Connect("w1", "w3").Connect("w3", "decide").Connect("w3", "w6").Connect("w2", "decide")
            .Connect("decide", "delay1", "True").Connect("delay1", "w7").Connect("decide", "delay2", "False").Connect("delay2", "w8"));
        Assert.Equal(WorkflowStatus.Suspended, instance.Status);

        _engine.Clock.Advance(TimeSpan.FromSeconds(5));
        await _engine.Runtime.FireDueTimersAsync(10, CancellationToken.None);

        instance = await _engine.ReloadAsync(instance.Id);
        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        Assert.Equal(["w1", "w2", "w3", "w4", "w6", "w7"], Sorted(await _engine.LinesAsync(instance.Id)));
    }

    [Fact]
    public async Task End_completes_the_whole_flowchart_at_once_cancelling_a_branch_that_still_waits()
    {
        var instance = await RunAsync(new Flow("end-terminal")
            .WriteLine("start", "start")
            .Activity("fork", "Elsa.FlowFork", ("branches", ObjectExpr("[\"A\",\"B\"]")))
            .Activity("wait", "Elsa.Event", ("eventName", Literal("never")))
            .WriteLine("after-wait", "after wait")
            .Activity("end", "Elsa.End")
            .Chain("start", "fork").Connect("fork", "wait", "A").Connect("wait", "after-wait").Connect("fork", "end", "B"));

        Assert.Equal(WorkflowStatus.Finished, instance.Status);
        Assert.Empty(instance.Bookmarks);
        Assert.Equal(["start"], await _engine.LinesAsync(instance.Id));
        Assert.Empty(await _engine.Runtime.TriggerEventAsync("never", null, null, CancellationToken.None));
    }

    private async Task<WorkflowInstance> RunAsync(Flow flow)
    {
        var definitionId = await _engine.PublishAsync(flow.Json());
        return await _engine.ReloadAsync((await _engine.StartAsync(definitionId)).Id);
    }

    private static Flow Lines(Flow flow, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            flow.WriteLine($"w{i}", $"w{i}");
        }

        return flow;
    }

    /// <summary>The crossing shape of Elsa's scenarios 2 and 3: two branches from w1 that cross at w5 and meet at w9.</summary>
    private static Flow Crossing(Flow flow) => flow
        .Connect("w1", "w2").Connect("w1", "w3").Connect("w2", "w4").Connect("w2", "w5").Connect("w3", "w5").Connect("w3", "w6")
        .Connect("w5", "w7").Connect("w5", "w8").Connect("w7", "w9").Connect("w8", "w9");

    private static List<string> Sorted(IEnumerable<string> lines) => [.. lines.Order(StringComparer.Ordinal)];
}
