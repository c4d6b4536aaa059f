using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AntiDrugFlow.Integrations.Scheduling;

public sealed class SchedulerOptions
{
    /// <summary>The longest a host sleeps before looking for due timers again (other hosts may add some).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public int BatchSize { get; set; } = 200;
}

/// <summary>
/// A durable scheduler over the bookmark table: timers are rows with a due time, fired by whichever host
/// gets the instance's row lock first. Wakes early when a step adds a timer due sooner.
/// </summary>
/// <remarks>
/// The runtime is lazy because it needs this scheduler (its <see cref="IWorkflowScheduler"/>) to be built first;
/// register it as <c>new Lazy&lt;WorkflowRuntime&gt;(sp.GetRequiredService&lt;WorkflowRuntime&gt;)</c>.
/// </remarks>
public sealed class PollingWorkflowScheduler(Lazy<WorkflowRuntime> lazyRuntime, ITimerBookmarkQueries timers, TimeProvider time, IOptions<SchedulerOptions> options, ILogger<PollingWorkflowScheduler> logger)
    : BackgroundService, IWorkflowScheduler
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    public ValueTask TimersChangedAsync(IReadOnlyList<Bookmark> added, IReadOnlyList<Bookmark> removed, CancellationToken cancellationToken)
    {
        if (added.Count > 0 && _wake.CurrentCount == 0)
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

        return ValueTask.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var runtime = lazyRuntime.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.Value.PollInterval;
            try
            {
                int fired;
                do
                {
                    fired = await runtime.FireDueTimersAsync(options.Value.BatchSize, stoppingToken);
                }
                while (fired >= options.Value.BatchSize);

                if (await timers.NextTimerDueAsync(stoppingToken) is { } next)
                {
                    var untilDue = next - time.GetUtcNow();
                    wait = untilDue < TimeSpan.Zero ? TimeSpan.Zero : untilDue < wait ? untilDue : wait;
                }
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                logger.LogError(ex, "Firing due timers failed; retrying");
            }

            using var sleep = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var woken = _wake.WaitAsync(sleep.Token);
            await Task.WhenAny(woken, Task.Delay(wait, time, sleep.Token));
            await sleep.CancelAsync();
            try
            {
                await woken;
            }
            catch (OperationCanceledException)
            {
                // The sleep ended by time, not by a new timer.
            }
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}

/// <summary>Runs instances left Running: dispatched ones, and any a crashed host was in the middle of.</summary>
public sealed class PendingInstanceRunner(WorkflowRuntime runtime, TimeProvider time, ILogger<PendingInstanceRunner> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await runtime.RunPendingAsync(100, stoppingToken) > 0)
                {
                    // Keep going while there is work.
                }
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                logger.LogError(ex, "Running pending instances failed; retrying");
            }

            try
            {
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
