using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Chains;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Messages;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Cases;

/// <summary>A request for more information (請求補充資料) as its two agencies see it: who asked whom, what, and the answer once given.</summary>
public sealed record InformationRequest(
    string Id, string TaskId, string TaskName, string CaseId, string CaseNumber,
    string AskingAgencyId, string AskingAgencyName, string AskedByName, string Question, DateTimeOffset AskedAt,
    string AnsweringAgencyId, string AnsweringAgencyName, string? Answer, string? AnsweredByName, DateTimeOffset? AnsweredAt)
{
    public bool Answered => AnsweredAt is not null;
}

/// <summary>
/// The requests raised on one task, and whether the agency holding it may raise another: only while the task
/// is pending, and never to itself (a task in a case the agency started).
/// </summary>
public sealed record InformationThread(IReadOnlyList<InformationRequest> Requests, bool CanAsk, string? AnsweringAgencyId, string? AnsweringAgencyName);

/// <summary>
/// Requests for more information on a routed task. The agency holding the task asks the agency that started the
/// case; that agency answers once. The task stays open and its deadline keeps running. Each change is stored with
/// its audit row and its email (case number, task and link only: the text may name a minor) in one transaction.
/// </summary>
public sealed class InformationRequestService(
    PostgresInformationRequestStore requests,
    PostgresCaseStore cases,
    IHumanTaskQueries tasks,
    AgencyDirectoryProvider directory,
    IAuditLog audit,
    ChainOptions options,
    TimeProvider time)
{
    public const int MaxTextLength = 1000;

    /// <summary>The task's thread; null when the task is not the actor's agency's (or does not exist).</summary>
    public async Task<InformationThread?> ThreadAsync(Actor actor, string taskId, CancellationToken cancellationToken)
    {
        var task = await tasks.GetTaskAsync(taskId, cancellationToken);
        if (task is null || CaseService.Assignee(task) != actor.AgencyId)
        {
            return null;
        }

        var caseRecord = await CaseOfAsync(actor, task, cancellationToken);
        var thread = await requests.ForTaskAsync(taskId, cancellationToken);
        await audit.RecordAsync(new AuditEntry(time.GetUtcNow(), actor.UserId, actor.AgencyId, "information-request.thread", caseRecord?.Id, $"{task.TaskName}: {thread.Count}"), cancellationToken);
        return new InformationThread(
            [.. thread.Select(View)],
            task.Status == HumanTaskStatus.Pending && caseRecord is not null && caseRecord.OriginAgencyId != actor.AgencyId,
            caseRecord?.OriginAgencyId, caseRecord is null ? null : AgencyName(caseRecord.OriginAgencyId));
    }

    /// <summary>Asks the case's origin agency for more information on a task of the actor's agency. Null when the task is not theirs.</summary>
    public async Task<InformationRequest?> AskAsync(Actor actor, string taskId, string? question, CancellationToken cancellationToken)
    {
        var task = await tasks.GetTaskAsync(taskId, cancellationToken);
        if (task is null || CaseService.Assignee(task) != actor.AgencyId)
        {
            await DeniedAsync(actor, "information-request.ask.denied", task is null ? null : JsonValues.AsString(task.Payload?["caseId"]), cancellationToken);
            return null;
        }

        var text = Text(question, "question", "要請對方補充的內容");
        var caseRecord = await CaseOfAsync(actor, task, cancellationToken) ?? throw new CaseForbiddenException("這項待辦不屬於任何案件，無法請求補充資料。");
        if (caseRecord.OriginAgencyId == actor.AgencyId)
        {
            throw new CaseForbiddenException("本案由貴單位通報，補充資料請求須由其他承辦機關提出。");
        }

        if (task.Status != HumanTaskStatus.Pending)
        {
            throw new CaseConflictException("這項待辦已處理或已撤回，不能再請求補充資料。");
        }

        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now).ToString("N");
        var request = new InformationRequestRecord(
            id, task.Id, task.TaskName, task.InstanceId, caseRecord.Id, caseRecord.CaseNumber, actor.AgencyId, actor.UserId, actor.UserName, text, now, caseRecord.OriginAgencyId);
        var email = Email(caseRecord.OriginAgencyId, $"information-request:{id}:asked", task.InstanceId, now, to =>
            OutgoingMessages.InformationRequested(caseRecord.CaseNumber, task.TaskName, now, options.Link($"/inbox/requests/{id}")).ToEmail(to));
        var entry = new AuditEntry(now, actor.UserId, actor.AgencyId, "information-request.asked", caseRecord.Id, $"{id} {task.TaskName} → {caseRecord.OriginAgencyId}");
        if (!await requests.AskAsync(request, email, (connection, transaction, ct) => audit.RecordAsync(entry, connection, transaction, ct), cancellationToken))
        {
            throw new CaseConflictException("這項待辦已處理或已撤回，不能再請求補充資料。");
        }

        return View(request);
    }

    /// <summary>The requests the actor's agency has still to answer.</summary>
    public async Task<IReadOnlyList<InformationRequest>> OpenAsync(Actor actor, CancellationToken cancellationToken)
    {
        var open = await requests.OpenForAgencyAsync(actor.AgencyId, cancellationToken);
        await audit.RecordAsync(new AuditEntry(time.GetUtcNow(), actor.UserId, actor.AgencyId, "information-request.list", null, $"{open.Count} open"), cancellationToken);
        return [.. open.Select(View)];
    }

    /// <summary>One request, for the asking or the answering agency; null for anyone else.</summary>
    public async Task<InformationRequest?> GetAsync(Actor actor, string requestId, CancellationToken cancellationToken)
    {
        var request = await requests.GetAsync(requestId, cancellationToken);
        var party = request is not null && IsParty(actor, request);
        await audit.RecordAsync(new AuditEntry(time.GetUtcNow(), actor.UserId, actor.AgencyId, party ? "information-request.read" : "information-request.read.denied", request?.CaseId, requestId), cancellationToken);
        return party ? View(request!) : null;
    }

    /// <summary>Answers a request addressed to the actor's agency, once. Null when it is not theirs to answer (or does not exist).</summary>
    public async Task<InformationRequest?> AnswerAsync(Actor actor, string requestId, string? answer, CancellationToken cancellationToken)
    {
        var request = await requests.GetAsync(requestId, cancellationToken);
        if (request is null || request.AnsweringAgencyId != actor.AgencyId)
        {
            await DeniedAsync(actor, "information-request.answer.denied", request?.CaseId, cancellationToken);
            return null;
        }

        if (request.AnsweredAt is not null)
        {
            throw new CaseConflictException("這項補充資料請求已回覆，不能再次回覆。");
        }

        var text = Text(answer, "answer", "補充內容");
        var now = time.GetUtcNow();
        var email = Email(request.AskingAgencyId, $"information-request:{request.Id}:answered", request.InstanceId, now, to =>
            OutgoingMessages.InformationAnswered(request.CaseNumber, request.TaskName, now, options.Link($"/inbox/{request.TaskId}")).ToEmail(to));
        var entry = new AuditEntry(now, actor.UserId, actor.AgencyId, "information-request.answered", request.CaseId, $"{request.Id} {request.TaskName} → {request.AskingAgencyId}");
        if (!await requests.AnswerAsync(request.Id, actor.AgencyId, text, actor.UserId, actor.UserName, now, email, (connection, transaction, ct) => audit.RecordAsync(entry, connection, transaction, ct), cancellationToken))
        {
            throw new CaseConflictException("這項補充資料請求已回覆，不能再次回覆。");
        }

        return View(request with { Answer = text, AnsweredBy = actor.UserId, AnsweredByName = actor.UserName, AnsweredAt = now });
    }

    /// <summary>The case's requests as timeline entries; the text only for the two agencies involved.</summary>
    internal async Task<IReadOnlyList<TimelineEntry>> TimelineAsync(Actor actor, string caseId, CancellationToken cancellationToken)
    {
        var entries = new List<TimelineEntry>();
        foreach (var request in await requests.ForCaseAsync(caseId, cancellationToken))
        {
            var party = IsParty(actor, request);
            var asking = AgencyName(request.AskingAgencyId);
            var answering = AgencyName(request.AnsweringAgencyId);
            entries.Add(new TimelineEntry(request.AskedAt, "InformationRequested", $"{asking} → {answering}（{request.TaskName}）{(party ? "：" + request.Question : string.Empty)}", "請求補充資料"));
            if (request.AnsweredAt is { } answeredAt)
            {
                entries.Add(new TimelineEntry(answeredAt, "InformationAnswered", $"{answering} → {asking}{(party ? "：" + request.Answer : string.Empty)}", "已補充資料"));
            }
        }

        return entries;
    }

    private static bool IsParty(Actor actor, InformationRequestRecord request) =>
        actor.AgencyId == request.AskingAgencyId || actor.AgencyId == request.AnsweringAgencyId;

    private static string Text(string? value, string field, string what)
    {
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            throw new CaseRequestException(field, $"請填寫{what}。");
        }

        return text.Length > MaxTextLength
            ? throw new CaseRequestException(field, $"{what}最多 {MaxTextLength} 字，目前 {text.Length} 字。")
            : text;
    }

    // The task was routed to the actor's agency, so the case is visible to it.
    private async Task<CaseRecord?> CaseOfAsync(Actor actor, HumanTask task, CancellationToken cancellationToken) =>
        JsonValues.AsString(task.Payload?["caseId"]) is { } caseId ? await cases.FindVisibleAsync(caseId, actor.AgencyId, null, cancellationToken) : null;

    private Task DeniedAsync(Actor actor, string action, string? caseId, CancellationToken cancellationToken) =>
        audit.RecordAsync(new AuditEntry(time.GetUtcNow(), actor.UserId, actor.AgencyId, action, caseId, null), cancellationToken);

    /// <summary>The email to an agency's contacts, or none when the directory lists no address for it.</summary>
    private OutboxMessage? Email(string agencyId, string key, string instanceId, DateTimeOffset now, Func<IReadOnlyList<string>, System.Text.Json.Nodes.JsonObject> payload) =>
        directory.Current.TryGet(agencyId, out var agency) && agency.ContactEmails.Count > 0
            ? new OutboxMessage(Guid.CreateVersion7(now), instanceId, OutboxKinds.Email, key, payload(agency.ContactEmails), now)
            : null;

    private string AgencyName(string agencyId) => directory.Current.TryGet(agencyId, out var agency) ? agency.Name : agencyId;

    private InformationRequest View(InformationRequestRecord r) => new(
        r.Id, r.TaskId, r.TaskName, r.CaseId, r.CaseNumber, r.AskingAgencyId, AgencyName(r.AskingAgencyId), r.AskedByName, r.Question, r.AskedAt,
        r.AnsweringAgencyId, AgencyName(r.AnsweringAgencyId), r.Answer, r.AnsweredByName, r.AnsweredAt);
}
