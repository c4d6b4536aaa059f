using AntiDrugFlow.Workflows.Expressions;

namespace AntiDrugFlow.Workflows.Runtime;

public sealed class EngineOptions
{
    /// <summary>Activities one step may run before the instance is faulted as a runaway loop.</summary>
    public int MaxStepsPerRun { get; set; } = 10_000;

    /// <summary>
    /// How many writers of grouped starts may run at once (<see cref="Persistence.StartGroups"/>): each holds one pooled
    /// connection while it writes. Starts arriving while they are all busy wait and are written together by the next.
    /// Two by default, the second only once <see cref="StartWriterBacklog"/> starts wait: with one writer PostgreSQL did one
    /// backend's work at a time and from 16 callers the machine was half idle; a second writer started for any waiting
    /// start split the groups (about five starts a commit instead of eight), which PostgreSQL paid for at 500
    /// notifications a second (docs/BENCHMARKS.md, "One writer, generic plans and no spinning" and "A second writer for a
    /// backlog").
    /// </summary>
    public int StartWriters { get; set; } = 2;

    /// <summary>
    /// How many starts must be waiting before a writer beyond the first starts; with fewer, they wait for a running writer
    /// and go into its next group. 8 by default: from 16 callers two writers wrote 0.17–0.18 commits a start with it
    /// against 0.21 without (any waiting start), at a rate the machine could not tell apart (docs/BENCHMARKS.md, "A second
    /// writer for a backlog"); 1 starts another writer for any waiting start.
    /// </summary>
    public int StartWriterBacklog { get; set; } = 8;

    /// <summary>The most starts one writer puts in one transaction.</summary>
    public int StartGroupSize { get; set; } = 32;

    public JavaScriptLimits JavaScript { get; set; } = new();
}
