using System.Text.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

public static class BuiltInActivities
{
    public static IEnumerable<IActivity> All() =>
    [
        new StartActivity(), new EndActivity(), new FinishActivity(), new WriteLineActivity(), new SetVariableActivity(),
        new FlowDecisionActivity(), new FlowSwitchActivity(), new FlowForkActivity(), new FlowJoinActivity(),
        new DelayActivity(), new TimerActivity(), new StartAtActivity(), new EventActivity(), new PublishEventActivity(),
        new RunTaskActivity(), new SendEmailActivity(), new SendHttpRequestActivity(),
    ];
}

public sealed class StartActivity : IActivity
{
    public string TypeName => "Elsa.Start";

    public IReadOnlyList<InputDescriptor> Inputs => [];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context) => ValueTask.FromResult(ActivityOutcome.Done);
}

/// <summary>Ends its branch; the workflow finishes when no branch is left running or waiting.</summary>
public sealed class EndActivity : IActivity
{
    public string TypeName => "Elsa.End";

    public IReadOnlyList<InputDescriptor> Inputs => [];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => Ports.None;

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context) => ValueTask.FromResult(ActivityOutcome.EndOfBranch);
}

/// <summary>Finishes the whole workflow at once, cancelling whatever else waits.</summary>
public sealed class FinishActivity : IActivity
{
    public string TypeName => "Elsa.Finish";

    public IReadOnlyList<InputDescriptor> Inputs => [];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => Ports.None;

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context) => ValueTask.FromResult(ActivityOutcome.FinishWorkflow);
}

public sealed class WriteLineActivity : IActivity
{
    public string TypeName => "Elsa.WriteLine";

    public IReadOnlyList<InputDescriptor> Inputs => [new("text", IsRequired: true)];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        context.WriteLine(context.EvaluateString("text") ?? string.Empty);
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}

public sealed class SetVariableActivity : IActivity
{
    public string TypeName => "Elsa.SetVariable";

    public IReadOnlyList<InputDescriptor> Inputs => [new("variable", IsRequired: true), new("value")];

    public void Validate(ActivityNode node, DefinitionValidationContext context)
    {
        var reference = node.Raw("variable");
        if (reference is null)
        {
            return;
        }

        var name = ExpressionEvaluator.VariableName(reference);
        if (name is null || context.FindVariable(name) is null)
        {
            context.Error(DefinitionErrorKinds.VariableUndeclared, $"{node.JsonPath}.variable", name ?? reference.ToJsonString());
        }
    }

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var reference = ExpressionEvaluator.VariableName(context.Node.Raw("variable"))!;
        var variable = context.Definition.Variables.FirstOrDefault(v => v.Id == reference || v.Name == reference);
        var value = context.Evaluate("value");
        context.SetVariable(variable?.Name ?? reference, JsonValues.Coerce(value, variable?.TypeName));
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}

public sealed class FlowDecisionActivity : IActivity
{
    public string TypeName => "Elsa.FlowDecision";

    public IReadOnlyList<InputDescriptor> Inputs => [new("condition", IsRequired: true)];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => ["True", "False"];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context) =>
        ValueTask.FromResult(ActivityOutcome.Through(context.EvaluateBool("condition") ? "True" : "False"));
}

/// <summary>Elsa.FlowSwitch: <c>cases</c> is a list of <c>{label, condition}</c>; ports are the labels and Default.</summary>
public sealed class FlowSwitchActivity : IActivity
{
    public string TypeName => "Elsa.FlowSwitch";

    public IReadOnlyList<InputDescriptor> Inputs => [new("cases", IsRequired: true), new("mode")];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => [.. Cases(node).Select(c => c.Label), "Default"];

    public void Validate(ActivityNode node, DefinitionValidationContext context)
    {
        if (node.Raw("cases") is { } cases && cases is not JsonArray)
        {
            context.Error(DefinitionErrorKinds.SwitchCasesNotAList, $"{node.JsonPath}.cases");
            return;
        }

        foreach (var (label, condition, index) in Cases(node))
        {
            if (string.IsNullOrWhiteSpace(label))
            {
                context.Error(DefinitionErrorKinds.SwitchCaseLabelMissing, $"{node.JsonPath}.cases[{index}].label");
            }

            if (condition is null)
            {
                context.Error(DefinitionErrorKinds.SwitchCaseConditionMissing, $"{node.JsonPath}.cases[{index}].condition");
            }
            else
            {
                context.CheckExpression(condition);
            }
        }
    }

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var matchAny = string.Equals(context.EvaluateString("mode"), "MatchAny", StringComparison.OrdinalIgnoreCase);
        var matched = new List<string>();
        foreach (var (label, condition, _) in Cases(context.Node))
        {
            if (condition is not null && JsonValues.AsBool(context.Evaluate(condition), condition.JsonPath))
            {
                matched.Add(label);
                if (!matchAny)
                {
                    break;
                }
            }
        }

        return ValueTask.FromResult(ActivityOutcome.Through(matched.Count > 0 ? matched : ["Default"]));
    }

    private static IEnumerable<(string Label, ExpressionSpec? Condition, int Index)> Cases(ActivityNode node)
    {
        if (node.Raw("cases") is not JsonArray cases)
        {
            yield break;
        }

        for (var i = 0; i < cases.Count; i++)
        {
            if (cases[i] is not JsonObject item)
            {
                continue;
            }

            var label = JsonValues.AsString(item["label"]) ?? string.Empty;
            var path = $"{node.JsonPath}.cases[{i}].condition";
            ExpressionSpec? condition = item["condition"] switch
            {
                JsonObject c when c["expression"] is JsonObject e => new ExpressionSpec(JsonValues.AsString(e["type"]) ?? ExpressionTypes.Literal, e["value"], null, path + ".expression"),
                JsonObject c => new ExpressionSpec(JsonValues.AsString(c["type"]) ?? ExpressionTypes.Literal, c["value"], null, path),
                null => null,
                JsonNode literal => new ExpressionSpec(ExpressionTypes.Literal, literal, null, path),
            };
            yield return (label, condition, i);
        }
    }
}

/// <summary>Elsa.FlowFork: <c>branches</c> is an Object expression holding a JSON array of port names.</summary>
public sealed class FlowForkActivity : IActivity
{
    public string TypeName => "Elsa.FlowFork";

    public IReadOnlyList<InputDescriptor> Inputs => [new("branches")];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => Branches(node, out _) ?? Ports.Done;

    public void Validate(ActivityNode node, DefinitionValidationContext context)
    {
        if (node.HasInput("branches") && Branches(node, out var notJson) is null)
        {
            if (notJson is not null)
            {
                context.Error(DefinitionErrorKinds.ForkBranchesNotJson, $"{node.JsonPath}.branches", notJson);
            }
            else
            {
                context.Error(DefinitionErrorKinds.ForkBranchesInvalid, $"{node.JsonPath}.branches");
            }
        }
    }

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context) =>
        ValueTask.FromResult(ActivityOutcome.Through(OutputPorts(context.Node)));

    /// <summary>The branch port names; null when they are missing or malformed, with the JSON parser's reason when the text is not JSON.</summary>
    private static IReadOnlyList<string>? Branches(ActivityNode node, out string? notJson)
    {
        notJson = null;
        var spec = node.Input("branches");
        if (spec is null)
        {
            return null;
        }

        var value = spec.Value;
        if (value is JsonValue text && text.GetValueKind() == JsonValueKind.String)
        {
            try
            {
                value = JsonNode.Parse(text.GetValue<string>());
            }
            catch (JsonException ex)
            {
                notJson = JsonSyntaxErrors.Reason(ex);
                return null;
            }
        }

        if (value is not JsonArray array || array.Count == 0 || array.Any(b => JsonValues.AsString(b) is not { Length: > 0 }))
        {
            return null;
        }

        return [.. array.Select(b => JsonValues.AsString(b)!)];
    }
}

/// <summary>Elsa.FlowJoin: WaitAll waits for every activity that connects into it; WaitAny goes on with the first and cancels the rest.</summary>
public sealed class FlowJoinActivity : IActivity
{
    public string TypeName => "Elsa.FlowJoin";

    public IReadOnlyList<InputDescriptor> Inputs => [new("mode")];

    public void Validate(ActivityNode node, DefinitionValidationContext context)
    {
        if (node.Input("mode") is { Type: ExpressionTypes.Literal } spec && JsonValues.AsString(spec.Value) is { } mode && mode is not ("WaitAll" or "WaitAny"))
        {
            context.Error(DefinitionErrorKinds.JoinModeUnknown, spec.JsonPath, mode);
        }
    }

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var joins = context.Instance.State.Joins;
        if (!joins.TryGetValue(context.Node.Id, out var state))
        {
            joins[context.Node.Id] = state = new JoinState();
        }

        if (context.Item.ViaConnection is int via)
        {
            state.Arrived.Add(via);
        }

        var waitAny = string.Equals(context.EvaluateString("mode"), "WaitAny", StringComparison.OrdinalIgnoreCase);
        if (waitAny)
        {
            joins.Remove(context.Node.Id);
            WorkflowExecutor.CancelBranchesInto(context.Definition, context.Step, context.Node.Id, context.Now);
            return ValueTask.FromResult(ActivityOutcome.Done);
        }

        // Every branch must arrive; connections from different ports of one activity are alternatives of one branch.
        var inbound = context.Definition.Incoming(context.Node.Id);
        if (inbound.GroupBy(c => c.Source).All(branch => branch.Any(c => state.Arrived.Contains(c.Index))))
        {
            joins.Remove(context.Node.Id);
            return ValueTask.FromResult(ActivityOutcome.Done);
        }

        return ValueTask.FromResult(ActivityOutcome.EndOfBranch);
    }
}

/// <summary>Base for activities that wait until a point in time.</summary>
public abstract class TimerActivityBase : IActivity
{
    public abstract string TypeName { get; }

    public abstract IReadOnlyList<InputDescriptor> Inputs { get; }

    public bool CanWait => true;

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var dueAt = DueAt(context);
        context.CreateBookmark(BookmarkKind.Timer, TypeName, context.Instance.CorrelationId, dueAt);
        return ValueTask.FromResult(ActivityOutcome.Suspended);
    }

    protected abstract DateTimeOffset DueAt(ActivityExecutionContext context);
}

public sealed class DelayActivity : TimerActivityBase
{
    public override string TypeName => "Elsa.Delay";

    public override IReadOnlyList<InputDescriptor> Inputs => [new("timeSpan", IsRequired: true)];

    protected override DateTimeOffset DueAt(ActivityExecutionContext context) => context.Now + context.EvaluateTimeSpan("timeSpan");
}

/// <summary>Inside a flow, Elsa.Timer waits one interval and goes on.</summary>
public sealed class TimerActivity : TimerActivityBase
{
    public override string TypeName => "Elsa.Timer";

    public override IReadOnlyList<InputDescriptor> Inputs => [new("interval", IsRequired: true)];

    protected override DateTimeOffset DueAt(ActivityExecutionContext context) => context.Now + context.EvaluateTimeSpan("interval");
}

public sealed class StartAtActivity : TimerActivityBase
{
    public override string TypeName => "Elsa.StartAt";

    public override IReadOnlyList<InputDescriptor> Inputs => [new("dateTime", IsRequired: true)];

    protected override DateTimeOffset DueAt(ActivityExecutionContext context) => JsonValues.AsDateTimeOffset(context.Evaluate("dateTime"), context.Where("dateTime"));
}

/// <summary>Waits for an event by name; an event with a correlation id resumes only instances with that id.</summary>
public sealed class EventActivity : IActivity
{
    public string TypeName => "Elsa.Event";

    public IReadOnlyList<InputDescriptor> Inputs => [new("eventName", IsRequired: true)];

    public bool CanWait => true;

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        context.CreateBookmark(BookmarkKind.Event, context.RequireString("eventName"), context.Instance.CorrelationId);
        return ValueTask.FromResult(ActivityOutcome.Suspended);
    }

    public ValueTask<ActivityOutcome> ResumeAsync(ActivityExecutionContext context, Bookmark bookmark, JsonNode? input)
    {
        context.SetOutput("result", input);
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}

/// <summary>Publishes an event through the outbox, so waiting instances resume only once this step has committed.</summary>
public sealed class PublishEventActivity : IActivity
{
    public string TypeName => "Elsa.PublishEvent";

    public IReadOnlyList<InputDescriptor> Inputs => [new("eventName", IsRequired: true), new("correlationId"), new("payload")];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        context.Enqueue(OutboxKinds.Event, new JsonObject
        {
            ["eventName"] = context.RequireString("eventName"),
            ["correlationId"] = context.EvaluateString("correlationId"),
            ["payload"] = context.Evaluate("payload"),
        });
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}

/// <summary>A human task: the instance waits until someone completes it (POST /api/tasks/{id}/complete).</summary>
public sealed class RunTaskActivity : IActivity
{
    public string TypeName => "Elsa.RunTask";

    public IReadOnlyList<InputDescriptor> Inputs => [new("taskName", IsRequired: true), new("payload")];

    public bool CanWait => true;

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        context.CreateTask(context.RequireString("taskName"), context.Evaluate("payload"));
        return ValueTask.FromResult(ActivityOutcome.Suspended);
    }

    public ValueTask<ActivityOutcome> ResumeAsync(ActivityExecutionContext context, Bookmark bookmark, JsonNode? input)
    {
        context.SetOutput("result", input);
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}

public sealed class SendEmailActivity : IActivity
{
    public string TypeName => "Elsa.SendEmail";

    public IReadOnlyList<InputDescriptor> Inputs => [new("to", IsRequired: true), new("from"), new("cc"), new("bcc"), new("subject"), new("body")];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var to = Addresses(context.Evaluate("to"));
        if (to.Count == 0)
        {
            throw new ActivityFaultException(FaultKinds.EmailNoRecipient, context.Where("to"));
        }

        context.Enqueue(OutboxKinds.Email, new JsonObject
        {
            ["from"] = context.EvaluateString("from"),
            ["to"] = new JsonArray([.. to.Select(a => JsonValue.Create(a))]),
            ["cc"] = new JsonArray([.. Addresses(context.Evaluate("cc")).Select(a => JsonValue.Create(a))]),
            ["bcc"] = new JsonArray([.. Addresses(context.Evaluate("bcc")).Select(a => JsonValue.Create(a))]),
            ["subject"] = context.EvaluateString("subject") ?? string.Empty,
            ["body"] = context.EvaluateString("body") ?? string.Empty,
        });
        return ValueTask.FromResult(ActivityOutcome.Done);
    }

    private static List<string> Addresses(JsonNode? value) => value switch
    {
        null => [],
        JsonArray array => [.. array.Select(JsonValues.AsString).OfType<string>().Where(a => a.Length > 0)],
        _ => [.. (JsonValues.AsString(value) ?? string.Empty).Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
    };
}

public sealed class SendHttpRequestActivity : IActivity
{
    public string TypeName => "Elsa.SendHttpRequest";

    public IReadOnlyList<InputDescriptor> Inputs => [new("url", IsRequired: true), new("method"), new("content"), new("contentType"), new("requestHeaders")];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var url = context.RequireString("url");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ActivityFaultException(FaultKinds.HttpAddressInvalid, context.Where("url"));
        }

        var content = context.Evaluate("content");
        context.Enqueue(OutboxKinds.Http, new JsonObject
        {
            ["url"] = uri.ToString(),
            ["method"] = (context.EvaluateString("method") ?? "GET").ToUpperInvariant(),
            ["content"] = content is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : content?.ToJsonString(),
            ["contentType"] = context.EvaluateString("contentType") ?? (content is null ? null : "application/json"),
            ["headers"] = context.Evaluate("requestHeaders") as JsonObject,
        });
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}
