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
/// Nothing leaves the process unless the standard OTEL_EXPORTER_OTLP_ENDPOINT (or a per-signal endpoint) is set, and
/// nothing is recorded either: without an exporter no span, metric or log record is made (a request's CPU, issue 17).
/// Code that wants them in-process (tests) adds its own exporter with <see cref="AddAntiDrugFlowTracing"/>.
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>Npgsql's own activity source and meter (Npgsql 10 emits both; the OpenTelemetry package would only name them).</summary>
    public const string Npgsql = "Npgsql";

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        // Every log line written inside a span carries its trace and span ids, whichever provider writes it.
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        // Whoever adds OpenTelemetry's logging (the exporter below, or a test's in-memory one) gets the messages and scopes.
        builder.Services.Configure<OpenTelemetryLoggerOptions>(o =>
        {
            o.IncludeScopes = true;
            o.IncludeFormattedMessage = true;
        });
        if (!OtlpConfigured(builder.Configuration))
        {
            // With no exporter the SDK would still sample and tag every request, command and activity for nobody.
            return builder;
        }

        builder.Logging.AddOpenTelemetry();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName: "antidrugflow", serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"))
            .WithTracing(t => t.AddAntiDrugFlowTracing())
            .WithMetrics(m => m.AddAntiDrugFlowMetrics())
            .UseOtlpExporter();
        return builder;
    }

    /// <summary>The host's spans: requests (health probes left out), outgoing HTTP, database commands, the engine's and the integrations' own.</summary>
    public static TracerProviderBuilder AddAntiDrugFlowTracing(this TracerProviderBuilder tracing) => tracing
        .AddSource(EngineTelemetry.Name, IntegrationsTelemetry.Name, Npgsql)
        .AddAspNetCoreInstrumentation(o =>
        {
            // Probes would be most of the traces and tell nothing.
            o.Filter = http => !http.Request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase);
            o.RecordException = false;
        })
        .AddHttpClientInstrumentation(o => o.RecordException = false);

    /// <summary>The engine's, the integrations', the host's and Npgsql's meters, with ASP.NET Core's and HttpClient's.</summary>
    public static MeterProviderBuilder AddAntiDrugFlowMetrics(this MeterProviderBuilder metrics) => metrics
        .AddMeter(EngineTelemetry.Name, IntegrationsTelemetry.Name, HostTelemetry.Name, Npgsql)
        .AddAspNetCoreInstrumentation()
        .AddHttpClientInstrumentation();

    private static bool OtlpConfigured(IConfiguration configuration) =>
        new[] { "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT" }
            .Any(key => !string.IsNullOrWhiteSpace(configuration[key]));
}
