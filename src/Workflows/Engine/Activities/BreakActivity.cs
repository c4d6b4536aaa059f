using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>Elsa.Break: ends the nearest loop whose body it is in; the loop leaves by <c>Done</c>.</summary>
public sealed class BreakActivity : IActivity
{
    public string TypeName => "Elsa.Break";

    public IReadOnlyList<InputDescriptor> Inputs => [];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => Ports.None;

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        if (LoopControl.EnclosingLoop(context.Definition, context.Node.Id) is { } loop)
        {
            var loops = context.Instance.State.Loops;
            var key = context.LoopKey(loop);
            if (!loops.TryGetValue(key, out var state))
            {
                loops[key] = state = [];
            }

            state[LoopControl.BreakKey] = true;
            context.Schedule(loop);
        }

        return ValueTask.FromResult(ActivityOutcome.EndOfBranch);
    }
}

/// <summary>What loop activities and Elsa.Break share.</summary>
public static class LoopControl
{
    public const string BreakKey = "break";

    private static readonly HashSet<string> LoopTypes = new(StringComparer.Ordinal) { "Elsa.ForEach", "Elsa.While" };

    /// <summary>The nearest loop activity whose Iterate port leads to the activity, walking connections backwards.</summary>
    public static string? EnclosingLoop(WorkflowDefinition definition, string activityId)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { activityId };
        var pending = new Queue<string>();
        pending.Enqueue(activityId);
        while (pending.Count > 0)
        {
            foreach (var connection in definition.Incoming(pending.Dequeue()))
            {
                if (connection.SourcePort == Ports.Iterate && definition.FindActivity(connection.Source) is { } source && LoopTypes.Contains(source.Type))
                {
                    return source.Id;
                }

                if (seen.Add(connection.Source))
                {
                    pending.Enqueue(connection.Source);
                }
            }
        }

        return null;
    }
}
