using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Definitions;

namespace AntiDrugFlow.Workflows.Models;

/// <summary>One expression of an activity input: <c>{"typeName":…,"expression":{"type":…,"value":…}}</c>.</summary>
public sealed record ExpressionSpec(string Type, JsonNode? Value, string? TypeName, string JsonPath);

public sealed record VariableDefinition(string Id, string Name, string TypeName, JsonNode? Value, int Index = -1)
{
    public string JsonPath => $"$.variables[{Index}]";
}

public sealed record InputDefinition(string Name, string TypeName, bool IsRequired);

/// <summary>
/// A connection between two activity ports, in either of Elsa's two JSON forms. <see cref="Index"/> is unique in the
/// definition (the root flowchart's connections first, then those of nested flowcharts); <see cref="Container"/> is the
/// nested flowchart the connection belongs to (null for the root).
/// </summary>
public sealed record FlowConnection(string Source, string SourcePort, string Target, string TargetPort, int Index, string? Container = null, string? Path = null)
{
    public string JsonPath => Path ?? $"$.root.connections[{Index}]";
}

/// <summary>An activity of a flowchart: its identity, its place in the JSON, and the raw JSON its inputs are read from.</summary>
public sealed class ActivityNode
{
    public required string Id { get; init; }

    public required string Type { get; init; }

    public string? Name { get; init; }

    public required int Index { get; init; }

    public required JsonObject Json { get; init; }

    /// <summary>
    /// The activity this one runs inside: a nested <c>Elsa.Flowchart</c> holding it in its <c>activities</c>, or an
    /// activity holding it as its <c>body</c> (<c>Elsa.FlowNode</c>, <c>Elsa.ParallelForEach</c>); null in the root flowchart.
    /// </summary>
    public string? Container { get; init; }

    private readonly string? _jsonPath;
    private string? _indexedPath;

    public string JsonPath
    {
        get => _jsonPath ?? (_indexedPath ??= $"$.root.activities[{Index}]");
        init => _jsonPath = value;
    }

    public string DisplayName => string.IsNullOrWhiteSpace(Name) ? Id : $"{Id} ({Name})";

    /// <summary>The merge mode its custom properties declare, as an int (-1: not read yet); kept by the runtime's <c>MergeModes.Of</c>.</summary>
    internal int DeclaredMergeMode = -1;

    // The activity's properties by name (any case) and its inputs as read, built once: a definition's activities are
    // read on every step by every thread, and reading them again would allocate on each (enumerating the JSON, the paths).
    private Dictionary<string, (string Key, JsonNode? Node)>? _properties;
    private System.Collections.Concurrent.ConcurrentDictionary<string, ExpressionSpec?>? _inputs;
    private readonly Lock _gate = new();

    public bool HasInput(string name) => FindProperty(name) is not null;

    /// <summary>Reads an input in Elsa's shape; a bare JSON value counts as a literal. Read once per activity and input.</summary>
    public ExpressionSpec? Input(string name)
    {
        var inputs = _inputs ?? InputsRead();
        return inputs.TryGetValue(name, out var known) ? known : inputs.GetOrAdd(name, ReadInput(name));
    }

    private System.Collections.Concurrent.ConcurrentDictionary<string, ExpressionSpec?> InputsRead()
    {
        lock (_gate)
        {
            return _inputs ??= new(StringComparer.OrdinalIgnoreCase);
        }
    }

    private ExpressionSpec? ReadInput(string name)
    {
        var (key, node) = FindProperty(name) ?? default;
        if (key is null || node is null)
        {
            return null;
        }

        var path = $"{JsonPath}.{key}";
        if (node is JsonObject obj && obj["expression"] is JsonNode expression)
        {
            var typeName = obj["typeName"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? obj["typeName"]!.GetValue<string>() : null;
            if (expression is JsonObject exprObj)
            {
                var type = exprObj["type"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? exprObj["type"]!.GetValue<string>() : "Literal";
                return new ExpressionSpec(type, Materialized(exprObj["value"]), typeName, path + ".expression");
            }

            // Some exports put the literal text straight into "expression".
            return new ExpressionSpec("Literal", Materialized(expression), typeName, path + ".expression");
        }

        return new ExpressionSpec("Literal", Materialized(node), null, path);
    }

    /// <summary>
    /// A text or boolean value of the document as a value of its own, detached from it: reading a value still backed by
    /// the parsed document decodes it again on every read. Numbers, objects and arrays are kept as written.
    /// </summary>
    private static JsonNode? Materialized(JsonNode? value) => value is JsonValue scalar
        ? scalar.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.String => JsonValue.Create(scalar.GetValue<string>()),
            System.Text.Json.JsonValueKind.True => JsonValue.Create(true),
            System.Text.Json.JsonValueKind.False => JsonValue.Create(false),
            _ => value,
        }
        : value;

    /// <summary>The raw JSON of a property that is not an expression (e.g. a variable reference, switch cases).</summary>
    public JsonNode? Raw(string name) => FindProperty(name)?.Node;

    private (string Key, JsonNode? Node)? FindProperty(string name) =>
        (_properties ?? Properties()).TryGetValue(name, out var found) ? found : null;

    private Dictionary<string, (string Key, JsonNode? Node)> Properties()
    {
        lock (_gate)
        {
            if (_properties is { } built)
            {
                return built;
            }

            var properties = new Dictionary<string, (string Key, JsonNode? Node)>(StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in Json)
            {
                properties.TryAdd(key, (key, value)); // the first of two names differing in case only, as before
            }

            return _properties = properties;
        }
    }
}

/// <summary>
/// A workflow definition version read from Elsa 3's JSON. The original document is kept whole, so an
/// export gives back the same shape (designer positions, custom properties and all).
/// </summary>
public sealed class WorkflowDefinition
{
    private readonly Dictionary<string, ActivityNode> _activities;
    private readonly Dictionary<string, VariableDefinition> _variables;
    private readonly Dictionary<(string Activity, string Port), List<FlowConnection>> _outgoing;
    private readonly Dictionary<string, List<FlowConnection>> _incoming;
    private readonly Dictionary<string, List<FlowConnection>> _bySource;

    public WorkflowDefinition(
        JsonObject document,
        string id,
        string definitionId,
        string name,
        int version,
        IReadOnlyList<VariableDefinition> variables,
        IReadOnlyList<InputDefinition> inputs,
        IReadOnlyList<ActivityNode> activities,
        IReadOnlyList<FlowConnection> connections,
        string? startActivityId,
        IReadOnlyDictionary<string, string?>? containerStarts = null)
    {
        ContainerStarts = containerStarts ?? new Dictionary<string, string?>(StringComparer.Ordinal);
        Document = document;
        Id = id;
        DefinitionId = definitionId;
        Name = name;
        Version = version;
        Variables = variables;
        Inputs = inputs;
        Activities = activities;
        Connections = connections;
        StartActivityId = startActivityId;
        _variables = new Dictionary<string, VariableDefinition>(StringComparer.Ordinal);
        foreach (var variable in variables)
        {
            _variables.TryAdd(variable.Id, variable);
            _variables.TryAdd(variable.Name, variable);
        }

        _activities = new Dictionary<string, ActivityNode>(StringComparer.Ordinal);
        foreach (var activity in activities)
        {
            _activities.TryAdd(activity.Id, activity);
        }

        _outgoing = [];
        _incoming = new Dictionary<string, List<FlowConnection>>(StringComparer.Ordinal);
        _bySource = new Dictionary<string, List<FlowConnection>>(StringComparer.Ordinal);
        foreach (var connection in connections)
        {
            if (!_bySource.TryGetValue(connection.Source, out var fromSource))
            {
                _bySource[connection.Source] = fromSource = [];
            }

            fromSource.Add(connection);
            var key = (connection.Source, connection.SourcePort);
            if (!_outgoing.TryGetValue(key, out var list))
            {
                _outgoing[key] = list = [];
            }

            list.Add(connection);
            if (!_incoming.TryGetValue(connection.Target, out var inbound))
            {
                _incoming[connection.Target] = inbound = [];
            }

            inbound.Add(connection);
        }
    }

    public JsonObject Document { get; }

    public string Id { get; }

    public string DefinitionId { get; }

    public string Name { get; }

    public int Version { get; }

    /// <summary>"DEFINITION vN", as the journal names the version an instance started on.</summary>
    public string VersionLabel => _versionLabel ??= $"{DefinitionId} v{Version}";

    private string? _versionLabel;

    public IReadOnlyList<VariableDefinition> Variables { get; }

    /// <summary>The first variable declared with this id or name (a reference may use either), or null.</summary>
    public VariableDefinition? FindVariable(string idOrName) => _variables.GetValueOrDefault(idOrName);

    public IReadOnlyList<InputDefinition> Inputs { get; }

    public IReadOnlyList<ActivityNode> Activities { get; }

    public IReadOnlyList<FlowConnection> Connections { get; }

    /// <summary>The activity a new instance starts at; null only for an empty flowchart.</summary>
    public string? StartActivityId { get; }

    /// <summary>The activity each container (nested flowchart, body-holding activity) starts its children at; null for an empty one.</summary>
    public IReadOnlyDictionary<string, string?> ContainerStarts { get; }

    /// <summary>Where a container's children start; null when it has none.</summary>
    public string? StartOf(string containerId) => ContainerStarts.GetValueOrDefault(containerId);

    public ActivityNode? FindActivity(string id) => _activities.GetValueOrDefault(id);

    public ActivityNode Activity(string id) =>
        _activities.TryGetValue(id, out var node) ? node : throw new KeyNotFoundException($"Activity '{id}' is not in definition '{DefinitionId}' version {Version}.");

    public IReadOnlyList<FlowConnection> Outgoing(string activityId, string port) =>
        _outgoing.TryGetValue((activityId, port), out var list) ? list : [];

    /// <summary>Every connection leaving the activity, whatever its port, in the order of the document (an index: no scan).</summary>
    public IReadOnlyList<FlowConnection> AllOutgoing(string activityId) =>
        _bySource.TryGetValue(activityId, out var list) ? list : [];

    /// <summary>What the reader accepted but reports, such as a definitionId derived from the name; never stops a definition.</summary>
    public IReadOnlyList<DefinitionError> Warnings { get; init; } = [];

    public IReadOnlyList<FlowConnection> Incoming(string activityId) =>
        _incoming.TryGetValue(activityId, out var list) ? list : [];

    /// <summary>
    /// True for a connection that goes back to an activity already on the way from the start (a loop's way
    /// back), as Elsa's flow graph tells forward from backward connections: a join does not wait for it.
    /// </summary>
    public bool IsBackward(FlowConnection connection) => (_backward ??= FindBackwardConnections()).Contains(connection.Index);

    private HashSet<int>? _backward;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, HashSet<string>> _forwardAncestors = new(StringComparer.Ordinal);

    /// <summary>The activities from which forward connections lead to this one (a loop's way back not followed).</summary>
    public IReadOnlySet<string> ForwardAncestors(string activityId) =>
        _forwardAncestors.TryGetValue(activityId, out var known) ? known : ComputeForwardAncestors(activityId);

    private HashSet<string> ComputeForwardAncestors(string activityId) => _forwardAncestors.GetOrAdd(activityId, id =>
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(id);
        while (pending.Count > 0)
        {
            foreach (var connection in Incoming(pending.Pop()))
            {
                if (!IsBackward(connection) && connection.Source != id && seen.Add(connection.Source))
                {
                    pending.Push(connection.Source);
                }
            }
        }

        return seen;
    });

    private HashSet<int> FindBackwardConnections()
    {
        var backward = new HashSet<int>();
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false: on the current path, true: done
        var starts = ContainerStarts.Values.OfType<string>();
        var roots = (StartActivityId is { } start ? starts.Prepend(start) : starts).Concat(Activities.Select(a => a.Id));
        foreach (var root in roots)
        {
            if (state.ContainsKey(root) || !_activities.ContainsKey(root))
            {
                continue;
            }

            var stack = new Stack<(string Id, IEnumerator<FlowConnection> Next)>();
            state[root] = false;
            stack.Push((root, AllOutgoing(root).GetEnumerator()));
            while (stack.Count > 0)
            {
                var (id, next) = stack.Peek();
                if (!next.MoveNext())
                {
                    state[id] = true;
                    stack.Pop();
                    continue;
                }

                var connection = next.Current;
                if (!state.TryGetValue(connection.Target, out var done))
                {
                    state[connection.Target] = false;
                    stack.Push((connection.Target, AllOutgoing(connection.Target).GetEnumerator()));
                }
                else if (!done)
                {
                    backward.Add(connection.Index);
                }
            }
        }

        return backward;
    }
}
