using AntiDrugFlow.Workflows.Expressions;

namespace AntiDrugFlow.Workflows.Runtime;

public sealed class EngineOptions
{
    /// <summary>Activities one step may run before the instance is faulted as a runaway loop.</summary>
    public int MaxStepsPerRun { get; set; } = 10_000;

    public JavaScriptLimits JavaScript { get; set; } = new();
}
