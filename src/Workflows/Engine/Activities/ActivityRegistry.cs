using AntiDrugFlow.Workflows.Models;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>Contributes activities that need services of their own (e.g. the agency directory) to the registry.</summary>
public interface IActivitySource
{
    IEnumerable<IActivity> Activities { get; }
}

/// <summary>The activities the engine knows, by JSON type name.</summary>
public sealed class ActivityRegistry
{
    private readonly Dictionary<string, IActivity> _activities = new(StringComparer.Ordinal);

    public ActivityRegistry(IEnumerable<IActivity> activities)
    {
        foreach (var activity in activities)
        {
            if (!_activities.TryAdd(activity.TypeName, activity))
            {
                throw new InvalidOperationException($"Activity type '{activity.TypeName}' is registered twice.");
            }
        }
    }

    /// <summary>The built-in Elsa activities plus any extra (domain) ones.</summary>
    public static ActivityRegistry WithBuiltIns(params IActivity[] extra) => new(BuiltInActivities.All().Concat(extra));

    public IEnumerable<IActivity> All => _activities.Values;

    private static readonly WorkflowDefinitionActivity DefinitionAsActivity = new();

    public IActivity? Find(string typeName) => _activities.GetValueOrDefault(typeName);

    public IActivity Get(string typeName) =>
        _activities.TryGetValue(typeName, out var activity) ? activity : throw new KeyNotFoundException($"Unknown activity type '{typeName}'.");

    /// <summary>The activity a node runs: its registered type, else a published definition used as an activity when the node names one.</summary>
    public IActivity? Find(ActivityNode node) =>
        _activities.GetValueOrDefault(node.Type) ?? (WorkflowDefinitionActivity.Describes(node) ? DefinitionAsActivity : null);

    public IActivity Get(ActivityNode node) =>
        Find(node) ?? throw new KeyNotFoundException($"Unknown activity type '{node.Type}'.");
}
