using System.Globalization;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Messages;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Integrations.AgencySystems;

/// <summary>Why AntiDrugFlow.SendNotice faults an instance; listed in docs/ENGINE.md with the engine's own faults.</summary>
public static class NoticeFaultKinds
{
    public static readonly ErrorKind ContentRefused = new(
        "notice.content-refused", "A notice would carry something it may not (a case number or link of the wrong shape, an unknown task code); the reason never quotes the value.",
        "通知內容不符規定：{reason}", "reason");

    public static readonly ErrorKind NoChannel = new(
        "notice.no-channel", "The agency has neither a contact address nor a system that takes this kind of notice.",
        "機構「{agency}」沒有可接收「{notice}」通知的電子郵件地址或系統", "agency", "notice");

    public static readonly ErrorKind DeadlineInvalid = new(
        "notice.invalid-deadline", "The notice's deadline is not a date and time.",
        "期限 deadline 的運算結果（{actual}）不是日期時間", "actual");
}

/// <summary>
/// AntiDrugFlow.SendNotice: tells an agency about a case through every channel it has, in the step's
/// outbox: an email from <see cref="OutgoingMessages"/> to its contact addresses, and one signed call to each of
/// its systems that takes this kind of notice. Only a case number, a task code, a deadline and a link
/// go in, so a notice cannot carry a minor's name. (AntiDrugFlow.NotifyAgency of the chains sends a status line by email only.)
/// </summary>
public sealed class SendNoticeActivity(IAgencyEndpoints endpoints) : IActivity
{
    public static readonly Input<string> AgencyId = new("agencyId", IsRequired: true, DisplayName: "機關代碼");

    public static readonly Input<string> Notice = new("notice", IsRequired: true, DisplayName: "通知種類");

    public static readonly Input<string> CaseNumber = new("caseNumber", DisplayName: "案號");

    public static readonly Input<string> Task = new("task", DisplayName: "工作代碼");

    public static readonly Input<DateTimeOffset> Deadline = new("deadline", DisplayName: "期限");

    public static readonly Input<string> Link = new("link", DisplayName: "連結");

    public static readonly Input<string> TaskId = new("taskId", DisplayName: "工作編號");

    /// <summary>Several notices in one: objects with caseNumber, task, deadline and link; when set, the single ones are not read.</summary>
    public static readonly Input<JsonArray> Items = new("items", DisplayName: "多筆通知");

    public string TypeName => "AntiDrugFlow.SendNotice";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [AgencyId, Notice, CaseNumber, Task, Deadline, Link, TaskId, Items];

    public async ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var agencyId = context.Require(AgencyId);
        var kind = context.Require(Notice);
        var items = ItemsOf(context);
        var notice = new AgencyNotice(kind, items, context.Get(TaskId));
        try
        {
            foreach (var item in items)
            {
                item.Check();
            }
        }
        catch (MessageContentException ex)
        {
            throw new ActivityFaultException(NoticeFaultKinds.ContentRefused, context.Where(Items), ex.Message);
        }

        var sent = 0;
        var emails = await endpoints.ContactEmailsAsync(agencyId, context.CancellationToken);
        if (MessageKinds.Notices.Contains(kind) && emails.Count > 0)
        {
            context.Enqueue(OutboxKinds.Email, OutgoingMessages.Notice(kind, items).ToEmail(emails));
            sent++;
        }

        foreach (var endpoint in await endpoints.ForAgencyAsync(agencyId, context.CancellationToken))
        {
            if (endpoint.Notices.Contains(kind))
            {
                context.Enqueue(AgencySystemChannel.OutboxKind, AgencySystemChannel.Payload(agencyId, endpoint.System, notice));
                sent++;
            }
        }

        if (sent == 0)
        {
            throw new ActivityFaultException(NoticeFaultKinds.NoChannel, context.Where(AgencyId), agencyId, kind);
        }

        return ActivityOutcome.Done;
    }

    private static List<NoticeItem> ItemsOf(ActivityExecutionContext context)
    {
        if (context.Get(Items) is { } array)
        {
            return [.. array.OfType<JsonObject>().Select(o => Item(context, o[CaseNumber.Name], o[Task.Name], o[Deadline.Name], o[Link.Name]))];
        }

        // The deadline is read untyped, so a bad one faults with this activity's own code.
        return [Item(context, context.Evaluate(CaseNumber), context.Evaluate(Task), context.Evaluate(Deadline), context.Evaluate(Link))];
    }

    private static NoticeItem Item(ActivityExecutionContext context, JsonNode? caseNumber, JsonNode? task, JsonNode? deadline, JsonNode? link)
    {
        var deadlineText = JsonValues.AsString(deadline);
        if (!DateTimeOffset.TryParse(deadlineText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            throw new ActivityFaultException(NoticeFaultKinds.DeadlineInvalid, context.Where(Deadline), JsonValues.KindName(deadline));
        }

        return new NoticeItem(JsonValues.AsString(caseNumber) ?? string.Empty, JsonValues.AsString(task) ?? string.Empty, at, JsonValues.AsString(link) ?? string.Empty);
    }
}
