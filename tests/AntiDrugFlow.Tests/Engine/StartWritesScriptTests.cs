using System.Globalization;
using System.Text.Json.Nodes;
using AntiDrugFlow.Benchmarks;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Npgsql;
using Xunit;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>
/// The durable benchmark's second reference: pgbench sending a start's own writes (<see cref="StartWritesScript"/>)
/// must write what the engine writes for a start, or its rate would be the rate of something else.
/// </summary>
public sealed class StartWritesScriptTests : IAsyncLifetime
{
    private EngineHarness _engine = null!;

    public async Task InitializeAsync() => _engine = await EngineHarness.CreateAsync();

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task Each_pgbench_transaction_of_a_starts_writes_is_a_whole_new_instance_the_engine_reads_back_as_it_wrote_the_sample()
    {
        // The flow the durable benchmark samples: a line, a variable set in JavaScript, an e-mail, a task.
        var id = await _engine.PublishAsync(BenchmarkFlows.UntilHumanTask());
        var published = await _engine.Definitions.PublishedForStartAsync(id, fresh: false, CancellationToken.None);
        var sample = await _engine.Runtime.StartStepAsync(id, new JsonObject { ["caseNumber"] = "S-001" }, "S-001", new StartOptions(), CancellationToken.None);
        var script = StartWritesScript.From(sample.Step!, published!.Stamp);

        await RunPgbenchAsync(script, transactions: 2);

        var instances = await _engine.Instances.ListInstancesAsync(new InstanceFilter(DefinitionId: id), CancellationToken.None);
        Assert.Equal(3, instances.Count);
        var sampleJournal = (await _engine.Instances.JournalAsync(sample.Instance.Id, CancellationToken.None)).Select(j => (j.Event, j.ActivityId, j.Message)).ToList();
        foreach (var written in instances.Where(i => i.Id != sample.Instance.Id))
        {
            Assert.StartsWith(sample.Instance.Id, written.Id, StringComparison.Ordinal);
            var instance = await _engine.ReloadAsync(written.Id);
            Assert.Equal(WorkflowStatus.Suspended, instance.Status);
            Assert.Equal("S-001", instance.CorrelationId);
            var bookmark = Assert.Single(instance.Bookmarks);
            var task = Assert.Single(await _engine.Instances.ListTasksAsync(HumanTaskStatus.Pending, written.Id, CancellationToken.None));
            Assert.Equal(bookmark.TaskId, task.Id);
            Assert.Equal(bookmark.Id, task.BookmarkId);
            Assert.Equal("確認受理", task.TaskName);
            Assert.Equal(sampleJournal, (await _engine.Instances.JournalAsync(written.Id, CancellationToken.None)).Select(j => (j.Event, j.ActivityId, j.Message)).ToList());
            var message = Assert.Single(await _engine.OutboxAsync(new OutboxFilter(InstanceId: written.Id)));
            Assert.Equal("毒品案件通報 S-001", (string?)message.Payload["subject"]);
        }
    }

    private async Task RunPgbenchAsync(StartWritesScript script, int transactions)
    {
        var pgbench = PgbenchReference.Find() ?? throw new InvalidOperationException("pgbench was not found; PostgreSQL's binaries are installed by scripts/install-prerequisites postgres.");
        var file = Path.Combine(Path.GetTempPath(), $"adf-start-writes-test-{Guid.NewGuid():N}.sql");
        await File.WriteAllTextAsync(file, script.Text);
        try
        {
            var database = new NpgsqlConnectionStringBuilder(_engine.ConnectionString);
            // Two transactions take milliseconds; a pgbench waiting on something else is stopped and fails the test.
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var run = await PgbenchReference.RunAsync(
                pgbench,
                new[] { "-h", database.Host!, "-p", database.Port.ToString(CultureInfo.InvariantCulture), "-U", database.Username!, "-n", "-M", "prepared", "-c", "1", "-t", transactions.ToString(CultureInfo.InvariantCulture) }
                    .Concat(script.DefineArguments()).Concat(["-f", file, database.Database!]),
                timeout.Token);
            Assert.True(run.ExitCode == 0, $"pgbench failed ({run.ExitCode}): {run.Error} {run.Output}");
            Assert.Contains($"number of transactions actually processed: {transactions}/{transactions}", run.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
