using AntiDrugFlow.Workflows.Expressions;

namespace AntiDrugFlow.Workflows.Runtime;

public sealed class EngineOptions
{
    /// <summary>Activities one step may run before the instance is faulted as a runaway loop.</summary>
    public int MaxStepsPerRun { get; set; } = 10_000;

    /// <summary>
    /// How many writers of grouped starts may run at once (<see cref="Persistence.StartGroups"/>): each holds one pooled
    /// connection while it writes. Starts arriving while they are all busy wait and are written together by the next.
    /// </summary>
    public int StartWriters { get; set; } = 2;

    /// <summary>The most starts one writer puts in one transaction.</summary>
    public int StartGroupSize { get; set; } = 32;

    public JavaScriptLimits JavaScript { get; set; } = new();
}
