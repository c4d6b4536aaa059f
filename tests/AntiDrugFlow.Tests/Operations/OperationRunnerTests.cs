using AntiDrugFlow.Integrations;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows;
using AntiDrugFlow.Workflows.Operations;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AntiDrugFlow.Tests.Operations;

/// <summary>The long operations' store and runner on a real database: progress, the end, failures, and operations whose host is gone.</summary>
public sealed class OperationRunnerTests : IAsyncLifetime
{
    private static readonly OperationStart Start = new("test.count", "測試作業", "user-1", "kee-liaison");

    private string _connectionString = null!;

    public async Task InitializeAsync() => _connectionString = await TestPostgres.CreateDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>One host's services on the test database, as the web host registers them.</summary>
    private ServiceProvider NewHost(TimeProvider? clock = null) => new ServiceCollection()
        .AddLogging()
        .AddSingleton(clock ?? TimeProvider.System)
        .AddWorkflowSystem(_connectionString, TestConfiguration.Empty, new Workflows.Agencies.AgencyDirectoryProvider(Outbox.TestAgencies.Directory()))
        .AddLongOperations()
        .BuildServiceProvider();

    private static async Task<LongOperation> WaitUntilAsync(PostgresOperationStore store, long id, Func<LongOperation, bool> condition)
    {
        // Polls the row the work writes; the bound only keeps a broken runner from hanging the run.
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (await store.GetAsync(id, CancellationToken.None) is { } operation && condition(operation))
            {
                return operation;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"operation {id} did not reach the expected state");
    }

    [Fact]
    public async Task Progress_is_written_while_the_work_runs_and_the_result_when_it_ends()
    {
        await using var host = NewHost();
        var runner = host.GetRequiredService<OperationRunner>();
        var halfway = new TaskCompletionSource();
        var carryOn = new TaskCompletionSource();

        var id = await runner.StartAsync(Start, async (progress, stopping) =>
        {
            await progress.ReportAsync("第一步", 3, 10, stopping);
            halfway.SetResult();
            await carryOn.Task.WaitAsync(stopping);
            await progress.ReportAsync("第二步", 10, 10, stopping);
            return new OperationResult("完成了十筆。", "/admin/agencies", "查看機關名錄");
        }, CancellationToken.None);

        await halfway.Task;
        var running = await runner.Store.GetAsync(id, CancellationToken.None);
        Assert.Equal(OperationStatus.Running, running!.Status);
        Assert.Equal("第一步", running.Stage);
        Assert.Equal(3, running.Done);
        Assert.Equal(10, running.Total);
        Assert.Equal(30, running.Percent);
        Assert.Null(running.FinishedAt);
        Assert.Equal("user-1", running.StartedByUser);
        Assert.Equal("kee-liaison", running.StartedByAgency);

        carryOn.SetResult();
        var finished = await WaitUntilAsync(runner.Store, id, o => !o.IsRunning);
        Assert.Equal(OperationStatus.Succeeded, finished.Status);
        Assert.Equal("第二步", finished.Stage);
        Assert.Equal(10, finished.Done);
        Assert.Equal("完成了十筆。", finished.Result!.Summary);
        Assert.Equal("/admin/agencies", finished.Result.Link);
        Assert.NotNull(finished.FinishedAt);
        Assert.Null(finished.Error);
    }

    [Fact]
    public async Task Progress_within_one_stage_is_written_at_most_once_per_interval_of_the_host_clock()
    {
        var clock = new TestClock();
        await using var host = NewHost(clock);
        var runner = host.GetRequiredService<OperationRunner>();
        var seen = new List<long>();
        var step = new SemaphoreSlim(0);
        var next = new SemaphoreSlim(0);

        var id = await runner.StartAsync(Start, async (progress, stopping) =>
        {
            for (var done = 1; done <= 6; done++)
            {
                await progress.ReportAsync("逐筆處理", done, 100, stopping);
                step.Release();
                await next.WaitAsync(stopping);
                // 100 ms of host time between items: a write every third item (250 ms).
                clock.Advance(TimeSpan.FromMilliseconds(100));
            }

            return new OperationResult("完成");
        }, CancellationToken.None);

        for (var done = 1; done <= 6; done++)
        {
            await step.WaitAsync();
            seen.Add((await runner.Store.GetAsync(id, CancellationToken.None))!.Done);
            next.Release();
        }

        // The first report opens the stage; after that, only every 250 ms of the clock (items 4 at 300 ms after item 1).
        Assert.Equal([1, 1, 1, 4, 4, 4], seen);
        var finished = await WaitUntilAsync(runner.Store, id, o => !o.IsRunning);
        Assert.Equal(6, finished.Done);
    }

    [Fact]
    public async Task A_failure_the_work_explains_is_recorded_with_its_message_and_problems()
    {
        await using var host = NewHost();
        var runner = host.GetRequiredService<OperationRunner>();

        var id = await runner.StartAsync(Start, (_, _) => throw new OperationFailedException(
            "檔案有 1 項錯誤，沒有任何變更。",
            new OperationResult("檔案有 1 項錯誤，沒有任何變更。", "/admin/agencies", "回到機關名錄", [new OperationProblem("a.csv 第3行", "parent", "找不到上級機關「x」。")])),
            CancellationToken.None);

        var failed = await WaitUntilAsync(runner.Store, id, o => !o.IsRunning);
        Assert.Equal(OperationStatus.Failed, failed.Status);
        Assert.Equal("檔案有 1 項錯誤，沒有任何變更。", failed.Error);
        var problem = Assert.Single(failed.Result!.Problems);
        Assert.Equal("a.csv 第3行", problem.Where);
        Assert.Equal("parent", problem.Field);
    }

    [Fact]
    public async Task An_unexpected_exception_fails_the_operation_without_showing_its_text()
    {
        await using var host = NewHost();
        var runner = host.GetRequiredService<OperationRunner>();

        var id = await runner.StartAsync(Start, (_, _) => throw new InvalidOperationException("secret detail: 王小明"), CancellationToken.None);

        var failed = await WaitUntilAsync(runner.Store, id, o => !o.IsRunning);
        Assert.Equal(OperationStatus.Failed, failed.Status);
        Assert.DoesNotContain("王小明", failed.Error, StringComparison.Ordinal);
        Assert.Contains($"作業編號 {id}", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopping_the_host_cancels_the_work_and_records_it_as_interrupted()
    {
        await using var host = NewHost();
        var runner = host.GetRequiredService<OperationRunner>();
        var started = new TaskCompletionSource();

        var id = await runner.StartAsync(Start, async (progress, stopping) =>
        {
            await progress.ReportAsync("等待", 0, null, stopping);
            started.SetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, stopping);
            return new OperationResult("不會到這裡");
        }, CancellationToken.None);
        await started.Task;

        await runner.StopAsync(CancellationToken.None);

        var interrupted = await runner.Store.GetAsync(id, CancellationToken.None);
        Assert.Equal(OperationStatus.Interrupted, interrupted!.Status);
        Assert.Equal(OperationRunner.ShutdownMessage, interrupted.Error);
        await Assert.ThrowsAsync<InvalidOperationException>(() => runner.StartAsync(Start, (_, _) => Task.FromResult(new OperationResult("x")), CancellationToken.None));
    }

    [Fact]
    public async Task An_operation_left_running_by_a_dead_host_is_marked_interrupted_when_a_host_starts()
    {
        long id;
        await using (var deadHost = NewHost())
        {
            // The host wrote the row and some progress, then went away without writing the end: its connection and lock are gone.
            var lease = await deadHost.GetRequiredService<PostgresOperationStore>().BeginAsync(Start, DateTimeOffset.UtcNow, "準備中", CancellationToken.None);
            await lease.WriteProgressAsync("逐筆處理", 40, 100, DateTimeOffset.UtcNow, CancellationToken.None);
            id = lease.Id;
            await lease.DisposeAsync();
        }

        await using var nextHost = NewHost();
        var marked = await nextHost.GetRequiredService<OperationRunner>().MarkAbandonedAsync(CancellationToken.None);

        Assert.Equal([id], marked);
        var interrupted = await nextHost.GetRequiredService<PostgresOperationStore>().GetAsync(id, CancellationToken.None);
        Assert.Equal(OperationStatus.Interrupted, interrupted!.Status);
        Assert.Equal(OperationRunner.AbandonedMessage, interrupted.Error);
        Assert.Equal(40, interrupted.Done);
        Assert.NotNull(interrupted.FinishedAt);
    }

    [Fact]
    public async Task An_operation_another_live_host_is_running_is_left_alone()
    {
        await using var busyHost = NewHost();
        await using var lease = await busyHost.GetRequiredService<PostgresOperationStore>().BeginAsync(Start, DateTimeOffset.UtcNow, "準備中", CancellationToken.None);

        await using var startingHost = NewHost();
        var marked = await startingHost.GetRequiredService<OperationRunner>().MarkAbandonedAsync(CancellationToken.None);

        Assert.DoesNotContain(lease.Id, marked);
        Assert.Equal(OperationStatus.Running, (await startingHost.GetRequiredService<PostgresOperationStore>().GetAsync(lease.Id, CancellationToken.None))!.Status);

        // Once the busy host writes the end, the check has nothing to do with it either.
        await lease.FinishAsync(OperationStatus.Succeeded, "完成", 1, 1, new OperationResult("完成"), null, DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.Empty(await startingHost.GetRequiredService<OperationRunner>().MarkAbandonedAsync(CancellationToken.None));
        Assert.Equal(OperationStatus.Succeeded, (await startingHost.GetRequiredService<PostgresOperationStore>().GetAsync(lease.Id, CancellationToken.None))!.Status);
    }
}
