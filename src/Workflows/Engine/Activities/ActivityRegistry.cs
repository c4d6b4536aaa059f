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

    public IActivity? Find(string typeName) => _activities.GetValueOrDefault(typeName);

    public IActivity Get(string typeName) =>
        _activities.TryGetValue(typeName, out var activity) ? activity : throw new KeyNotFoundException($"Unknown activity type '{typeName}'.");
}
