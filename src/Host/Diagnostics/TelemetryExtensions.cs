using AntiDrugFlow.Integrations.Diagnostics;
using AntiDrugFlow.Workflows.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AntiDrugFlow.Host.Diagnostics;

/// <summary>
/// OpenTelemetry for the host: traces of requests, outgoing HTTP, database commands, the engine's steps and activities,
/// outbox deliveries and SMTP sends; the engine's, the outbox's and the host's metrics; logs carrying trace and span ids.
/// Nothing leaves the process unless the standard OTEL_EXPORTER_OTLP_ENDPOINT (or a per-signal endpoint) is set.
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>Npgsql's own activity source and meter (Npgsql 10 emits both; the OpenTelemetry package would only name them).</summary>
    public const string Npgsql = "Npgsql";

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        // Every log line written inside a span carries its trace and span ids, whichever provider writes it.
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeScopes = true;
            o.IncludeFormattedMessage = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName: "antidrugflow", serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"))
            .WithTracing(t => t
                .AddSource(EngineTelemetry.Name, IntegrationsTelemetry.Name, Npgsql)
                .AddAspNetCoreInstrumentation(o =>
                {
                    // Probes would be most of the traces and tell nothing.
                    o.Filter = http => !http.Request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase);
                    o.RecordException = false;
                })
                .AddHttpClientInstrumentation(o => o.RecordException = false))
            .WithMetrics(m => m
                .AddMeter(EngineTelemetry.Name, IntegrationsTelemetry.Name, HostTelemetry.Name, Npgsql)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation());
        if (OtlpConfigured(builder.Configuration))
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    private static bool OtlpConfigured(IConfiguration configuration) =>
        new[] { "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT" }
            .Any(key => !string.IsNullOrWhiteSpace(configuration[key]));
}
