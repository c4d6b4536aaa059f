using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>
/// An ended instance is deleted with its tasks, bookmarks and journal: they have no foreign key to cascade from, so the
/// deletion itself must take them, and an instance still waiting keeps everything.
/// </summary>
public sealed class InstanceDeletionTests
{
    [Fact]
    public async Task Deleting_an_ended_instance_takes_its_tasks_and_journal_and_leaves_other_instances_whole()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.PublishAsync(new Flow("deleted-with-rows")
            .WriteLine("say", "before the task")
            .Activity("check", "Elsa.RunTask", ("taskName", Literal("確認")))
            .Chain("say", "check")
            .Json());
        var ended = await engine.StartAsync("deleted-with-rows");
        var kept = await engine.StartAsync("deleted-with-rows");
        var endedTask = Assert.Single(await engine.Instances.ListTasksAsync(null, ended.Id, CancellationToken.None));
        var keptTask = Assert.Single(await engine.Instances.ListTasksAsync(null, kept.Id, CancellationToken.None));

        Assert.False(await engine.Instances.DeleteEndedAsync(kept.Id, CancellationToken.None));
        await engine.Runtime.CompleteTaskAsync(endedTask.Id, null, CancellationToken.None);
        Assert.Equal(WorkflowStatus.Finished, (await engine.Instances.GetAsync(ended.Id, CancellationToken.None))!.Status);
        Assert.NotEmpty(await engine.Instances.JournalAsync(ended.Id, CancellationToken.None));

        Assert.True(await engine.Instances.DeleteEndedAsync(ended.Id, CancellationToken.None));

        Assert.Null(await engine.Instances.GetAsync(ended.Id, CancellationToken.None));
        Assert.Null(await engine.Instances.GetTaskAsync(endedTask.Id, CancellationToken.None));
        Assert.Empty(await engine.Instances.JournalAsync(ended.Id, CancellationToken.None));
        Assert.False(await engine.Instances.DeleteEndedAsync(ended.Id, CancellationToken.None));
        // The waiting instance keeps its row, bookmark, task and journal.
        var waiting = (await engine.Instances.GetAsync(kept.Id, CancellationToken.None))!;
        Assert.Equal(WorkflowStatus.Suspended, waiting.Status);
        Assert.Single(waiting.Bookmarks);
        Assert.Equal(HumanTaskStatus.Pending, (await engine.Instances.GetTaskAsync(keptTask.Id, CancellationToken.None))!.Status);
        Assert.Equal(["before the task"], await engine.LinesAsync(kept.Id));
    }
}
