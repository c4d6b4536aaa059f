using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AntiDrugFlow.Integrations.Scheduling;

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
