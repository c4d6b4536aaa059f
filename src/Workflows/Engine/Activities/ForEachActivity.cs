using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>
/// Elsa.ForEach in a flowchart: leaves by <c>Iterate</c> once per item (the item in its <c>currentValue</c>
/// output), the body connecting back into it, then by <c>Done</c>. Entering it anew starts over.
/// </summary>
public sealed class ForEachActivity : IActivity
{
    public static readonly Input<JsonNode> Items = new("items", IsRequired: true, DisplayName: "項目");

    private const string ItemsKey = "items";
    private const string IndexKey = "index";

    public string TypeName => "Elsa.ForEach";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [Items];

    public bool IsLoop => true;

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => [Ports.Iterate, Ports.DoneName];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var loops = context.Instance.State.Loops;
        var key = context.LoopKey(context.Node.Id);
        if (loops.TryGetValue(key, out var asked) && asked[LoopControl.BreakKey] is not null)
        {
            loops.Remove(key);
            return ValueTask.FromResult(ActivityOutcome.Done);
        }

        JsonObject state;
        if (context.EnteredByLoopBack && loops.TryGetValue(key, out var saved) && saved[ItemsKey] is JsonArray)
        {
            state = saved;
            state[IndexKey] = state[IndexKey]!.GetValue<int>() + 1;
        }
        else
        {
            // The items are read once, when the loop is entered, so the body may change what they were read from.
            var items = context.Get(Items) switch
            {
                JsonArray array => (JsonArray)array.DeepClone(),
                null => [],
                var single => [single.DeepClone()],
            };
            loops[key] = state = new JsonObject { [ItemsKey] = items, [IndexKey] = 0 };
        }

        var list = state[ItemsKey]!.AsArray();
        var index = state[IndexKey]!.GetValue<int>();
        if (index >= list.Count)
        {
            loops.Remove(key);
            return ValueTask.FromResult(ActivityOutcome.Done);
        }

        context.SetOutput("currentValue", list[index]);
        context.SetOutput("currentIndex", index);
        return ValueTask.FromResult(ActivityOutcome.Through(Ports.Iterate));
    }
}
