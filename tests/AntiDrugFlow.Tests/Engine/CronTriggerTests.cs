using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Scheduling;
using AntiDrugFlow.Workflows.Services;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>
/// Elsa.Cron as a trigger (customProperties.canStartWorkflow): each occurrence, read in Taipei time, starts one instance,
/// whichever and however many hosts claim it; retracting or publishing again replaces the schedule.
/// </summary>
public sealed class CronTriggerTests
{
    private static DateTimeOffset Taipei(int year, int month, int day, int hour, int minute) =>
        new(year, month, day, hour, minute, 0, TimeSpan.FromHours(8));

    private static string Daily(string definitionId, string expression = "0 9 * * *") => new Flow(definitionId)
        .Activity("cron", "Elsa.Cron", ("cronExpression", Literal(expression)))
        .CanStartWorkflow("cron")
        .WriteLine("tick", "tick")
        .Chain("cron", "tick")
        .Json();

    private static async Task<int> InstancesAsync(EngineHarness engine, string definitionId) =>
        (await engine.Instances.ListInstancesAsync(new InstanceFilter(DefinitionId: definitionId), CancellationToken.None)).Count;

    private static async Task<CronTriggerSchedule> ScheduleAsync(EngineHarness engine, string definitionId) =>
        Assert.Single(await CronTriggers.ListAsync(engine.Instances.DataSource, definitionId, CancellationToken.None));

    [Fact]
    public async Task Each_occurrence_starts_one_instance_that_runs_on_from_the_cron_activity()
    {
        var clock = new TestClock(Taipei(2026, 12, 3, 8, 30));
        await using var engine = await EngineHarness.CreateAsync(clock: clock);
        await engine.PublishAsync(new Flow("cron-start")
            .Activity("start", "Elsa.Start")
            .WriteLine("by-hand", "by hand")
            .Chain("start", "by-hand")
            .Activity("cron", "Elsa.Cron", ("cronExpression", Literal("0 9 * * 1-5")))
            .CanStartWorkflow("cron")
            .WriteLine("tick", "tick")
            .Chain("cron", "tick")
            .Json());

        Assert.Equal(Taipei(2026, 12, 3, 9, 0), (await ScheduleAsync(engine, "cron-start")).NextDueAt);
        clock.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(0, await engine.Runtime.FireDueCronTriggersAsync(10, CancellationToken.None));
        Assert.Equal(0, await InstancesAsync(engine, "cron-start"));

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await engine.Runtime.FireDueCronTriggersAsync(10, CancellationToken.None));
        var first = await engine.ReloadAsync(CronTriggers.InstanceId(new CronTriggerSchedule("cron-start", "cron", "cron-start:v1", "0 9 * * 1-5", Taipei(2026, 12, 3, 9, 0))));
        Assert.Equal(WorkflowStatus.Finished, first.Status);
        Assert.Equal(["tick"], await engine.LinesAsync(first.Id));
        Assert.Equal(Taipei(2026, 12, 4, 9, 0), (await ScheduleAsync(engine, "cron-start")).NextDueAt);
        Assert.Equal(0, await engine.Runtime.FireDueCronTriggersAsync(10, CancellationToken.None));

        clock.Advance(TimeSpan.FromDays(1)); // Friday 09:00: the next occurrence; Saturday and Sunday have none
        Assert.Equal(1, await engine.Runtime.FireDueCronTriggersAsync(10, CancellationToken.None));
        Assert.Equal(2, await InstancesAsync(engine, "cron-start"));
        Assert.Equal(Taipei(2026, 12, 7, 9, 0), (await ScheduleAsync(engine, "cron-start")).NextDueAt);

        // Started by hand, the same definition runs from its Start activity and never reaches the cron branch.
        var byHand = await engine.StartAsync("cron-start");
        Assert.Equal(["by hand"], await engine.LinesAsync(byHand.Id));
    }

    [Fact]
    public async Task Two_hosts_on_one_database_start_each_occurrence_once()
    {
        var clock = new TestClock(Taipei(2026, 12, 3, 8, 59));
        await using var first = await EngineHarness.CreateAsync(clock: clock);
        await using var second = await EngineHarness.CreateAsync(first.ConnectionString, clock);
        await first.PublishAsync(Daily("cron-race", "*/5 * * * *"));

        for (var occurrence = 1; occurrence <= 8; occurrence++)
        {
            clock.Advance(TimeSpan.FromMinutes(5));
            var started = await Task.WhenAll(
                Task.Run(() => first.Runtime.FireDueCronTriggersAsync(10, CancellationToken.None)),
                Task.Run(() => second.Runtime.FireDueCronTriggersAsync(10, CancellationToken.None)));
            Assert.Equal(1, started.Sum());
            Assert.Equal(occurrence, await InstancesAsync(first, "cron-race"));
        }
    }

    [Fact]
    public async Task An_occurrence_whose_instance_already_started_starts_nothing_and_the_schedule_moves_on()
    {
        var clock = new TestClock(Taipei(2026, 12, 3, 8, 30));
        await using var engine = await EngineHarness.CreateAsync(clock: clock);
        await engine.PublishAsync(Daily("cron-again"));
        var due = await ScheduleAsync(engine, "cron-again");

        // As if a host had started this occurrence's instance and died before moving the schedule on.
        await engine.Runtime.StartAsync("cron-again", null, null, new StartOptions(InstanceId: CronTriggers.InstanceId(due)), CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(30));

        Assert.Equal(0, await engine.Runtime.FireDueCronTriggersAsync(10, CancellationToken.None));
        Assert.Equal(1, await InstancesAsync(engine, "cron-again"));
        Assert.Equal(Taipei(2026, 12, 4, 9, 0), (await ScheduleAsync(engine, "cron-again")).NextDueAt);
    }

    [Fact]
    public async Task Occurrences_missed_while_no_host_ran_start_one_instance_then_the_schedule_goes_on_from_now()
    {
        var clock = new TestClock(Taipei(2026, 12, 3, 8, 30));
        await using var engine = await EngineHarness.CreateAsync(clock: clock);
        await engine.PublishAsync(Daily("cron-missed"));

        clock.Advance(TimeSpan.FromDays(3)); // 3, 4 and 5 December at 09:00 passed with no host running
        Assert.Equal(1, await engine.Runtime.FireDueCronTriggersAsync(10, CancellationToken.None));
        Assert.Equal(0, await engine.Runtime.FireDueCronTriggersAsync(10, CancellationToken.None));
        Assert.Equal(1, await InstancesAsync(engine, "cron-missed"));
        Assert.Equal(Taipei(2026, 12, 6, 9, 0), (await ScheduleAsync(engine, "cron-missed")).NextDueAt);
    }

    [Fact]
    public async Task Retracting_stops_the_schedule_and_publishing_a_new_version_replaces_it()
    {
        var clock = new TestClock(Taipei(2026, 12, 3, 8, 30));
        await using var engine = await EngineHarness.CreateAsync(clock: clock);
        await engine.PublishAsync(Daily("cron-retract"));

        Assert.True(await engine.Definitions.RetractAsync("cron-retract", CancellationToken.None));
        Assert.Empty(await CronTriggers.ListAsync(engine.Instances.DataSource, "cron-retract", CancellationToken.None));
        clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await engine.Runtime.FireDueCronTriggersAsync(10, CancellationToken.None));
        Assert.Equal(0, await InstancesAsync(engine, "cron-retract"));

        await engine.PublishAsync(Daily("cron-retract", "30 17 * * *"));
        var replaced = await ScheduleAsync(engine, "cron-retract");
        Assert.Equal(("cron-retract:v2", "30 17 * * *", Taipei(2026, 12, 4, 17, 30)), (replaced.DefinitionVersionId, replaced.CronExpression, replaced.NextDueAt));
        clock.Advance(TimeSpan.FromHours(9));
        Assert.Equal(1, await engine.Runtime.FireDueCronTriggersAsync(10, CancellationToken.None));
        var instance = Assert.Single(await engine.Instances.ListInstancesAsync(new InstanceFilter(DefinitionId: "cron-retract"), CancellationToken.None));
        Assert.Equal(2, instance.Version);
    }

    [Fact]
    public async Task A_cron_trigger_inside_a_nested_flowchart_is_indexed_and_its_flowchart_starts_at_it_when_it_fires()
    {
        // As Elsa indexes triggers (every activity of the workflow, nested ones included, with canStartWorkflow) and as its
        // flowchart starts at the trigger activity when it holds it: the root runs from its start, the nested flowchart
        // from the cron, which completes at once; started by hand, the nested flowchart runs from its own start instead.
        var clock = new TestClock(Taipei(2026, 12, 3, 8, 30));
        await using var engine = await EngineHarness.CreateAsync(clock: clock);
        var inner = new Flow("inner")
            .Activity("inner-start", "Elsa.Start")
            .WriteLine("by-hand", "by hand")
            .Chain("inner-start", "by-hand")
            .Activity("cron", "Elsa.Cron", ("cronExpression", Literal("0 9 * * *")))
            .CanStartWorkflow("cron")
            .WriteLine("tick", "nested tick")
            .Chain("cron", "tick");
        await engine.PublishAsync(new Flow("cron-nested")
            .Activity("start", "Elsa.Start")
            .WriteLine("before", "before")
            .Nested(inner.AsFlowchart("nested"))
            .WriteLine("after", "after")
            .Chain("start", "before", "nested", "after")
            .Json());

        var schedule = await ScheduleAsync(engine, "cron-nested");
        Assert.Equal(("cron", Taipei(2026, 12, 3, 9, 0)), (schedule.ActivityId, schedule.NextDueAt));
        clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(1, await engine.Runtime.FireDueCronTriggersAsync(10, CancellationToken.None));
        var fired = await engine.ReloadAsync(CronTriggers.InstanceId(schedule));
        Assert.Equal(WorkflowStatus.Finished, fired.Status);
        Assert.Equal(["before", "nested tick", "after"], await engine.LinesAsync(fired.Id));

        var byHand = await engine.ReloadAsync((await engine.StartAsync("cron-nested")).Id);
        Assert.Equal(WorkflowStatus.Finished, byHand.Status);
        Assert.Equal(["before", "by hand", "after"], await engine.LinesAsync(byHand.Id));
    }

    [Fact]
    public async Task A_cron_without_canStartWorkflow_is_no_trigger()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.PublishAsync(new Flow("cron-wait-only").Activity("cron", "Elsa.Cron", ("cronExpression", Literal("* * * * *"))).Json());

        Assert.Empty(await CronTriggers.ListAsync(engine.Instances.DataSource, "cron-wait-only", CancellationToken.None));
    }
}
