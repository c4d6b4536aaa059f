using System.Diagnostics;
using System.Diagnostics.Metrics;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Diagnostics;

/// <summary>
/// The engine's traces and metrics, under one name a host subscribes to. Spans and measurements carry the definition,
/// its version, the activity's id and type and the instance id: never inputs, variables or outputs, which may name people.
/// </summary>
public static class EngineTelemetry
{
    public const string Name = "AntiDrugFlow.Workflows";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Started = Meter.CreateCounter<long>("workflow.instances.started", "{instance}", "Instances started (run or dispatched).");

    private static readonly Counter<long> Resumed = Meter.CreateCounter<long>("workflow.instances.resumed", "{instance}", "Instances resumed from a bookmark (timer, event, task).");

    private static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>("workflow.step.duration", "s", "Time one step takes in memory, from start or resume until no token can move.");

    private static readonly Histogram<double> TimerLateness = Meter.CreateHistogram<double>("workflow.timer.lateness", "s", "How long after its due time a timer fired.");

    private static readonly Histogram<int> StartGroupSize = Meter.CreateHistogram<int>("workflow.start.group.size", "{instance}", "Starts written in one transaction (group commit of concurrent starts).");

    /// <summary>A span for one step of an instance; null when nothing listens.</summary>
    internal static Activity? StartStep(string kind, WorkflowDefinition definition, WorkflowInstance instance)
    {
        // Nothing listening (the usual case): no span, and no name built for it.
        if (!Source.HasListeners())
        {
            return null;
        }

        var span = Source.StartActivity("workflow.step " + kind);
        if (span is not null)
        {
            span.SetTag("workflow.step.kind", kind);
            Tag(span, definition, instance);
        }

        return span;
    }

    /// <summary>A span for one activity's execution or resumption inside a step.</summary>
    internal static Activity? StartActivity(WorkflowDefinition definition, WorkflowInstance instance, ActivityNode node)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var span = Source.StartActivity("workflow.activity " + node.Type);
        if (span is not null)
        {
            Tag(span, definition, instance);
            span.SetTag("workflow.activity.id", node.Id);
            span.SetTag("workflow.activity.type", node.Type);
        }

        return span;
    }

    internal static void StepEnded(string kind, WorkflowDefinition definition, WorkflowInstance instance, Activity? span, TimeSpan elapsed)
    {
        var tags = new TagList { { "workflow.definition.id", definition.DefinitionId }, { "workflow.step.kind", kind } };
        StepDuration.Record(elapsed.TotalSeconds, tags);
        span?.SetTag("workflow.instance.status", instance.Status.ToString());
        if (instance.Status == WorkflowStatus.Faulted)
        {
            span?.SetStatus(ActivityStatusCode.Error, "instance faulted");
        }
    }

    public static void InstanceStarted(string definitionId) =>
        Started.Add(1, new KeyValuePair<string, object?>("workflow.definition.id", definitionId));

    internal static void InstanceResumed(string definitionId, BookmarkKind kind) =>
        Resumed.Add(1, new KeyValuePair<string, object?>("workflow.definition.id", definitionId), new KeyValuePair<string, object?>("workflow.bookmark.kind", kind.ToString()));

    internal static void StartGroupWritten(int starts) => StartGroupSize.Record(starts);

    internal static void TimerFired(string definitionId, TimeSpan lateness) =>
        TimerLateness.Record(Math.Max(0, lateness.TotalSeconds), new KeyValuePair<string, object?>("workflow.definition.id", definitionId));

    private static void Tag(Activity span, WorkflowDefinition definition, WorkflowInstance instance)
    {
        span.SetTag("workflow.definition.id", definition.DefinitionId);
        span.SetTag("workflow.definition.version", definition.Version);
        span.SetTag("workflow.instance.id", instance.Id);
    }
}
