using AntiDrugFlow.Integrations;
using Xunit;
using System.Text.Json.Nodes;
using AntiDrugFlow.Integrations.Scheduling;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Scheduling;

/// <summary>Workflow timers as Quartz triggers: scheduled after commit, fired through the engine, restored when lost.</summary>
public sealed class WorkflowTimerTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 1, 0, 0, TimeSpan.Zero);

    private static string DelayFlow(string id) => new Flow(id)
        .Activity("wait", "Elsa.Delay", ("timeSpan", Literal("02:00:00", "TimeSpan")))
        .WriteLine("after", "after the delay")
        .Chain("wait", "after").Json();

    [Fact]
    public async Task A_delay_becomes_a_quartz_trigger_whose_firing_resumes_the_instance()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var clock = new MovingClock(Start);
        await using var host = await DeadlineHost.StartAsync(connectionString, clock, "timers-a", smtpPort: null);
        var definitions = host.Services.GetRequiredService<WorkflowDefinitionService>();
        await definitions.SaveAndPublishAsync(JsonNode.Parse(DelayFlow("delay"))!.AsObject(), CancellationToken.None);

        var instance = await host.Runtime.StartAsync("delay", null, null, CancellationToken.None);
        var bookmark = Assert.Single(instance.Bookmarks);
        var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(CancellationToken.None);
        var trigger = await scheduler.GetTrigger(QuartzWorkflowScheduler.TriggerKeyOf(bookmark.Id), CancellationToken.None);
        Assert.NotNull(trigger);
        Assert.Equal(Start.AddHours(2), trigger.StartTimeUtc);

        clock.Advance(TimeSpan.FromHours(2).Add(TimeSpan.FromSeconds(1)));
        var finished = await WaitForStatusAsync(host, instance.Id, WorkflowStatus.Finished);

        Assert.Empty(finished.Bookmarks);
        Assert.Contains(await host.Runtime.Store.JournalAsync(instance.Id, CancellationToken.None), j => j.Message == "after the delay");
        for (var attempt = 0; attempt < 100 && await scheduler.Exists(QuartzWorkflowScheduler.TriggerKeyOf(bookmark.Id), CancellationToken.None); attempt++)
        {
            await Task.Delay(100);
        }

        Assert.False(await scheduler.Exists(QuartzWorkflowScheduler.TriggerKeyOf(bookmark.Id), CancellationToken.None));
    }

    [Fact]
    public async Task A_timer_committed_without_a_trigger_gets_one_at_start_up_and_fires()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var clock = new MovingClock(Start);

        // A host that died between commit and scheduling: the bookmark is in the table, Quartz knows nothing of it.
        string instanceId;
        await using (var crashed = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(clock).AddWorkflowSystem(connectionString, TestConfiguration.Empty, await Infrastructure.ShippedDirectory.ProviderAsync()).BuildServiceProvider())
        {
            await crashed.GetRequiredService<WorkflowDefinitionService>().SaveAndPublishAsync(JsonNode.Parse(DelayFlow("delay"))!.AsObject(), CancellationToken.None);
            instanceId = (await crashed.GetRequiredService<WorkflowRuntime>().StartAsync("delay", null, null, CancellationToken.None)).Id;
        }

        await using var host = await DeadlineHost.StartAsync(connectionString, clock, "timers-b", smtpPort: null);
        // The start-up pass runs in the background; a pass of our own makes sure it is done either way.
        await host.Services.GetRequiredService<WorkflowTimerReconciler>().ReconcileAsync(CancellationToken.None);
        var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(CancellationToken.None);
        var triggers = await scheduler.QueryTriggers(new TriggerQuery { Group = GroupMatcher<TriggerKey>.GroupEquals(QuartzWorkflowScheduler.TriggerGroup), Take = TriggerQuery.All }, CancellationToken.None);
        Assert.Single(triggers.Items);
        clock.Advance(TimeSpan.FromHours(3));

        await WaitForStatusAsync(host, instanceId, WorkflowStatus.Finished);
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
    }

    [Fact]
    public async Task A_deadline_timer_whose_task_is_completed_first_loses_its_trigger()
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
        var timer = Assert.Single(instance.Bookmarks, b => b.Kind == BookmarkKind.Timer);
        var task = Assert.Single(instance.Bookmarks, b => b.Kind == BookmarkKind.Task);
        var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(CancellationToken.None);
        Assert.True(await scheduler.Exists(QuartzWorkflowScheduler.TriggerKeyOf(timer.Id), CancellationToken.None));

        var completion = await host.Runtime.CompleteTaskAsync(task.TaskId!, JsonValue.Create("ok"), CancellationToken.None);

        Assert.Equal(ResumeResult.Resumed, completion.Result);
        Assert.Equal(WorkflowStatus.Finished, completion.Instance!.Status);
        Assert.False(await scheduler.Exists(QuartzWorkflowScheduler.TriggerKeyOf(timer.Id), CancellationToken.None));
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
}
