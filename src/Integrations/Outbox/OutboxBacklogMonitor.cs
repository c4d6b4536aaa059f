using AntiDrugFlow.Integrations.Diagnostics;
using AntiDrugFlow.Workflows.Outbox;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AntiDrugFlow.Integrations.Outbox;

/// <summary>Reads the outbox backlog for the readiness check and keeps the latest reading for the backlog gauges.</summary>
public sealed class OutboxBacklogMonitor(PostgresOutboxStore store, TimeProvider time)
{
    public async Task<OutboxBacklog> SampleAsync(CancellationToken cancellationToken)
    {
        var backlog = await store.BacklogAsync(time.GetUtcNow(), cancellationToken);
        IntegrationsTelemetry.BacklogSampled(backlog);
        return backlog;
    }
}

/// <summary>Samples the backlog every <see cref="OutboxOptions.BacklogSampleInterval"/>, so the gauges stay current without a query per collection.</summary>
public sealed class OutboxBacklogSampler(OutboxBacklogMonitor monitor, TimeProvider time, IOptions<OutboxOptions> options, ILogger<OutboxBacklogSampler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await monitor.SampleAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(ex, "Sampling the outbox backlog failed");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(options.Value.BacklogSampleInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
