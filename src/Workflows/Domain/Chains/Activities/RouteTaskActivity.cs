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

/// <summary>
/// Routes a task to an agency resolved from the directory: creates the task in that agency's inbox,
/// emails its contacts and tells its systems (police case system, webhook: task-routed, or escalation for an
/// escalated task; reminder), reminds them before the deadline (one timer a routing: the reminder's, re-armed as the
/// deadline's when it fires), and leaves through <c>Overdue</c> when the
/// deadline passes (the task is withdrawn, so the definition can escalate it) or <c>Done</c> when the
/// agency acts. Outputs: assignee (the agency id), result (what the agency answered).
/// An outcome listed in <c>interimOutcomes</c> (e.g. 偵辦中) is recorded (result, journal) but does not end the
/// routing: the same task is routed again, with the same deadline, until a final outcome is reported.
/// </summary>
public sealed class RouteTaskActivity(Func<AgencyDirectory> directory, ChainOptions options) : IActivity
{
    public const string Overdue = "Overdue";

    public static readonly Input<string> TaskName = new("taskName", IsRequired: true, DisplayName: "工作名稱");

    public static readonly Input<string> TaskKind = new("taskKind", IsRequired: true, DisplayName: "工作種類");

    public static readonly Input<TimeSpan> DueIn = new("dueIn", IsRequired: true, DisplayName: "處理期限", Description: "自派送起算的時間長度，例如 1.00:00:00");

    public static readonly Input<TimeSpan> RemindBefore = new("remindBefore", DisplayName: "提醒時間", Description: "期限前多久提醒");

    public static readonly Input<JsonArray> Outcomes = new("outcomes", DisplayName: "可選的處理結果");

    public static readonly Input<bool> Escalated = new("escalated", DisplayName: "已升級");

    public static readonly Input<JsonArray> InterimOutcomes = new("interimOutcomes", DisplayName: "中間處理結果", Description: "回報後任務續留、期限不變，直到回報其他（最終）結果");

    public string TypeName => "AntiDrugFlow.RouteTask";

    public IReadOnlyList<InputDescriptor> Inputs { get; } =
        [ChainInputs.Agency, ChainInputs.Route, TaskName, TaskKind, DueIn, RemindBefore, Outcomes, ChainInputs.CaseNumber, Escalated, InterimOutcomes];

    public bool CanWait => true;

    public IReadOnlyList<string> OutputPorts(ActivityNode node) => [Ports.DoneName, Overdue];

    public void Validate(ActivityNode node, DefinitionValidationContext context) => ChainActivities.ValidateRoute(node, context);

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var agency = ChainActivities.ResolveAgency(context, directory());
        var caseNumber = ChainActivities.CaseNumberOf(context);
        var taskName = context.Require(TaskName);
        var dueAt = context.Now + context.Get(DueIn);
        var routeId = Guid.CreateVersion7(context.Now).ToString("N");
        var payload = new JsonObject
        {
            ["routeId"] = routeId,
            ["caseId"] = JsonValues.AsString(context.GetVariable("caseId")) ?? context.Instance.CorrelationId,
            ["caseNumber"] = caseNumber,
            ["agencyId"] = agency.Id,
            ["agencyName"] = agency.Name,
            ["taskKind"] = context.Require(TaskKind),
            ["dueAt"] = dueAt.ToUniversalTime().ToString("O"),
            ["outcomes"] = context.Get(Outcomes)?.DeepClone(),
            ["interimOutcomes"] = context.Get(InterimOutcomes)?.DeepClone(),
            ["escalated"] = context.Has(Escalated) && context.Get(Escalated),
        };
        var task = context.CreateTask(taskName, payload);

        // One timer per routing: the reminder's, which re-arms itself as the deadline when it fires, or the deadline's.
        if (context.Has(RemindBefore) && dueAt - context.Get(RemindBefore) is var remindAt && remindAt > context.Now)
        {
            context.CreateBookmark(BookmarkKind.Timer, "reminder", context.Instance.CorrelationId, remindAt, new JsonObject { ["routeId"] = routeId, ["role"] = "reminder", ["taskId"] = task.Id, ["dueAt"] = payload["dueAt"]!.DeepClone() });
        }
        else
        {
            ArmDeadline(context, routeId, task.Id, dueAt);
        }

        var escalated = payload["escalated"]!.GetValue<bool>();
        if (agency.ContactEmails.Count > 0)
        {
            context.Enqueue(OutboxKinds.Email, ChainActivities.Render(context, () => OutgoingMessages.TaskRouted(caseNumber, taskName, dueAt, Link(task.Id), escalated)).ToEmail(agency.ContactEmails));
        }

        // The agency's own systems get the task by its kind's fixed phrase, never the definition's task name.
        ChainActivities.NotifySystems(
            context, agency, escalated ? MessageKinds.Escalation : MessageKinds.TaskRouted, task.Id,
            new NoticeItem(caseNumber, AgencySystemNotices.TaskCode(context.Require(TaskKind)), dueAt, Link(task.Id)));

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
            // The reminder's timer comes back as the deadline's (a reminder armed beside its own deadline timer, before
            // one timer did both, carries no due time and leaves that timer as it is).
            if (bookmark.Payload?["dueAt"] is { } due)
            {
                ArmDeadline(context, routeId!, JsonValues.AsString(bookmark.Payload["taskId"])!, JsonValues.AsDateTimeOffset(due, "dueAt"));
            }

            var task = context.Instance.Bookmarks.FirstOrDefault(b => b.TaskId is not null && JsonValues.AsString(b.Payload?["routeId"]) == routeId);
            if (task?.Payload is JsonObject taskPayload && directory().TryGet(JsonValues.AsString(taskPayload["agencyId"]) ?? string.Empty, out var assignee))
            {
                var dueAt = JsonValues.AsDateTimeOffset(taskPayload["dueAt"], "dueAt");
                var caseNumber = JsonValues.AsString(taskPayload["caseNumber"]) ?? string.Empty;
                if (assignee.ContactEmails.Count > 0)
                {
                    context.Enqueue(OutboxKinds.Email, ChainActivities.Render(context, () => OutgoingMessages.Reminder(caseNumber, task.Name, dueAt, Link(task.TaskId!))).ToEmail(assignee.ContactEmails));
                    context.Journal("Reminded", $"{assignee.Name}：{task.Name}");
                }

                ChainActivities.NotifySystems(
                    context, assignee, MessageKinds.Reminder, task.TaskId!,
                    new NoticeItem(caseNumber, AgencySystemNotices.TaskCode(JsonValues.AsString(taskPayload["taskKind"])), dueAt, Link(task.TaskId!)));
            }

            return ValueTask.FromResult(ActivityOutcome.Suspended);
        }

        var reported = JsonValues.AsString(input?["outcome"]);
        if (role is null && IsInterim(bookmark.Payload, reported))
        {
            // An interim outcome: recorded, and the same task opens again (same route, same deadline) for the final one.
            context.SetOutput("result", input?.DeepClone());
            context.CreateTask(bookmark.Name, bookmark.Payload?.DeepClone());
            context.SetVariable("caseStatus", JsonValue.Create($"{bookmark.Name}：{reported}（待最終結果）"));
            context.Journal("TaskProgress", $"{JsonValues.AsString(bookmark.Payload?["agencyName"])}：{bookmark.Name}（{reported}，待最終結果）");
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

    private static void ArmDeadline(ActivityExecutionContext context, string routeId, string taskId, DateTimeOffset dueAt) =>
        context.CreateBookmark(BookmarkKind.Timer, "deadline", context.Instance.CorrelationId, dueAt, new JsonObject { ["routeId"] = routeId, ["role"] = "deadline", ["taskId"] = taskId });

    /// <summary>Whether an outcome is one the task's payload lists as interim.</summary>
    public static bool IsInterim(JsonNode? payload, string? outcome) =>
        outcome is not null && payload?["interimOutcomes"] is JsonArray interim && interim.Any(o => JsonValues.AsString(o) == outcome);

    private string Link(string taskId) => options.Link($"/inbox/{taskId}");
}
