using AntiDrugFlow.Integrations.Scheduling;
using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AntiDrugFlow.Host.Health;

/// <summary>
/// Ready while a Hangfire server of this process (its server name and process id, as Hangfire names servers) has
/// announced itself within <see cref="HeartbeatBound"/>: the background jobs (reminders, long operations) run here.
/// </summary>
public sealed class HangfireServerHealthCheck(JobStorage storage, BackgroundJobOptions settings) : IHealthCheck
{
    /// <summary>Hangfire's servers announce themselves every 30 seconds; a server silent for longer than this is not up.</summary>
    public static readonly TimeSpan HeartbeatBound = TimeSpan.FromMinutes(1);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var prefix = $"{(string.IsNullOrWhiteSpace(settings.ServerName) ? Environment.MachineName : settings.ServerName)}:{Environment.ProcessId}:";
        // Hangfire's heartbeats are written on the machine's clock.
        var now = DateTime.UtcNow;
        var up = storage.GetMonitoringApi().Servers().Any(s =>
            s.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && s.Heartbeat is { } beat && now - beat <= HeartbeatBound);
        return Task.FromResult(up ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("no background job server of this host"));
    }
}
