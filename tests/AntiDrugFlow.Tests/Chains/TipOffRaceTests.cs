using AntiDrugFlow.Workflows.Outbox;
using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Xunit;

namespace AntiDrugFlow.Tests.Chains;

/// <summary>The tip-off chain's race of "acknowledged" against "deadline passed", run by two hosts on one database.</summary>
public sealed class TipOffRaceTests
{
    private const string AcknowledgeTask = "確認收到學校反毒通報";

    [Fact]
    public async Task An_acknowledgement_and_the_deadline_arriving_in_the_same_second_on_two_hosts_continue_the_chain_once()
    {
        await using var first = await EngineHarness.CreateAsync();
        await using var second = await EngineHarness.CreateAsync(first.ConnectionString, first.Clock);
        await first.PublishChainAsync("tip-off-chain");
        var instances = new List<WorkflowInstance>();
        for (var i = 0; i < 6; i++)
        {
            instances.Add(await first.StartAsync("tip-off-chain", new
            {
                caseId = $"case-race-{i}",
                caseNumber = "TIP-115-000001",
                county = "TW-KEE",
                kind = "DrugSource",
                schoolId = "kee-sch-chenggong-jh",
                urgent = true,
                drugLevel = 2,
                statutoryReport = true,
            }, correlationId: $"case-race-{i}"));
        }

        first.Clock.Advance(TimeSpan.FromHours(2)); // every acknowledgement is due now
        foreach (var instance in instances)
        {
            // A routing's one timer fires first as its reminder and comes back as its deadline.
            foreach (var reminder in (await first.ReloadAsync(instance.Id)).Bookmarks.Where(b => b.Kind == BookmarkKind.Timer && b.Payload?["role"]?.GetValue<string>() == "reminder").ToList())
            {
                Assert.Equal(ResumeResult.Resumed, await first.Runtime.ResumeAsync(instance.Id, reminder.Id, null, CancellationToken.None));
            }
        }

        var races = new List<(WorkflowInstance Instance, HumanTask Task, Task<ResumeResult> Acknowledged, Task<ResumeResult> Deadline)>();
        foreach (var instance in instances)
        {
            var task = (await first.Instances.ListTasksAsync(HumanTaskStatus.Pending, instance.Id, CancellationToken.None))
                .First(t => t.TaskName == AcknowledgeTask);
            var deadline = (await first.ReloadAsync(instance.Id)).Bookmarks
                .Single(b => b.Kind == BookmarkKind.Timer && b.ActivityId == task.ActivityId && b.Payload?["role"]?.GetValue<string>() == "deadline" && b.Payload?["taskId"]?.GetValue<string>() == task.Id);
            var acknowledgement = new JsonObject { ["action"] = "acknowledge" };
            races.Add((instance, task,
                Task.Run(async () => (await first.Runtime.CompleteTaskAsync(task.Id, acknowledgement, CancellationToken.None)).Result),
                Task.Run(() => second.Runtime.ResumeAsync(instance.Id, deadline.Id, null, CancellationToken.None))));
        }

        foreach (var (instance, task, acknowledged, deadline) in races)
        {
            var results = new[] { await acknowledged, await deadline };
            Assert.Equal(1, results.Count(r => r == ResumeResult.Resumed));
            Assert.Equal(1, results.Count(r => r == ResumeResult.AlreadyResumed));

            var journal = await first.Instances.JournalAsync(instance.Id, CancellationToken.None);
            var resumed = Assert.Single(journal, j => j.ActivityId == task.ActivityId && j.Event == "Resumed" && j.Message?.EndsWith("reminder", StringComparison.Ordinal) != true);
            Assert.EndsWith(results[0] == ResumeResult.Resumed ? AcknowledgeTask : "deadline", resumed.Message, StringComparison.Ordinal);
            var continuations = journal.Where(j => j.Event == "Executed" && j.ActivityId is "police-acked" or "police-escalate").ToList();
            Assert.Single(continuations);
            var (winner, loser) = results[0] == ResumeResult.Resumed ? ("police-acked", "police-escalate") : ("police-escalate", "police-acked");
            Assert.Equal(winner, continuations[0].ActivityId);

            // The losing continuation wrote no message.
            Assert.DoesNotContain(await first.OutboxAsync(new OutboxFilter(InstanceId: instance.Id)), m => m.IdempotencyKey.StartsWith($"{instance.Id}:{loser}:", StringComparison.Ordinal));
        }
    }
}
