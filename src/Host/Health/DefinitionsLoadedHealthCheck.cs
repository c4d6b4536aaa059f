using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AntiDrugFlow.Host.Health;

/// <summary>Ready once the start-up import of the definition folder has run.</summary>
public sealed class DefinitionsLoadedHealthCheck(StartupProgress progress) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(progress.DefinitionsLoaded ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("definitions not loaded yet"));
}
