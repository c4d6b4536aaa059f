using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AntiDrugFlow.Host.Health;

/// <summary>Settings of the readiness checks, bound from the "Health" section.</summary>
public sealed class HealthOptions
{
    /// <summary>Longer than this, a due outbox message waiting for a host means delivery has stopped: not ready.</summary>
    public TimeSpan OutboxMaxDueAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest one check may take before it counts as failed.</summary>
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// <c>/health/live</c> (the process answers) and <c>/health/ready</c> (every check tagged <see cref="ReadyTag"/> passes),
/// anonymous, uncached, answering with the checks' names and statuses only: no message, no exception, no address.
/// Another module adds its readiness with <c>services.AddHealthChecks().AddCheck&lt;T&gt;(name, tags: [HealthExtensions.ReadyTag])</c>.
/// </summary>
public static class HealthExtensions
{
    public const string ReadyTag = "ready";

    public const string LivePath = "/health/live";

    public const string ReadyPath = "/health/ready";

    public static WebApplicationBuilder AddServiceHealth(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection("Health").Get<HealthOptions>() ?? new HealthOptions();
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(settings));
        builder.Services.TryAddSingleton<StartupProgress>();
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", HealthStatus.Unhealthy, [ReadyTag], settings.CheckTimeout)
            .AddCheck<DefinitionsLoadedHealthCheck>("definitions", HealthStatus.Unhealthy, [ReadyTag], settings.CheckTimeout)
            .AddCheck<OutboxBacklogHealthCheck>("outbox", HealthStatus.Unhealthy, [ReadyTag], settings.CheckTimeout);
        if (AntiDrugFlow.Integrations.Scheduling.DeadlinesExtensions.RunsJobServer(builder.Configuration))
        {
            // Only a host that runs a Hangfire server is checked for it.
            builder.Services.AddHealthChecks().AddCheck<HangfireServerHealthCheck>("hangfire", HealthStatus.Unhealthy, [ReadyTag], settings.CheckTimeout);
        }
        return builder;
    }

    public static WebApplication MapServiceHealth(this WebApplication app)
    {
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync }).AllowAnonymous();
        return app;
    }

    /// <summary><c>{"status":"Unhealthy","checks":{"database":"Unhealthy","definitions":"Healthy",…}}</c></summary>
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new HealthView(report.Status.ToString(), report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString(), StringComparer.Ordinal));
        return JsonSerializer.SerializeAsync(context.Response.Body, body, HealthJson.Default.HealthView, context.RequestAborted);
    }
}

public sealed record HealthView(string Status, IReadOnlyDictionary<string, string> Checks);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(HealthView))]
internal sealed partial class HealthJson : System.Text.Json.Serialization.JsonSerializerContext;
