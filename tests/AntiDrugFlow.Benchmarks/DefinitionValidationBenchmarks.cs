using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Models;
using BenchmarkDotNet.Attributes;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// Reading and validating a straight chain of N activities (Start, then WriteLines), from JSON text: the time
/// should grow linearly with N. Not sealed: BenchmarkDotNet derives its generated runner from this class.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class DefinitionValidationBenchmarks
{
    private readonly DefinitionValidator _validator = new(ActivityRegistry.WithBuiltIns());
    private string _json = string.Empty;

    [Params(1_000, 20_000, 50_000)]
    public int Activities { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var activities = new JsonArray();
        var connections = new JsonArray();
        for (var i = 0; i < Activities; i++)
        {
            activities.Add(new JsonObject
            {
                ["id"] = $"a{i}",
                ["type"] = i == 0 ? "Elsa.Start" : "Elsa.WriteLine",
                ["text"] = i == 0 ? null : FlowchartJson.Literal("x"),
            });
            if (i > 0)
            {
                connections.Add(new JsonObject { ["source"] = new JsonObject { ["activity"] = $"a{i - 1}", ["port"] = "Done" }, ["target"] = new JsonObject { ["activity"] = $"a{i}", ["port"] = "In" } });
            }
        }

        _json = new JsonObject
        {
            ["definitionId"] = "long-chain",
            ["root"] = new JsonObject { ["type"] = "Elsa.Flowchart", ["id"] = "root", ["activities"] = activities, ["connections"] = connections },
        }.ToJsonString();
        _validator.LoadOrThrow(_json);
    }

    [Benchmark(Description = "Read and validate a straight chain")]
    public WorkflowDefinition Validate() => _validator.LoadOrThrow(_json);
}
