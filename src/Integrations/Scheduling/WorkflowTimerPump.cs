using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AntiDrugFlow.Integrations.Scheduling;

/// <summary>Settings of the engine's timer pump, bound from the "Timers" configuration section.</summary>
public sealed class TimerPumpOptions
{
    /// <summary>The longest the pump sleeps before looking again (another host may have added a timer due sooner).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Timers claimed and resumed in one transaction.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Batches this host runs at once, each on its own connection.</summary>
    public int Workers { get; set; } = 4;
}

/// <summary>
/// What the runtime tells after each commit: a new timer due before the pump's next look wakes it. The bookmark
/// table stays the only truth, so a lost signal costs at most one <see cref="TimerPumpOptions.PollInterval"/>.
/// </summary>
public sealed class TimerPumpSignal(TimeProvider time, IOptions<TimerPumpOptions> options) : IWorkflowScheduler, IDisposable
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    public ValueTask TimersChangedAsync(IReadOnlyList<Bookmark> added, IReadOnlyList<Bookmark> removed, CancellationToken cancellationToken)
    {
        var soon = time.GetUtcNow() + options.Value.PollInterval;
        if (added.Any(b => b.DueAt is { } due && due <= soon))
        {
            Wake();
        }

        return ValueTask.CompletedTask;
    }

    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    /// <summary>Waits until woken or until <paramref name="timeout"/> of real time has passed.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        await _wake.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _wake.Dispose();
}

/// <summary>
/// Fires the engine's timers on every host: <see cref="TimerPumpOptions.Workers"/> batches at once, each claiming due timers
/// with <c>FOR UPDATE SKIP LOCKED</c> and resuming them in the claim's transaction (<see cref="WorkflowRuntime.FireDueTimerBatchAsync"/>),
/// until nothing due is left, and starts the instances of cron triggers that are due; then it sleeps until the next due time, a signal, or the poll interval.
/// </summary>
public sealed class WorkflowTimerPump(
    WorkflowRuntime runtime,
    ITimerBookmarkQueries timers,
    TimerPumpSignal signal,
    TimeProvider time,
    IOptions<TimerPumpOptions> options,
    ILogger<WorkflowTimerPump> logger) : BackgroundService
{
    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(20);
    private long _fired;

    /// <summary>Timers this host has resumed since it started.</summary>
    public long Fired => Interlocked.Read(ref _fired);

    /// <summary>
    /// Fires everything due now, batches in parallel, then starts the instances of due cron triggers
    /// (<see cref="WorkflowRuntime.FireDueCronTriggersAsync"/>). Returns how many timers were resumed.
    /// </summary>
    public async Task<long> DrainAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var workers = Enumerable.Range(0, Math.Max(1, settings.Workers)).Select(_ => DrainOneAsync(settings.BatchSize, cancellationToken));
        var fired = (await Task.WhenAll(workers)).Sum();
        int started;
        do
        {
            // Each call moves what it claimed past now, so this ends once every due schedule has been claimed.
            started = await runtime.FireDueCronTriggersAsync(settings.BatchSize, cancellationToken);
        }
        while (started > 0);

        return fired;
    }

    private async Task<long> DrainOneAsync(int batchSize, CancellationToken cancellationToken)
    {
        long fired = 0;
        TimerBatch batch;
        do
        {
            batch = await runtime.FireDueTimerBatchAsync(batchSize, cancellationToken);
            fired += batch.Fired;
            Interlocked.Add(ref _fired, batch.Fired);
        }
        while (batch.Claimed >= batchSize);

        return fired;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.Value.PollInterval;
            try
            {
                await DrainAsync(stoppingToken);
                if (await timers.NextTimerDueAsync(stoppingToken) is { } next)
                {
                    var untilDue = next - time.GetUtcNow();
                    // A timer still due now is one whose instance another transaction holds: look again shortly, not at once.
                    wait = untilDue < MinimumWait ? MinimumWait : untilDue < wait ? untilDue : wait;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping: a batch in flight rolled back and its timers are another host's (or the next start's) to fire.
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                logger.LogError(ex, "Firing due timers failed; retrying after {Wait}", wait);
            }

            try
            {
                await signal.WaitAsync(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
