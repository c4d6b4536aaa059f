using AntiDrugFlow.Integrations.Outbox;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AntiDrugFlow.Host.Health;

/// <summary>
/// Not ready when a due message has waited longer than <see cref="HealthOptions.OutboxMaxDueAge"/>: no host is delivering.
/// Messages waiting for a retry (an agency system that is down) do not count; they are the dead-letter page's business.
/// </summary>
public sealed class OutboxBacklogHealthCheck(OutboxBacklogMonitor monitor, IOptions<HealthOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var backlog = await monitor.SampleAsync(cancellationToken);
            return backlog.OldestDueFor <= options.Value.OutboxMaxDueAge
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"{(backlog.Due >= backlog.Window ? $"{backlog.Due} or more" : backlog.Due)} outbox messages due, the oldest for {backlog.OldestDueFor.TotalSeconds:0} s");
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("database unreachable", ex);
        }
    }
}
