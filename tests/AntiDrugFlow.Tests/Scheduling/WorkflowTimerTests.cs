using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Scheduling;

/// <summary>
/// Workflow timers fired by the engine's own pump on every host: claimed in batches with SKIP LOCKED, resumed in the
/// claim's transaction. Each fires once, never early, and none is lost when a host dies in the middle of a batch.
/// </summary>
public sealed class WorkflowTimerTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 1, 0, 0, TimeSpan.Zero);

    private static string DelayFlow(string id) => new Flow(id)
        .Activity("wait", "Elsa.Delay", ("timeSpan", Js("getInput('wait') || '02:00:00'", "TimeSpan")))
        .WriteLine("after", "after the delay")
        .Chain("wait", "after").Json();

    private static string GatedFlow(string id) => new Flow(id)
        .Activity("wait", "Elsa.Delay", ("timeSpan", Literal("02:00:00", "TimeSpan")))
        .Activity("gate", GateActivity.Type)
        .WriteLine("after", "after the delay")
        .Chain("wait", "gate", "after").Json();

    [Fact]
    public async Task A_delay_fires_from_the_engine_pump_once_and_leaves_no_bookmark()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var clock = new MovingClock(Start);
        await using var host = await DeadlineHost.StartAsync(connectionString, clock, "timers-a", smtpPort: null);
        await host.Services.GetRequiredService<WorkflowDefinitionService>().SaveAndPublishAsync(JsonNode.Parse(DelayFlow("delay"))!.AsObject(), CancellationToken.None);
        var instance = await host.Runtime.StartAsync("delay", null, null, CancellationToken.None);
        Assert.Equal(Start.AddHours(2), Assert.Single(instance.Bookmarks).DueAt);

        clock.Advance(TimeSpan.FromHours(2));
        var finished = await WaitForStatusAsync(host, instance.Id, WorkflowStatus.Finished);

        Assert.Empty(finished.Bookmarks);
        Assert.Null(await host.Services.GetRequiredService<ITimerBookmarkQueries>().NextTimerDueAsync(CancellationToken.None));
        Assert.Single(await host.Runtime.Store.JournalAsync(instance.Id, CancellationToken.None), j => j.Message == "after the delay");
    }

    [Fact]
    public async Task No_timer_fires_before_its_due_time()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var clock = new MovingClock(Start);
        await using var host = await DeadlineHost.StartAsync(connectionString, clock, "timers-early", smtpPort: null);
        await host.Services.GetRequiredService<WorkflowDefinitionService>().SaveAndPublishAsync(JsonNode.Parse(DelayFlow("delay"))!.AsObject(), CancellationToken.None);
        // Timers due every 37 seconds over about half an hour; the clock moves in minutes, so most steps land between two of them.
        var due = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var seconds in Enumerable.Range(1, 50).Select(n => n * 37))
        {
            var input = new JsonObject { ["wait"] = TimeSpan.FromSeconds(seconds).ToString("c") };
            var started = await host.Runtime.StartAsync("delay", input, null, CancellationToken.None);
            due[started.Id] = Start.AddSeconds(seconds);
        }

        for (var minute = 1; minute <= 32; minute++)
        {
            clock.Set(Start.AddMinutes(minute));
            await host.Timers.DrainAsync(CancellationToken.None);
            foreach (var (id, dueAt) in due)
            {
                var state = await host.Runtime.Store.GetAsync(id, CancellationToken.None);
                Assert.Equal(dueAt <= clock.GetUtcNow() ? WorkflowStatus.Finished : WorkflowStatus.Suspended, state!.Status);
            }
        }

        // The resumed step ran at the clock's time, which was never before the timer's due time.
        foreach (var (id, dueAt) in due)
        {
            var fired = Assert.Single(await host.Runtime.Store.JournalAsync(id, CancellationToken.None), j => j.Message == "after the delay");
            Assert.True(fired.At >= dueAt, $"{id} fired at {fired.At:O}, due {dueAt:O}");
        }
    }

    [Fact]
    public async Task The_running_pumps_of_two_hosts_start_a_cron_trigger_s_occurrence_once_and_wake_for_the_next()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var clock = new MovingClock(Start); // 09:00 in Taipei
        await using var first = await DeadlineHost.StartAsync(connectionString, clock, "cron-one", smtpPort: null);
        await using var second = await DeadlineHost.StartAsync(connectionString, clock, "cron-two", smtpPort: null);
        await first.Services.GetRequiredService<WorkflowDefinitionService>().SaveAndPublishAsync(JsonNode.Parse(new Flow("cron-pump")
            .Activity("cron", "Elsa.Cron", ("cronExpression", Literal("0 10 * * *")))
            .CanStartWorkflow("cron")
            .WriteLine("tick", "tick")
            .Chain("cron", "tick").Json())!.AsObject(), CancellationToken.None);
        var timers = first.Services.GetRequiredService<ITimerBookmarkQueries>();
        Assert.Equal(Start.AddHours(1), await timers.NextTimerDueAsync(CancellationToken.None));

        clock.Advance(TimeSpan.FromHours(1));
        await WaitForFinishedAsync(first, 1);
        await Task.WhenAll(first.Timers.DrainAsync(CancellationToken.None), second.Timers.DrainAsync(CancellationToken.None));

        Assert.Equal(1, await first.Runtime.Store.CountInstancesAsync(new InstanceFilter(DefinitionId: "cron-pump"), CancellationToken.None));
        Assert.Equal(Start.AddHours(25), await timers.NextTimerDueAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Two_hosts_resume_each_of_two_thousand_timers_due_together_exactly_once()
    {
        const int count = 2_000;
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var clock = new MovingClock(Start);
        await using var first = await DeadlineHost.StartAsync(connectionString, clock, "timers-one", smtpPort: null);
        await using var second = await DeadlineHost.StartAsync(connectionString, clock, "timers-two", smtpPort: null);
        await first.Services.GetRequiredService<WorkflowDefinitionService>().SaveAndPublishAsync(JsonNode.Parse(DelayFlow("delay"))!.AsObject(), CancellationToken.None);
        var ids = await StartManyAsync(first.Runtime, "delay", count);

        clock.Advance(TimeSpan.FromHours(2));
        await WaitForFinishedAsync(first, count);

        // A pump counts a batch once its transaction has committed, a moment after its instances read as finished.
        for (var attempt = 0; attempt < 100 && first.Timers.Fired + second.Timers.Fired < count; attempt++)
        {
            await Task.Delay(100);
        }

        Assert.Equal(count, first.Timers.Fired + second.Timers.Fired);
        Assert.True(first.Timers.Fired > 0 && second.Timers.Fired > 0, $"one host fired them all ({first.Timers.Fired} and {second.Timers.Fired})");
        await AssertEachFiredOnceAsync(first.Runtime.Store, ids);
    }

    [Fact]
    public async Task A_host_killed_in_the_middle_of_a_batch_leaves_its_timers_to_another_that_fires_each_once()
    {
        const int count = 600;
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var clock = new MovingClock(Start);
        var stuck = new GateActivity(holds: true);
        var dying = await DeadlineHost.StartAsync(connectionString, clock, "timers-dying", smtpPort: null, services: s => s.AddSingleton<IActivity>(stuck));
        string[] ids;
        try
        {
            await dying.Services.GetRequiredService<WorkflowDefinitionService>().SaveAndPublishAsync(JsonNode.Parse(GatedFlow("gated"))!.AsObject(), CancellationToken.None);
            ids = await StartManyAsync(dying.Runtime, "gated", count);

            // The dying host claims its batches and each of its workers is held inside one, its claim uncommitted.
            clock.Advance(TimeSpan.FromHours(2));
            await stuck.Entered.Task.WaitAsync(TimeSpan.FromSeconds(60));

            await using var survivor = await DeadlineHost.StartAsync(connectionString, clock, "timers-survivor", smtpPort: null, services: s => s.AddSingleton<IActivity>(new GateActivity(holds: false)));
            var dyingPump = dying.Timers;
            await dying.DisposeAsync();
            await WaitForFinishedAsync(survivor, count);

            Assert.Equal(0, dyingPump.Fired);
            Assert.Equal(count, survivor.Timers.Fired);
            await AssertEachFiredOnceAsync(survivor.Runtime.Store, ids);
        }
        finally
        {
            await dying.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_timer_due_while_every_host_was_down_resumes_its_instance_once_on_restart()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var clock = new MovingClock(Start);
        string instanceId;
        await using (var before = await DeadlineHost.StartAsync(connectionString, clock, "timers-c", smtpPort: null))
        {
            await before.Services.GetRequiredService<WorkflowDefinitionService>().SaveAndPublishAsync(JsonNode.Parse(DelayFlow("delay"))!.AsObject(), CancellationToken.None);
            instanceId = (await before.Runtime.StartAsync("delay", null, null, CancellationToken.None)).Id;
        }

        clock.Advance(TimeSpan.FromDays(2));
        await using var after = await DeadlineHost.StartAsync(connectionString, clock, "timers-d", smtpPort: null);
        await WaitForStatusAsync(after, instanceId, WorkflowStatus.Finished);

        var journal = await after.Runtime.Store.JournalAsync(instanceId, CancellationToken.None);
        Assert.Single(journal, j => j.Message == "after the delay");
        Assert.Equal(1, after.Timers.Fired);
    }

    [Fact]
    public async Task A_deadline_timer_whose_task_is_completed_first_never_fires()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var clock = new MovingClock(Start);
        await using var host = await DeadlineHost.StartAsync(connectionString, clock, "timers-e", smtpPort: null);
        await host.Services.GetRequiredService<WorkflowDefinitionService>().SaveAndPublishAsync(JsonNode.Parse(new Flow("race")
            .Activity("fork", "Elsa.FlowFork", ("branches", ObjectExpr("[\"Task\",\"Deadline\"]")))
            .Activity("ack", "Elsa.RunTask", ("taskName", Literal("Acknowledge")))
            .Activity("deadline", "Elsa.Delay", ("timeSpan", Literal("02:00:00")))
            .Activity("join", "Elsa.FlowJoin", ("mode", Literal("WaitAny")))
            .WriteLine("done", "done")
            .Connect("fork", "ack", "Task").Connect("fork", "deadline", "Deadline")
            .Connect("ack", "join").Connect("deadline", "join").Connect("join", "done").Json())!.AsObject(), CancellationToken.None);
        var instance = await host.Runtime.StartAsync("race", null, null, CancellationToken.None);
        var task = Assert.Single(instance.Bookmarks, b => b.Kind == BookmarkKind.Task);

        var completion = await host.Runtime.CompleteTaskAsync(task.TaskId!, JsonValue.Create("ok"), CancellationToken.None);
        clock.Advance(TimeSpan.FromHours(3));

        Assert.Equal(ResumeResult.Resumed, completion.Result);
        Assert.Equal(WorkflowStatus.Finished, completion.Instance!.Status);
        Assert.Equal(0, await host.Timers.DrainAsync(CancellationToken.None));
        Assert.Equal(0, host.Timers.Fired);
        Assert.Single(await host.Runtime.Store.JournalAsync(instance.Id, CancellationToken.None), j => j.Message == "done");
    }

    private static async Task<string[]> StartManyAsync(WorkflowRuntime runtime, string definitionId, int count)
    {
        var ids = new List<string>(count);
        foreach (var chunk in Enumerable.Range(0, count).Chunk(16))
        {
            var started = await Task.WhenAll(chunk.Select(_ => runtime.StartAsync(definitionId, null, null, CancellationToken.None)));
            ids.AddRange(started.Select(i => i.Id));
        }

        return [.. ids];
    }

    private static async Task AssertEachFiredOnceAsync(PostgresInstanceStore store, IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            var journal = await store.JournalAsync(id, CancellationToken.None);
            Assert.Single(journal, j => j.Message == "after the delay");
        }
    }

    private static async Task WaitForFinishedAsync(DeadlineHost host, int count)
    {
        var store = host.Runtime.Store;
        var finished = 0;
        for (var attempt = 0; attempt < 1200; attempt++)
        {
            finished = await store.CountInstancesAsync(new InstanceFilter(Status: WorkflowStatus.Finished), CancellationToken.None);
            if (finished == count)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"{finished} of {count} instances finished");
    }

    private static async Task<WorkflowInstance> WaitForStatusAsync(DeadlineHost host, string instanceId, WorkflowStatus status)
    {
        WorkflowInstance? instance = null;
        for (var attempt = 0; attempt < 600; attempt++)
        {
            instance = await host.Runtime.Store.GetAsync(instanceId, CancellationToken.None);
            if (instance?.Status == status)
            {
                return instance;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"instance {instanceId} stayed {instance?.Status}");
    }

    /// <summary>
    /// An activity a dying host's steps get stuck in: held, it waits until its host's token is cancelled, so the batch
    /// around it is in flight, claimed and uncommitted, when the host goes. Not held, it passes straight through.
    /// </summary>
    private sealed class GateActivity(bool holds) : IActivity
    {
        public const string Type = "Test.Gate";

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string TypeName => Type;

        public IReadOnlyList<InputDescriptor> Inputs { get; } = [];

        public async ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
        {
            if (holds)
            {
                Entered.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }

            return ActivityOutcome.Done;
        }
    }
}
