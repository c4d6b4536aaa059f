using System.Collections.Concurrent;
using System.Text.Json;
using AntiDrugFlow.Integrations.Scheduling;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Tests.Scheduling;
using AntiDrugFlow.Workflows.Operations;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace AntiDrugFlow.Tests.Operations;

/// <summary>
/// Long operations as Hangfire jobs on a real database: the input stored with the operation lets any host run it, the job
/// run twice has one effect, and an operation stopped by a host's shutdown is finished by the host that starts next.
/// </summary>
public sealed class OperationJobTests : IAsyncLifetime
{
    private string _connectionString = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await TestPostgres.CreateDatabaseAsync();
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand("CREATE TABLE test_operation_effects (operation_id bigint NOT NULL, word text NOT NULL)", connection);
        await create.ExecuteNonQueryAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<DeadlineHost> StartHostAsync(string name) =>
        DeadlineHost.StartAsync(_connectionString, TimeProvider.System, name, smtpPort: null, services: s => s
            .AddLongOperations()
            .AddSingleton<IOperationKind, RecordingKind>());

    private static OperationStart Start(string title) => new(RecordingKind.KindName, title, "user-1", "kee-liaison");

    [Fact]
    public async Task An_operation_queued_on_one_host_is_run_by_another_from_its_stored_input()
    {
        await using var first = await StartHostAsync("ops-first");
        // The first host stops running jobs before it queues: only the stored input can carry the work to the second.
        await first.StopAsync();
        var id = await first.Services.GetRequiredService<OperationRunner>().EnqueueAsync(Start("測試作業：記下一個詞"), new RecordingInput("甲", BlockFirstRun: false), CancellationToken.None);
        var queued = await first.Services.GetRequiredService<PostgresOperationStore>().GetAsync(id, CancellationToken.None);
        Assert.Equal(OperationStatus.Running, queued!.Status);
        Assert.Equal(OperationRunner.FirstStage, queued.Stage);

        await using var second = await StartHostAsync("ops-second");
        var finished = await WaitForEndAsync(second, id);

        Assert.Equal(OperationStatus.Succeeded, finished.Status);
        Assert.Equal("記下了「甲」。", finished.Result!.Summary);
        Assert.Equal(["甲"], await EffectsAsync(id));
        var job = (await second.Services.GetRequiredService<PostgresOperationStore>().InputAsync(id, CancellationToken.None))!.Value.JobId!;
        using var connection = second.Services.GetRequiredService<JobStorage>().GetConnection();
        Assert.Equal("長時間作業 #" + id + "：測試作業：記下一個詞", connection.GetJobData(job).Job.Args[0]);
    }

    [Fact]
    public async Task Running_the_job_twice_has_one_effect()
    {
        await using var host = await StartHostAsync("ops-twice");
        var id = await host.Services.GetRequiredService<OperationRunner>().EnqueueAsync(Start("測試作業"), new RecordingInput("乙", BlockFirstRun: false), CancellationToken.None);
        var first = await WaitForEndAsync(host, id);

        // Once more as Hangfire would run it, and once requeued as 「重新排入佇列」 in the dashboard does.
        await host.Services.GetRequiredService<OperationJob>().RunAsync("again", id, CancellationToken.None);
        var job = (await host.Services.GetRequiredService<PostgresOperationStore>().InputAsync(id, CancellationToken.None))!.Value.JobId!;
        Assert.True(host.Services.GetRequiredService<IBackgroundJobClient>().Requeue(job));
        await WaitForJobStateAsync(host, job, "Succeeded");

        Assert.Equal(["乙"], await EffectsAsync(id));
        var after = await host.Services.GetRequiredService<PostgresOperationStore>().GetAsync(id, CancellationToken.None);
        Assert.Equal(first.FinishedAt, after!.FinishedAt);
        Assert.Equal(OperationStatus.Succeeded, after.Status);
    }

    [Fact]
    public async Task An_operation_stopped_by_a_host_shutdown_is_finished_after_restart()
    {
        var stopped = await StartHostAsync("ops-stopped");
        var id = await stopped.Services.GetRequiredService<OperationRunner>().EnqueueAsync(Start("測試作業"), new RecordingInput("丙", BlockFirstRun: true), CancellationToken.None);
        await RecordingKind.Started("丙").WaitAsync(TimeSpan.FromMinutes(2));
        await stopped.DisposeAsync();

        await using (var dataSource = NpgsqlDataSource.Create(_connectionString))
        {
            var left = await new PostgresOperationStore(dataSource).GetAsync(id, CancellationToken.None);
            Assert.Equal(OperationStatus.Running, left!.Status);
        }

        Assert.Empty(await EffectsAsync(id));

        await using var restarted = await StartHostAsync("ops-restarted");
        var finished = await WaitForEndAsync(restarted, id);
        Assert.Equal(OperationStatus.Succeeded, finished.Status);
        Assert.Equal(["丙"], await EffectsAsync(id));
    }

    private static async Task<LongOperation> WaitForEndAsync(DeadlineHost host, long id)
    {
        var store = host.Services.GetRequiredService<PostgresOperationStore>();
        // Polls the row; the bound only keeps a broken job from hanging the run.
        for (var attempt = 0; attempt < 1200; attempt++)
        {
            if (await store.GetAsync(id, CancellationToken.None) is { IsRunning: false } operation)
            {
                return operation;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"operation {id} did not end");
    }

    private static async Task WaitForJobStateAsync(DeadlineHost host, string jobId, string state)
    {
        using var connection = host.Services.GetRequiredService<JobStorage>().GetConnection();
        for (var attempt = 0; attempt < 1200; attempt++)
        {
            if (connection.GetStateData(jobId)?.Name == state)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"job {jobId} did not reach {state}");
    }

    private async Task<List<string>> EffectsAsync(long id)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT word FROM test_operation_effects WHERE operation_id = $1", connection) { Parameters = { new() { Value = id } } };
        await using var reader = await read.ExecuteReaderAsync();
        var words = new List<string>();
        while (await reader.ReadAsync())
        {
            words.Add(reader.GetString(0));
        }

        return words;
    }

    private sealed record RecordingInput(string Word, bool BlockFirstRun);

    /// <summary>An operation kind whose effect is a row: written once per run that completes.</summary>
    private sealed class RecordingKind(NpgsqlDataSource dataSource) : IOperationKind
    {
        public const string KindName = "test.record";

        private static readonly ConcurrentDictionary<string, TaskCompletionSource> Runs = new();

        public string Kind => KindName;

        public static Task Started(string word) => Runs.GetOrAdd(word, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public async Task<OperationResult> RunAsync(JsonElement input, IOperationProgress progress, CancellationToken cancellationToken)
        {
            var request = input.Deserialize<RecordingInput>(OperationRunner.InputJson)!;
            var run = Runs.GetOrAdd(request.Word, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
            if (request.BlockFirstRun && run.TrySetResult())
            {
                // The first run holds on until the host stops it.
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            await progress.ReportAsync("記錄", 0, 1, cancellationToken);
            await using var insert = dataSource.CreateCommand("INSERT INTO test_operation_effects (operation_id, word) VALUES ($1, $2)");
            insert.Parameters.Add(new() { Value = progress.OperationId });
            insert.Parameters.Add(new() { Value = request.Word });
            await insert.ExecuteNonQueryAsync(cancellationToken);
            return new OperationResult($"記下了「{request.Word}」。");
        }
    }
}
