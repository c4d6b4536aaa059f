using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using Xunit;

namespace AntiDrugFlow.Tests.Service;

/// <summary>
/// The runtime settings the built host starts with, as the runtime reads them from its runtimeconfig.json
/// (src/Host/HostRuntime.props): workstation GC, and thread-pool workers that sleep when they run out of work instead of
/// spinning first (on two cores the spinning took the CPU PostgreSQL and the requests needed; docs/BENCHMARKS.md,
/// "One writer, generic plans and no spinning").
/// </summary>
public sealed class HostRuntimeSettingsTests
{
    [Fact]
    public void The_built_host_runs_workstation_GC_and_a_thread_pool_that_does_not_spin()
    {
        var config = Path.ChangeExtension(HostProcess.HostDll(), ".runtimeconfig.json");
        var properties = JsonNode.Parse(File.ReadAllText(config))?["runtimeOptions"]?["configProperties"]?.AsObject()
            ?? throw new InvalidOperationException($"{config} has no configProperties");

        Assert.False(properties["System.GC.Server"]?.GetValue<bool>());
        Assert.Equal(0, properties["System.Threading.ThreadPool.UnfairSemaphoreSpinLimit"]?.GetValue<int>());
    }
}
