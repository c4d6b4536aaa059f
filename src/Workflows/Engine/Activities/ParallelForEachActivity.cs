using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>
/// Elsa.ParallelForEach: runs its <c>body</c> once per item, every iteration at once, each in a run-time scope of its
/// own whose variables <c>CurrentValue</c> and <c>CurrentIndex</c> (JavaScript <c>getCurrentValue()</c>,
/// <c>getCurrentIndex()</c>) only that iteration sees. Leaves by <c>Done</c> once every iteration has completed, at
/// once for no items. Iterations that wait (an event, a task) are resumed in any order.
/// </summary>
public sealed class ParallelForEachActivity : IActivity
{
    public static readonly Input<JsonNode> Items = new("items", IsRequired: true, DisplayName: "項目");

    public const string CurrentValue = "CurrentValue";
    public const string CurrentIndex = "CurrentIndex";

    public string TypeName => "Elsa.ParallelForEach";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [Items];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var items = context.Get(Items) switch
        {
            JsonArray array => array,
            null => [],
            var single => [single.DeepClone()],
        };
        var started = 0;
        for (var index = 0; index < items.Count; index++)
        {
            if (context.StartScope(new JsonObject { [CurrentValue] = items[index]?.DeepClone(), [CurrentIndex] = index }) is not null)
            {
                started++;
            }
        }

        context.Journal("IterationsStarted", started.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return ValueTask.FromResult(started == 0 ? ActivityOutcome.Done : ActivityOutcome.Running);
    }

    public ValueTask<ActivityOutcome> ScopeCompletedAsync(ActivityExecutionContext context, RunScope completed, IReadOnlyList<string> outcomes) =>
        ValueTask.FromResult(context.RunningScopes == 0 ? ActivityOutcome.Done : ActivityOutcome.Running);
}
