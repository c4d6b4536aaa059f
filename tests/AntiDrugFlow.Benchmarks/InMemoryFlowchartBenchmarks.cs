using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;
using BenchmarkDotNet.Attributes;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// One run of the 10-activity sequential flowchart in memory: a new instance started and run to Finished.
/// The definitions are loaded and validated once in setup, as the durable runtime caches them; loading is
/// measured on its own. Not sealed: BenchmarkDotNet derives its generated runner from this class.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class InMemoryFlowchartBenchmarks
{
    private readonly WorkflowExecutor _executor = new(ActivityRegistry.WithBuiltIns(), TimeProvider.System, new EngineOptions());
    private readonly DefinitionValidator _validator = new(ActivityRegistry.WithBuiltIns());
    private string _javaScriptJson = string.Empty;
    private WorkflowDefinition? _javaScript;
    private WorkflowDefinition? _literal;

    [GlobalSetup]
    public void Setup()
    {
        _javaScriptJson = BenchmarkFlows.Sequence(javaScript: true);
        _javaScript = _validator.LoadOrThrow(_javaScriptJson);
        _literal = _validator.LoadOrThrow(BenchmarkFlows.Sequence(javaScript: false));

        // A benchmark of a run that silently took the False branch or faulted would measure the wrong thing.
        foreach (var definition in new[] { _javaScript, _literal })
        {
            var instance = RunAsync(definition).AsTask().GetAwaiter().GetResult();
            if (instance.Status != WorkflowStatus.Finished || instance.State.Variables["level"]?.ToJsonString() != "4")
            {
                throw new InvalidOperationException($"{definition.DefinitionId} ended {instance.Status} ({instance.Fault}) with level {instance.State.Variables["level"]?.ToJsonString()}, not Finished with level 4.");
            }
        }
    }

    [Benchmark(Baseline = true, Description = "Run, 4 JavaScript expressions")]
    public ValueTask<WorkflowInstance> RunWithJavaScript() => RunAsync(_javaScript!);

    [Benchmark(Description = "Run, Literal expressions only")]
    public ValueTask<WorkflowInstance> RunWithLiteralsOnly() => RunAsync(_literal!);

    [Benchmark(Description = "Load: read and validate the definition")]
    public WorkflowDefinition LoadDefinition() => _validator.LoadOrThrow(_javaScriptJson);

    private async ValueTask<WorkflowInstance> RunAsync(WorkflowDefinition definition)
    {
        var instance = WorkflowExecutor.NewInstance(definition, null, null, TimeProvider.System.GetUtcNow());
        await _executor.StartAsync(definition, instance, CancellationToken.None);
        return instance;
    }
}
