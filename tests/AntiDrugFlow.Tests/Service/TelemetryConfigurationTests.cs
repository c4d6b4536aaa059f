using System.Diagnostics;
using AntiDrugFlow.Host.Diagnostics;
using AntiDrugFlow.Workflows.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Xunit;

namespace AntiDrugFlow.Tests.Service;

/// <summary>
/// OpenTelemetry is registered only when an OTLP endpoint is configured: without one, the host's spans are not even
/// sampled (no listener), so requests pay nothing for telemetry nobody reads.
/// </summary>
public sealed class TelemetryConfigurationTests
{
    [Fact]
    public async Task Without_an_OTLP_endpoint_no_tracer_or_meter_provider_is_registered()
    {
        // (Listeners are process-wide and other tests add their own, so this asserts the registration, not a source's listeners.)
        await using var app = Build(new Dictionary<string, string?>());

        Assert.Null(app.Services.GetService<TracerProvider>());
        Assert.Null(app.Services.GetService<MeterProvider>());
    }

    [Fact]
    public async Task With_an_OTLP_endpoint_the_host_s_tracer_and_meter_providers_are_registered_and_sample_the_engine_s_spans()
    {
        await using var app = Build(new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4317" });

        Assert.NotNull(app.Services.GetService<TracerProvider>());
        Assert.NotNull(app.Services.GetService<MeterProvider>());
        using var source = new ActivitySource(EngineTelemetry.Name);
        using var span = source.StartActivity("workflow.step start");
        Assert.NotNull(span);
        Assert.True(span.IsAllDataRequested);
    }

    private static WebApplication Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddTelemetry();
        return builder.Build();
    }
}
