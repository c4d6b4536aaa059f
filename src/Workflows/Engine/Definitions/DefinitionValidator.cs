using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Definitions;

/// <summary>Handed to each activity's own checks; collects errors with their paths.</summary>
public sealed class DefinitionValidationContext(WorkflowDefinition definition)
{
    public List<DefinitionError> Errors { get; } = [];

    public WorkflowDefinition Definition { get; } = definition;

    /// <summary>Records an error of a kind from <see cref="DefinitionErrorKinds"/> at a JSON path.</summary>
    public void Error(ErrorKind kind, string path, params string[] values) => Errors.Add(kind.At(path, values));

    public VariableDefinition? FindVariable(string idOrName) =>
        Definition.FindVariable(idOrName);

    /// <summary>Checks an expression's type and, for JavaScript, its syntax.</summary>
    public void CheckExpression(ExpressionSpec spec)
    {
        if (!ExpressionTypes.IsSupported(spec.Type))
        {
            Error(DefinitionErrorKinds.ExpressionTypeUnsupported, spec.JsonPath + ".type", spec.Type);
            return;
        }

        switch (spec.Type)
        {
            case ExpressionTypes.JavaScript:
                var code = JsonValues.AsString(spec.Value) ?? string.Empty;
                if (JavaScriptEvaluator.SyntaxError(code) is { } error)
                {
                    Error(DefinitionErrorKinds.JavaScriptSyntax, spec.JsonPath + ".value", error.Values);
                }

                break;
            case ExpressionTypes.Variable:
                var name = ExpressionEvaluator.VariableName(spec.Value);
                if (name is null || (FindVariable(name) is null && !Definition.Inputs.Any(i => i.Name == name)))
                {
                    Error(DefinitionErrorKinds.VariableUndeclared, spec.JsonPath + ".value", name ?? JsonValues.AsString(spec.Value) ?? string.Empty);
                }

                break;
        }
    }
}

/// <summary>
/// Checks a definition before it is saved as published: types, ids, connections and ports, required
/// inputs and the types of their literals, JavaScript syntax, reachability, and cycles that could only spin.
/// </summary>
public sealed class DefinitionValidator(ActivityRegistry registry)
{
    /// <summary>Reads and validates JSON text; the definition is null when there are errors.</summary>
    public (WorkflowDefinition? Definition, IReadOnlyList<DefinitionError> Errors) Load(string json)
    {
        var (definition, errors) = DefinitionReader.Read(json);
        return Complete(definition, errors);
    }

    public (WorkflowDefinition? Definition, IReadOnlyList<DefinitionError> Errors) Load(JsonObject document)
    {
        var (definition, errors) = DefinitionReader.Read(document);
        return Complete(definition, errors);
    }

    public WorkflowDefinition LoadOrThrow(string json)
    {
        var (definition, errors) = Load(json);
        return definition ?? throw new DefinitionValidationException(errors);
    }

    public IReadOnlyList<DefinitionError> Validate(WorkflowDefinition definition)
    {
        var context = new DefinitionValidationContext(definition);
        CheckVariables(definition, context);
        CheckActivities(definition, context);
        CheckConnections(definition, context);
        if (context.Errors.Count == 0)
        {
            CheckReachability(definition, context);
            CheckCycles(definition, context);
        }

        return context.Errors;
    }

    private (WorkflowDefinition?, IReadOnlyList<DefinitionError>) Complete(WorkflowDefinition? definition, List<DefinitionError> errors)
    {
        if (definition is null)
        {
            return (null, errors);
        }

        // The reader's errors and the validator's together: one pass reports every problem.
        var validation = Validate(definition);
        if (errors.Count == 0 && validation.Count == 0)
        {
            return (definition, validation);
        }

        return (null, [.. errors, .. validation]);
    }

    private void CheckActivities(WorkflowDefinition definition, DefinitionValidationContext context)
    {
        var firstPath = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in definition.Activities)
        {
            if (!firstPath.TryAdd(node.Id, node.JsonPath))
            {
                context.Error(DefinitionErrorKinds.ActivityIdDuplicate, $"{node.JsonPath}.id", node.Id, firstPath[node.Id]);
            }

            var activity = registry.Find(node);
            if (activity is null)
            {
                context.Error(DefinitionErrorKinds.ActivityTypeUnknown, $"{node.JsonPath}.type", node.Type);
                continue;
            }

            foreach (var input in activity.Inputs)
            {
                if (input.IsRequired && !node.HasInput(input.Name))
                {
                    context.Error(DefinitionErrorKinds.ActivityInputMissing, $"{node.JsonPath}.{input.Name}", node.Type, input.Name);
                }
                else if (node.Input(input.Name) is { } spec)
                {
                    CheckValue(input, spec, context);
                }
            }

            foreach (var (key, value) in node.Json)
            {
                if (value is JsonObject property && property["expression"] is not null && node.Input(key) is { } spec)
                {
                    context.CheckExpression(spec);
                }
            }

            activity.Validate(node, context);
            CheckMergeMode(node, context);
        }
    }

    /// <summary>An unknown <c>customProperties.mergeMode</c> is refused rather than run as Stream without a word.</summary>
    private static void CheckMergeMode(ActivityNode node, DefinitionValidationContext context)
    {
        if (node.Json["customProperties"] is JsonObject properties
            && properties[MergeModes.CustomProperty] is { } value
            && (value is not JsonValue || value.GetValueKind() != System.Text.Json.JsonValueKind.String || MergeModes.Parse(value.GetValue<string>()) is null))
        {
            context.Error(DefinitionErrorKinds.MergeModeUnknown, $"{node.JsonPath}.customProperties.{MergeModes.CustomProperty}", Quoted(value));
        }
    }

    /// <summary>Each variable's default against its declared typeName: a deadline of 「兩小時」 or 「-01:00:00」 is refused here.</summary>
    private static void CheckVariables(WorkflowDefinition definition, DefinitionValidationContext context)
    {
        foreach (var variable in definition.Variables)
        {
            if (variable.Value is { } value && value.GetValueKind() != JsonValueKind.Null && VariableType(variable.TypeName) is { } type && Mismatch(type, value) is not null)
            {
                context.Error(DefinitionErrorKinds.VariableDefaultMismatch, variable.JsonPath + ".value", variable.Name, variable.TypeName, Quoted(value), Expected(type));
            }
        }
    }

    /// <summary>The input type whose values a variable's Elsa typeName holds; null for text, objects and types this engine does not check.</summary>
    private static InputType? VariableType(string typeName) => typeName switch
    {
        "TimeSpan" => InputType.Duration,
        "Boolean" => InputType.Boolean,
        "Int16" or "Int32" or "Int64" or "Single" or "Double" or "Decimal" => InputType.Number,
        "DateTime" or "DateTimeOffset" => InputType.DateTime,
        _ => null,
    };

    /// <summary>
    /// Checks a literal, or the default of the variable a Variable expression (or a JavaScript getter such as
    /// <c>getUrgentAckDeadline()</c>) reads, against the input's declared type, so a value every run would fault
    /// on is refused before it is published.
    /// </summary>
    private static void CheckValue(InputDescriptor input, ExpressionSpec spec, DefinitionValidationContext context)
    {
        const string Expression = ".expression";
        var path = spec.JsonPath.EndsWith(Expression, StringComparison.Ordinal) ? spec.JsonPath[..^Expression.Length] : spec.JsonPath;
        if (spec.Type == ExpressionTypes.Literal && spec.Value is { } literal && Mismatch(input.Type, literal) is { } kind)
        {
            context.Error(kind, path, input.Name, Quoted(literal));
        }
        else if (spec.Type == ExpressionTypes.Variable
            && ExpressionEvaluator.VariableName(spec.Value) is { } name
            && context.FindVariable(name) is { Value: { } value } variable
            && Mismatch(input.Type, value) is not null)
        {
            context.Error(DefinitionErrorKinds.InputVariableDefaultMismatch, path, input.Name, variable.Name, Quoted(value), Expected(input.Type));
        }
        else if (spec.Type == ExpressionTypes.JavaScript && input.Type is not (InputType.Text or InputType.Json or InputType.Object or InputType.Array or InputType.VariableReference))
        {
            var code = JsonValues.AsString(spec.Value) ?? string.Empty;
            foreach (var read in context.Definition.Variables)
            {
                // Only variables declared with the input's own type are the value; others (a flag in a condition) only choose it.
                if (read.Value is { } readValue && readValue.GetValueKind() != JsonValueKind.Null && VariableType(read.TypeName) == input.Type
                    && ReadsVariable(code, read.Name) && Mismatch(input.Type, readValue) is not null)
                {
                    context.Error(DefinitionErrorKinds.InputVariableDefaultMismatch, path, input.Name, read.Name, Quoted(readValue), Expected(input.Type));
                }
            }
        }
    }

    /// <summary>Whether JavaScript reads a variable through its getter (getName()) or the variables object (variables.name).</summary>
    private static bool ReadsVariable(string code, string name) =>
        name.Length > 0
        && (code.Contains("get" + char.ToUpperInvariant(name[0]) + name[1..] + "(", StringComparison.Ordinal)
            || code.Contains("variables." + name, StringComparison.Ordinal));

    /// <summary>The error a value gets as an input of the type, or null when it fits; text, JSON and references take anything.</summary>
    private static ErrorKind? Mismatch(InputType type, JsonNode value)
    {
        var text = value is JsonValue ? JsonValues.AsString(value) : null;
        var kind = value.GetValueKind();
        switch (type)
        {
            case InputType.Duration:
                if (!JsonValues.TryTimeSpan(text, out var span))
                {
                    return DefinitionErrorKinds.InputNotADuration;
                }

                return span < TimeSpan.Zero ? DefinitionErrorKinds.InputNegativeDuration : null;
            case InputType.Boolean:
                var isBoolean = kind is JsonValueKind.True or JsonValueKind.False || (kind == JsonValueKind.String && bool.TryParse(text, out _));
                return isBoolean ? null : DefinitionErrorKinds.InputNotABoolean;
            case InputType.Number:
                var isNumber = kind == JsonValueKind.Number || (kind == JsonValueKind.String && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
                return isNumber ? null : DefinitionErrorKinds.InputNotANumber;
            case InputType.DateTime:
                return JsonValues.TryDateTimeOffset(text, out _) ? null : DefinitionErrorKinds.InputNotADateTime;
            default:
                return null;
        }
    }

    private static string Quoted(JsonNode value) => value is JsonValue ? JsonValues.AsString(value) ?? string.Empty : value.ToJsonString();

    private static string Expected(InputType type) => type switch
    {
        InputType.Duration => "不為負的時間長度",
        InputType.Boolean => "true 或 false",
        InputType.Number => "數字",
        InputType.DateTime => "日期時間",
        _ => type.ToString(),
    };

    private void CheckConnections(WorkflowDefinition definition, DefinitionValidationContext context)
    {
        foreach (var connection in definition.Connections)
        {
            // A connection joins activities of its own flowchart only: one nested elsewhere is unknown here.
            var source = definition.FindActivity(connection.Source) is { } s && s.Container == connection.Container ? s : null;
            var target = definition.FindActivity(connection.Target) is { } t && t.Container == connection.Container ? t : null;
            var sourcePath = connection.JsonPath + ".source";
            var targetPath = connection.JsonPath + ".target";
            if (source is null)
            {
                context.Error(DefinitionErrorKinds.ConnectionSourceUnknown, sourcePath, connection.Source);
            }
            else if (registry.Find(source) is { AcceptsAnyPort: false } activity)
            {
                var ports = activity.OutputPorts(source);
                if (ports.Count == 0)
                {
                    context.Error(DefinitionErrorKinds.ConnectionFromActivityWithoutPorts, sourcePath, source.Id, source.Type);
                }
                else if (!ports.Contains(connection.SourcePort))
                {
                    context.Error(DefinitionErrorKinds.ConnectionPortUnknown, sourcePath, source.Id, source.Type, connection.SourcePort, string.Join("、", ports));
                }
            }

            if (target is null)
            {
                context.Error(DefinitionErrorKinds.ConnectionTargetUnknown, targetPath, connection.Target);
            }
            else if (connection.TargetPort != Ports.In)
            {
                context.Error(DefinitionErrorKinds.ConnectionTargetPortUnknown, targetPath, target.Id, connection.TargetPort);
            }
        }
    }

    private static void CheckReachability(WorkflowDefinition definition, DefinitionValidationContext context)
    {
        if (definition.StartActivityId is not { } start)
        {
            return;
        }

        // A trigger (an Elsa.Cron or Elsa.HttpEndpoint with canStartWorkflow) starts instances of its own, so what follows
        // it is reached too. Each nested flowchart or body starts its own children when its container runs.
        var roots = definition.Activities.Where(a => Activities.CronActivity.IsTrigger(a) || Activities.HttpEndpointActivity.IsTrigger(a)).Select(a => a.Id).Prepend(start)
            .Concat(definition.ContainerStarts.Values.OfType<string>()).ToList();
        var reached = new HashSet<string>(roots, StringComparer.Ordinal);
        var pending = new Stack<string>(roots);
        while (pending.Count > 0)
        {
            foreach (var connection in definition.AllOutgoing(pending.Pop()))
            {
                if (reached.Add(connection.Target))
                {
                    pending.Push(connection.Target);
                }
            }
        }

        // Named from the start of the flowchart the activity belongs to: a nested one's own start, not the root's.
        foreach (var node in definition.Activities.Where(a => !reached.Contains(a.Id)))
        {
            var from = node.Container is { } container ? definition.StartOf(container) ?? container : start;
            context.Error(DefinitionErrorKinds.ActivityUnreachable, node.JsonPath, from, node.Id);
        }
    }

    /// <summary>A cycle is an error only when nothing in it waits, no connection leads out of it and no loop activity (Elsa.ForEach, Elsa.While) ends it.</summary>
    private void CheckCycles(WorkflowDefinition definition, DefinitionValidationContext context)
    {
        foreach (var component in StronglyConnected(definition))
        {
            var members = component.ToHashSet(StringComparer.Ordinal);
            var isCycle = component.Count > 1 || definition.AllOutgoing(component[0]).Any(c => c.Target == component[0]);
            if (!isCycle)
            {
                continue;
            }

            var waits = component.Any(id => registry.Find(definition.Activity(id)) is { } activity && (activity.CanWait || activity.IsLoop));
            var wayOut = component.Any(id => definition.AllOutgoing(id).Any(c => !members.Contains(c.Target)));
            if (!waits && !wayOut)
            {
                var ordered = definition.Activities.Where(a => members.Contains(a.Id)).ToList();
                context.Error(DefinitionErrorKinds.EndlessLoop, ordered[0].JsonPath, $"{string.Join(" → ", ordered.Select(a => a.Id))} → {ordered[0].Id}");
            }
        }
    }

    /// <summary>Tarjan's algorithm, iterative so a large definition cannot overflow the stack.</summary>
    private static List<List<string>> StronglyConnected(WorkflowDefinition definition)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var result = new List<List<string>>();
        var counter = 0;
        foreach (var root in definition.Activities.Select(a => a.Id))
        {
            if (index.ContainsKey(root))
            {
                continue;
            }

            var work = new Stack<(string Node, IEnumerator<FlowConnection> Edges)>();
            index[root] = low[root] = counter++;
            stack.Push(root);
            onStack.Add(root);
            work.Push((root, definition.AllOutgoing(root).GetEnumerator()));
            while (work.Count > 0)
            {
                var (node, edges) = work.Peek();
                if (edges.MoveNext())
                {
                    var next = edges.Current.Target;
                    if (definition.FindActivity(next) is null)
                    {
                        continue;
                    }

                    if (!index.ContainsKey(next))
                    {
                        index[next] = low[next] = counter++;
                        stack.Push(next);
                        onStack.Add(next);
                        work.Push((next, definition.AllOutgoing(next).GetEnumerator()));
                    }
                    else if (onStack.Contains(next))
                    {
                        low[node] = Math.Min(low[node], index[next]);
                    }

                    continue;
                }

                work.Pop();
                if (work.Count > 0)
                {
                    var parent = work.Peek().Node;
                    low[parent] = Math.Min(low[parent], low[node]);
                }

                if (low[node] == index[node])
                {
                    var component = new List<string>();
                    string member;
                    do
                    {
                        member = stack.Pop();
                        onStack.Remove(member);
                        component.Add(member);
                    }
                    while (member != node);
                    result.Add(component);
                }
            }
        }

        return result;
    }
}
