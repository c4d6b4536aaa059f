using System.Text.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Messages;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Chains;

/// <summary>The domain's activities, for the engine's registry.</summary>
public static class ChainActivities
{
    public static IEnumerable<IActivity> All(Func<AgencyDirectory> directory, ChainOptions options) =>
    [
        new RouteTaskActivity(directory, options), new EscalateActivity(directory), new NotifyAgencyActivity(directory, options),
        new SetCaseStatusActivity(), new StartWorkflowActivity(), new SendAgencyReportActivity(directory),
    ];

    /// <summary>The case number an instance serves: its input or variable <c>caseNumber</c>.</summary>
    /// <summary>Renders a chain's email; content the message rules refuse faults the step, naming the rule and never the value.</summary>
    internal static OutgoingMessage Render(ActivityExecutionContext context, Func<OutgoingMessage> render)
    {
        try
        {
            return render();
        }
        catch (MessageContentException ex)
        {
            throw new ActivityFaultException(ChainFaultKinds.MessageRefused, context.Where("caseNumber"), ex.Message);
        }
    }

    internal static string CaseNumber(ActivityExecutionContext context) =>
        context.EvaluateString("caseNumber") ?? JsonValues.AsString(context.GetVariable("caseNumber")) ?? context.Instance.CorrelationId ?? context.Instance.Id;

    internal static Agency ResolveAgency(ActivityExecutionContext context, AgencyDirectory directory)
    {
        var route = context.EvaluateString("route") ?? Routes.Agency;
        var from = context.EvaluateString("agency") ?? string.Empty;
        try
        {
            return Routes.Resolve(directory, route, from);
        }
        catch (Exception ex) when (ex is ArgumentException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ActivityFaultException(ChainFaultKinds.RouteFailed, context.Where("agency"), route, from, ex.Message);
        }
    }

    internal static void ValidateRoute(ActivityNode node, DefinitionValidationContext context)
    {
        if (node.Input("route") is { Type: ExpressionTypes.Literal } spec && JsonValues.AsString(spec.Value) is { } route && !Routes.IsKnown(route))
        {
            context.Error(ChainFaultKinds.RouteUnknown, spec.JsonPath, route, string.Join("、", Routes.Names));
        }
    }
}

/// <summary>
/// Routes a task to an agency resolved from the directory: creates the task in that agency's inbox,
/// emails its contacts, reminds them before the deadline, and leaves through <c>Overdue</c> when the
/// deadline passes (the task is withdrawn, so the definition can escalate it) or <c>Done</c> when the
/// agency acts. Inputs: agency (+ route), taskName, taskKind, dueIn, remindBefore, outcomes, caseNumber.
/// Outputs: assignee (the agency id), result (what the agency answered).
/// </summary>
public sealed class RouteTaskActivity(Func<AgencyDirectory> directory, ChainOptions options) : IActivity
{
    public const string Overdue = "Overdue";

    public string TypeName => "AntiDrugFlow.RouteTask";

    public IReadOnlyList<InputDescriptor> Inputs =>
        [new("agency", IsRequired: true), new("route"), new("taskName", IsRequired: true), new("taskKind", IsRequired: true), new("dueIn", IsRequired: true), new("remindBefore"), new("outcomes"), new("caseNumber"), new("escalated")];

    public bool CanWait => true;

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => [Ports.DoneName, Overdue];

    public void Validate(ActivityNode node, DefinitionValidationContext context) => ChainActivities.ValidateRoute(node, context);

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var agency = ChainActivities.ResolveAgency(context, directory());
        var caseNumber = ChainActivities.CaseNumber(context);
        var taskName = context.RequireString("taskName");
        var dueAt = context.Now + context.EvaluateTimeSpan("dueIn");
        var routeId = Guid.CreateVersion7(context.Now).ToString("N");
        var payload = new JsonObject
        {
            ["routeId"] = routeId,
            ["caseId"] = JsonValues.AsString(context.GetVariable("caseId")) ?? context.Instance.CorrelationId,
            ["caseNumber"] = caseNumber,
            ["agencyId"] = agency.Id,
            ["agencyName"] = agency.Name,
            ["taskKind"] = context.RequireString("taskKind"),
            ["dueAt"] = dueAt.ToUniversalTime().ToString("O"),
            ["outcomes"] = context.Evaluate("outcomes")?.DeepClone() as JsonArray,
            ["escalated"] = context.Node.HasInput("escalated") && context.EvaluateBool("escalated"),
        };
        var task = context.CreateTask(taskName, payload);
        context.CreateBookmark(BookmarkKind.Timer, "deadline", context.Instance.CorrelationId, dueAt, new JsonObject { ["routeId"] = routeId, ["role"] = "deadline", ["taskId"] = task.Id });
        if (context.Node.HasInput("remindBefore") && dueAt - context.EvaluateTimeSpan("remindBefore") is var remindAt && remindAt > context.Now)
        {
            context.CreateBookmark(BookmarkKind.Timer, "reminder", context.Instance.CorrelationId, remindAt, new JsonObject { ["routeId"] = routeId, ["role"] = "reminder", ["taskId"] = task.Id });
        }

        if (agency.ContactEmails.Count > 0)
        {
            context.Enqueue(OutboxKinds.Email, ChainActivities.Render(context, () => OutgoingMessages.TaskRouted(caseNumber, taskName, dueAt, Link(task.Id), payload["escalated"]!.GetValue<bool>())).ToEmail(agency.ContactEmails));
        }

        context.SetOutput("assignee", JsonValue.Create(agency.Id));
        context.Journal("TaskRouted", $"{agency.Name}：{taskName}（期限 {RocDate.FormatDateTime(dueAt)}）");
        return ValueTask.FromResult(ActivityOutcome.Suspended);
    }

    public ValueTask<ActivityOutcome> ResumeAsync(ActivityExecutionContext context, Bookmark bookmark, JsonNode? input)
    {
        var routeId = JsonValues.AsString(bookmark.Payload?["routeId"]);
        var role = JsonValues.AsString(bookmark.Payload?["role"]);
        if (role == "reminder")
        {
            var task = context.Instance.Bookmarks.FirstOrDefault(b => b.TaskId is not null && JsonValues.AsString(b.Payload?["routeId"]) == routeId);
            if (task?.Payload is JsonObject taskPayload && directory().TryGet(JsonValues.AsString(taskPayload["agencyId"]) ?? string.Empty, out var assignee) && assignee.ContactEmails.Count > 0)
            {
                var dueAt = JsonValues.AsDateTimeOffset(taskPayload["dueAt"], "dueAt");
                context.Enqueue(OutboxKinds.Email, ChainActivities.Render(context, () => OutgoingMessages.Reminder(JsonValues.AsString(taskPayload["caseNumber"]) ?? string.Empty, task.Name, dueAt, Link(task.TaskId!))).ToEmail(assignee.ContactEmails));
                context.Journal("Reminded", $"{assignee.Name}：{task.Name}");
            }

            return ValueTask.FromResult(ActivityOutcome.Suspended);
        }

        // The task is done or its deadline has passed: whatever else this routing waits on is over.
        var withdrawn = context.Instance.Bookmarks.FirstOrDefault(b => b.TaskId is not null && JsonValues.AsString(b.Payload?["routeId"]) == routeId);
        context.RemoveBookmarks(b => JsonValues.AsString(b.Payload?["routeId"]) == routeId);
        if (role == "deadline")
        {
            context.SetOutput("result", new JsonObject { ["overdue"] = true });
            context.Journal("Overdue", $"{JsonValues.AsString(withdrawn?.Payload?["agencyName"])}：{withdrawn?.Name} 逾期未處理");
            return ValueTask.FromResult(ActivityOutcome.Through(Overdue));
        }

        context.SetOutput("result", input?.DeepClone());
        var outcome = JsonValues.AsString(input?["outcome"]);
        context.Journal("TaskCompleted", $"{JsonValues.AsString(bookmark.Payload?["agencyName"])}：{bookmark.Name}{(outcome is null ? string.Empty : "（" + outcome + "）")}");
        return ValueTask.FromResult(ActivityOutcome.Done);
    }

    private string Link(string taskId) => options.Link($"/inbox/{taskId}");
}

/// <summary>Finds the next level up from an agency (派出所 → 分局 → 少年警察隊 → 警政署; 校外會 → 教育部); <c>Top</c> when there is none.</summary>
public sealed class EscalateActivity(Func<AgencyDirectory> directory) : IActivity
{
    public string TypeName => "AntiDrugFlow.Escalate";

    public IReadOnlyList<InputDescriptor> Inputs => [new("agency", IsRequired: true)];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => ["Escalated", "Top"];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var from = context.RequireString("agency");
        var current = directory().TryGet(from, out var agency) ? agency : throw new ActivityFaultException(ChainFaultKinds.AgencyUnknown, context.Where("agency"), from);
        var next = directory().EscalationTarget(current.Id);
        if (next is null)
        {
            context.Journal("EscalationTop", $"{current.Name} 已是最高層級");
            return ValueTask.FromResult(ActivityOutcome.Through("Top"));
        }

        context.SetOutput("next", JsonValue.Create(next.Id));
        context.Journal("Escalated", $"{current.Name} → {next.Name}");
        return ValueTask.FromResult(ActivityOutcome.Through("Escalated"));
    }
}

/// <summary>Tells an agency of a status change by email: the case number and the status, nothing else.</summary>
public sealed class NotifyAgencyActivity(Func<AgencyDirectory> directory, ChainOptions options) : IActivity
{
    public string TypeName => "AntiDrugFlow.NotifyAgency";

    public IReadOnlyList<InputDescriptor> Inputs => [new("agency", IsRequired: true), new("route"), new("message", IsRequired: true), new("caseNumber")];

    public void Validate(ActivityNode node, DefinitionValidationContext context) => ChainActivities.ValidateRoute(node, context);

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var agency = ChainActivities.ResolveAgency(context, directory());
        var caseNumber = ChainActivities.CaseNumber(context);
        var message = context.RequireString("message");
        if (agency.ContactEmails.Count > 0)
        {
            var caseId = JsonValues.AsString(context.GetVariable("caseId")) ?? context.Instance.CorrelationId;
            context.Enqueue(OutboxKinds.Email, ChainActivities.Render(context, () => OutgoingMessages.StatusUpdate(caseNumber, message, context.Now, options.Link($"/cases/{caseId}"))).ToEmail(agency.ContactEmails));
        }

        context.Journal("Notified", $"{agency.Name}：{message}");
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}

/// <summary>Sets the case's status (variable <c>caseStatus</c>), which the case's viewers see on its timeline.</summary>
public sealed class SetCaseStatusActivity : IActivity
{
    public string TypeName => "AntiDrugFlow.SetCaseStatus";

    public IReadOnlyList<InputDescriptor> Inputs => [new("status", IsRequired: true)];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var status = context.RequireString("status");
        context.SetVariable("caseStatus", JsonValue.Create(status));
        context.Journal("CaseStatus", status);
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}

/// <summary>Starts another workflow once this step has committed (through the outbox; a repeat starts nothing).</summary>
public sealed class StartWorkflowActivity : IActivity
{
    public string TypeName => "AntiDrugFlow.StartWorkflow";

    public IReadOnlyList<InputDescriptor> Inputs => [new("definitionId", IsRequired: true), new("input"), new("correlationId")];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var definitionId = context.RequireString("definitionId");
        var input = context.Evaluate("input");
        if (input is not null and not JsonObject)
        {
            throw new ActivityFaultException(ChainFaultKinds.StartInputNotAnObject, context.Where("input"), JsonValues.KindName(input));
        }

        var message = context.Enqueue(OutboxKinds.StartWorkflow, new JsonObject
        {
            ["definitionId"] = definitionId,
            ["input"] = input?.DeepClone(),
            ["correlationId"] = context.EvaluateString("correlationId") ?? context.Instance.CorrelationId,
        });
        context.Journal("WorkflowRequested", $"{definitionId} ({WorkflowExecutor.InstanceIdFromKey(message.IdempotencyKey)})");
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}

/// <summary>
/// Files a report with an agency's own system (校安通報, 兒少保護通報) when the directory has its endpoint:
/// the case number, the kind of report and the deadline, signed and delivered through the outbox.
/// <c>Sent</c> when an endpoint is configured, else <c>NotConfigured</c> (the definition then relies on a person).
/// </summary>
public sealed class SendAgencyReportActivity(Func<AgencyDirectory> directory) : IActivity
{
    public string TypeName => "AntiDrugFlow.SendAgencyReport";

    public IReadOnlyList<InputDescriptor> Inputs => [new("agency", IsRequired: true), new("route"), new("system", IsRequired: true), new("reportKind", IsRequired: true), new("caseNumber"), new("dueAt")];

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => ["Sent", "NotConfigured"];

    public void Validate(ActivityNode node, DefinitionValidationContext context) => ChainActivities.ValidateRoute(node, context);

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var agency = ChainActivities.ResolveAgency(context, directory());
        var system = context.RequireString("system");
        if (!agency.Endpoints.TryGetValue(system, out var endpoint) || !Uri.TryCreate(endpoint, UriKind.Absolute, out var url))
        {
            context.Journal("ReportNotConfigured", $"{agency.Name} 未設定 {system} 介接");
            return ValueTask.FromResult(ActivityOutcome.Through("NotConfigured"));
        }

        var body = new JsonObject
        {
            ["caseNumber"] = ChainActivities.CaseNumber(context),
            ["reportKind"] = context.RequireString("reportKind"),
            ["dueAt"] = context.EvaluateString("dueAt"),
        };
        context.Enqueue(OutboxKinds.Http, new JsonObject
        {
            ["url"] = url.ToString(),
            ["method"] = "POST",
            ["content"] = body.ToJsonString(),
            ["contentType"] = "application/json",
            ["agencyId"] = agency.Id,
            ["system"] = system,
        });
        context.Journal("ReportSent", $"{agency.Name}：{system}");
        return ValueTask.FromResult(ActivityOutcome.Through("Sent"));
    }
}
