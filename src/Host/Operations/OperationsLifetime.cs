using AntiDrugFlow.Workflows.Operations;

namespace AntiDrugFlow.Host.Operations;

/// <summary>
/// Ties the long operations to the host: at start, operations left running by a host that is gone are
/// marked interrupted (before any page can show them as running); every so often the check runs again
/// for hosts that die while this one runs; at shutdown the operations running here are cancelled
/// with the host's stopping token and write their end.
/// </summary>
public sealed class OperationsLifetime(OperationRunner runner, OperationOptions options, TimeProvider time, ILogger<OperationsLifetime> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await runner.MarkAbandonedAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await runner.StopAsync(cancellationToken);
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.AbandonedCheckInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await runner.MarkAbandonedAsync(stoppingToken);
                }
                catch (Npgsql.NpgsqlException e)
                {
                    logger.LogWarning(e, "Could not check for abandoned operations; trying again in {Interval}", options.AbandonedCheckInterval);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }
}
