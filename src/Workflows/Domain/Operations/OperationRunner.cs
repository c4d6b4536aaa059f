using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace AntiDrugFlow.Workflows.Operations;

public sealed class OperationOptions
{
    /// <summary>The least time between two progress writes of one operation (a stage change or the end is written at once).</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often a host looks for operations whose host has gone.</summary>
    public TimeSpan AbandonedCheckInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Runs long operations in the background of this host: the row is written as running before
/// <see cref="StartAsync"/> returns, the work runs on the thread pool with the host's stopping token,
/// progress is written as it goes, and the end (succeeded, failed, or interrupted by a shutdown) is
/// written when the work returns. A host that dies leaves its rows to <see cref="MarkAbandonedAsync"/>.
/// </summary>
/// <summary>A kind of operation that runs as a background job: its work, from the input stored with the operation.</summary>
public interface IOperationKind
{
    string Kind { get; }

    Task<OperationResult> RunAsync(JsonElement input, IOperationProgress progress, CancellationToken cancellationToken);
}

/// <summary>The durable job queue that runs queued operations on any host (the background job server).</summary>
public interface IOperationQueue
{
    /// <summary>Enqueues the job that calls <see cref="OperationRunner.RunQueuedAsync"/>; returns its id.</summary>
    string Enqueue(long operationId, string title);
}

public sealed class OperationRunner(
    PostgresOperationStore store,
    TimeProvider time,
    OperationOptions options,
    ILogger<OperationRunner> logger,
    IEnumerable<IOperationKind> kinds,
    IOperationQueue? queue = null)
{
    public static readonly JsonSerializerOptions InputJson = new(JsonSerializerDefaults.Web);

    public const string FirstStage = "準備中";

    public const string AbandonedMessage = "執行這項作業的主機在作業完成前停止了（重新啟動、當機或失去資料庫連線），作業已中斷，沒有完成的部分不會生效。請重新執行。";

    public const string ShutdownMessage = "系統關閉時這項作業尚未完成，已中斷，沒有完成的部分不會生效。請重新執行。";

    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<long, Task> _running = new();

    public PostgresOperationStore Store => store;

    /// <summary>Records the operation as running, starts its work in the background and returns its id.</summary>
    public async Task<long> StartAsync(OperationStart start, OperationWork work, CancellationToken cancellationToken)
    {
        if (_stopping.IsCancellationRequested)
        {
            throw new InvalidOperationException("the host is stopping; no operation starts now");
        }

        var lease = await store.BeginAsync(start, time.GetUtcNow(), FirstStage, cancellationToken);
        logger.LogInformation("Operation {OperationId} ({Kind}) started by {UserId}", lease.Id, start.Kind, start.UserId);
        var task = Task.Run(() => RunAsync(lease, start.Kind, work, _stopping.Token, requeueOnStop: false), CancellationToken.None);
        _running[lease.Id] = task;
        _ = task.ContinueWith(_ => _running.TryRemove(lease.Id, out var _), TaskScheduler.Default);
        return lease.Id;
    }

    /// <summary>
    /// Records the operation as running with its input and enqueues its background job, which runs it on whichever host
    /// takes it, and again after a restart if a host stops while running it. Returns the operation's id.
    /// </summary>
    public async Task<long> EnqueueAsync<TInput>(OperationStart start, TInput input, CancellationToken cancellationToken)
    {
        if (queue is null)
        {
            throw new InvalidOperationException("no background job queue is registered for long operations");
        }

        if (!kinds.Any(k => k.Kind == start.Kind))
        {
            throw new ArgumentException($"no operation kind '{start.Kind}' is registered", nameof(start));
        }

        var id = await store.CreateQueuedAsync(start, JsonSerializer.Serialize(input, InputJson), time.GetUtcNow(), FirstStage, cancellationToken);
        var jobId = queue.Enqueue(id, start.Title);
        await store.SetJobAsync(id, jobId, cancellationToken);
        logger.LogInformation("Operation {OperationId} ({Kind}) queued as job {JobId} by {UserId}", id, start.Kind, jobId, start.UserId);
        return id;
    }

    /// <summary>
    /// The background job's work: runs a queued operation unless it has ended (a job run twice does nothing more) or
    /// another host holds it. Stopped by <paramref name="cancellationToken"/> (a shutdown), it leaves the operation running
    /// and throws, so the job runs it again from the start on the next host.
    /// </summary>
    public async Task RunQueuedAsync(long operationId, CancellationToken cancellationToken)
    {
        if (await store.InputAsync(operationId, cancellationToken) is not var (kindName, input, _))
        {
            throw new InvalidOperationException($"operation {operationId} has no stored input");
        }

        var kind = kinds.FirstOrDefault(k => k.Kind == kindName)
            ?? throw new InvalidOperationException($"no operation kind '{kindName}' is registered on this host (operation {operationId})");
        if (await store.TryTakeAsync(operationId, cancellationToken) is not { } lease)
        {
            logger.LogInformation("Operation {OperationId} has ended or is being run by another host; nothing to do", operationId);
            return;
        }

        await RunAsync(lease, kindName, (progress, stopping) => kind.RunAsync(input, progress, stopping), cancellationToken, requeueOnStop: true);
    }

    /// <summary>Marks the operations left running by hosts that are gone as interrupted (at start-up and now and then).</summary>
    public async Task<IReadOnlyList<long>> MarkAbandonedAsync(CancellationToken cancellationToken)
    {
        var marked = await store.MarkAbandonedAsync(AbandonedMessage, time.GetUtcNow(), cancellationToken);
        foreach (var id in marked)
        {
            logger.LogWarning("Operation {OperationId} was left running by a host that is gone; marked interrupted", id);
        }

        return marked;
    }

    /// <summary>Cancels the work still running and waits for each to write its end (interrupted), as far as the shutdown allows.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_running.Values).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Shutdown did not wait for {Count} operations to write their end; the next start marks them interrupted", _running.Count);
        }
    }

    private async Task RunAsync(OperationLease lease, string kind, OperationWork work, CancellationToken stopping, bool requeueOnStop)
    {
        await using (lease)
        {
            var progress = new ThrottledProgress(lease, time, options.ProgressInterval);
            OperationStatus status;
            OperationResult? result = null;
            string? error = null;
            try
            {
                result = await work(progress, stopping);
                status = OperationStatus.Succeeded;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested && requeueOnStop)
            {
                // Left running, its lock let go with the lease: the job runs it again on the next host.
                logger.LogWarning("Operation {OperationId} ({Kind}) stopped by a shutdown; its job runs it again", lease.Id, kind);
                throw;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                status = OperationStatus.Interrupted;
                error = ShutdownMessage;
            }
            catch (OperationFailedException e)
            {
                status = OperationStatus.Failed;
                error = e.Message;
                result = e.Result;
            }
            // Whatever the work throws, the row must end and the host must go on.
            catch (Exception e)
            {
                logger.LogError(e, "Operation {OperationId} ({Kind}) failed", lease.Id, kind);
                status = OperationStatus.Failed;
                // The exception's own text may hold anything; the log keeps it, the page gets a fixed sentence.
                error = $"作業發生未預期的錯誤而停止，沒有完成的部分不會生效。詳細原因已記錄於系統日誌（作業編號 {lease.Id}）。";
            }

            try
            {
                await lease.FinishAsync(status, progress.Stage, progress.Done, progress.Total, result, error, time.GetUtcNow(), CancellationToken.None);
                logger.LogInformation("Operation {OperationId} ({Kind}) ended {Status}", lease.Id, kind, status);
            }
            // Without its end written the row stays running; the lock goes with the lease and another host's check marks it.
            catch (Exception e)
            {
                logger.LogError(e, "Operation {OperationId} could not record its end ({Status})", lease.Id, status);
            }
        }
    }

    /// <summary>Writes progress when the stage changes, when a stage ends, or once the interval has passed on the host's clock.</summary>
    private sealed class ThrottledProgress(OperationLease lease, TimeProvider time, TimeSpan interval) : IOperationProgress
    {
        private DateTimeOffset _lastWrite = DateTimeOffset.MinValue;

        public long OperationId => lease.Id;

        public string Stage { get; private set; } = FirstStage;

        public long Done { get; private set; }

        public long? Total { get; private set; }

        public async ValueTask ReportAsync(string stage, long done, long? total, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var now = time.GetUtcNow();
            var write = stage != Stage || done == total || now - _lastWrite >= interval;
            Stage = stage;
            Done = done;
            Total = total;
            if (write)
            {
                _lastWrite = now;
                await lease.WriteProgressAsync(stage, done, total, now, cancellationToken);
            }
        }
    }
}
