using AntiDrugFlow.Workflows.Expressions;

namespace AntiDrugFlow.Workflows.Runtime;

public sealed class EngineOptions
{
    /// <summary>Activities one step may run before the instance is faulted as a runaway loop.</summary>
    public int MaxStepsPerRun { get; set; } = 10_000;

    /// <summary>
    /// How many writers of grouped starts may run at once (<see cref="Persistence.StartGroups"/>): each holds one pooled
    /// connection while it writes. Starts arriving while they are all busy wait and are written together by the next.
    /// One by default: from 16 callers it started 3,719 a second against 2,991–3,352 with two (about eight starts a
    /// commit instead of five), and at 500 notifications a second PostgreSQL's backends spent 13 % less CPU with one group
    /// in flight instead of two (docs/BENCHMARKS.md, "One writer, generic plans and no spinning").
    /// </summary>
    public int StartWriters { get; set; } = 1;

    /// <summary>The most starts one writer puts in one transaction.</summary>
    public int StartGroupSize { get; set; } = 32;

    public JavaScriptLimits JavaScript { get; set; } = new();
}
