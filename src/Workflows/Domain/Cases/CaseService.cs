using System.Globalization;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Chains;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Messages;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;

namespace AntiDrugFlow.Workflows.Cases;

/// <summary>A notification as a person starts it. The subject's name and class are personal data: stored encrypted only.</summary>
public sealed record NewNotification(string? Kind, bool Urgent, int? DrugLevel, string? SubjectName, string? SubjectClass, string? SchoolId, string? MilitarySchoolId, NotificationNarrative? Narrative = null);

/// <summary>
/// What happened, as the notifying agency tells it: when, where, what was seen and how it came to light. Free text
/// under the personal-data rules (no one's name, ID, phone, address): checked when typed, stored encrypted.
/// </summary>
public sealed record NotificationNarrative(DateTimeOffset? OccurredAt, string? Place, string? Observed, string? HowFound)
{
    public const int MaxPlaceLength = 100;
    public const int MaxObservedLength = 1000;

    /// <summary>How a case came to light: the choices the form offers.</summary>
    public static readonly IReadOnlyList<string> HowFoundChoices = ["學生主動求助", "師長觀察發現", "同學或家長反映", "尿液篩檢", "校園巡查查獲", "校外人士檢舉", "其他"];
}

/// <summary>What a notification will do once confirmed: the kind and the agencies it goes to first.</summary>
public sealed record NotificationPreview(string KindName, IReadOnlyList<string> Recipients);

/// <summary>A request that cannot be carried out, with the field at fault and why (in Traditional Chinese).</summary>
public sealed class CaseRequestException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>The actor may not do this at all (as opposed to a case they cannot see, which is simply not found).</summary>
public sealed class CaseForbiddenException(string message) : Exception(message);

/// <summary>The chain that runs this kind of case has no published version (an administrator retracted it): nothing was started.</summary>
public sealed class CaseUnavailableException(string message) : Exception(message);

/// <summary>The request comes too late or twice: the task is closed, the request already answered.</summary>
public sealed class CaseConflictException(string message) : Exception(message);

/// <summary>A case's 春暉 follow-up as its chain left it: the status it set, whether the counselling period is over, whether it finished.</summary>
public sealed record FollowUpState(string? Status, bool PeriodOver, bool Finished);

public sealed record CaseView(
    string Id, string CaseNumber, string Kind, string KindName, string? Status, string OriginAgencyId, string OriginAgencyName, string? SchoolId, string? SchoolName,
    string? County, bool Urgent, int? DrugLevel, string? SubjectName, string? SubjectClass, bool Masked, DateTimeOffset CreatedAt, NotificationNarrative? Narrative = null);

/// <summary>
/// One page of an agency's inbox: <paramref name="Items"/> are the tasks at positions (Page − 1) × PageSize onwards of
/// all <paramref name="Total"/> (pending ones by due time, then those escalated away).
/// </summary>
public sealed record InboxPage(int Page, int PageSize, int Total, IReadOnlyList<InboxItem> Items)
{
    public const int DefaultSize = 100;

    public const int MaxSize = 500;

    /// <summary>How many pages the inbox has (at least one, empty when there is nothing to do).</summary>
    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);

    public bool More => (long)Page * PageSize < Total;
}

/// <summary>
/// One page of a case list (50 cases). <see cref="After"/> is where the next (older) page starts and <see cref="Before"/> where the
/// previous (newer) one ends: what the page's links carry, so a page far back costs what the first one does.
/// </summary>
public sealed record CaseListPage(int Page, IReadOnlyList<CaseView> Cases, bool More)
{
    public const int Size = 50;

    public string? After { get; init; }

    public string? Before { get; init; }
}

/// <summary>One line of a case's history; <paramref name="Title"/> is the zh-TW heading for events that are not the engine's journal codes.</summary>
public sealed record TimelineEntry(DateTimeOffset At, string Event, string? Message, string? Title = null);

/// <summary>
/// A task in an agency's inbox. <paramref name="Status"/> tells a pending task from a closed one (read-only);
/// <paramref name="EscalatedTo"/> names where a task went when its deadline passed and it was escalated;
/// <paramref name="InterimOutcomes"/> are the outcomes that keep the task open until a final one.
/// </summary>
public sealed record InboxItem(
    string TaskId, string TaskName, string TaskKind, string? CaseId, string? CaseNumber, DateTimeOffset DueAt, bool Late, bool Escalated, IReadOnlyList<string> Outcomes, DateTimeOffset CreatedAt,
    HumanTaskStatus Status = HumanTaskStatus.Pending, string? EscalatedTo = null, IReadOnlyList<string>? InterimOutcomes = null, string? Result = null,
    string? CaseKindName = null, bool Urgent = false, bool Unread = false)
{
    public bool Open => Status == HumanTaskStatus.Pending;
}

/// <summary>
/// Notifications, cases, the inbox and the statistics, under the access rules: an agency sees the cases it
/// started or that were routed to it, and its own tasks; a 校外會 its county's cases; personal data only
/// in clear for the case's team (the starting agency, the school, the county's liaison office).
/// Every read and change of a case is audited.
/// </summary>
public sealed class CaseService(
    PostgresCaseStore cases,
    IWorkflowInstanceQueries instances,
    IHumanTaskQueries tasks,
    InformationRequestService informationRequests,
    CaseNotes notes,
    CounsellingRecords counselling,
    WorkflowRuntime runtime,
    AgencyDirectoryProvider directory,
    IPersonalDataProtector protector,
    IAuditLog audit,
    TimeProvider time)
{
    private const int MaxNameLength = 50;

    /// <summary>Checks a notification as <see cref="StartNotificationAsync"/> would, without starting it: what the confirmation step shows.</summary>
    public NotificationPreview Preview(Actor actor, NewNotification request)
    {
        var (kind, _, schoolId) = Check(actor, request);
        var agencies = directory.Current;
        var recipients = new List<string>();
        if (kind.Chain == TipOffChainInput.Definition && schoolId is not null)
        {
            foreach (var route in (Func<string, Agency>[])[agencies.PoliceStationFor, agencies.LiaisonOfficeFor])
            {
                try
                {
                    recipients.Add(route(schoolId).Name);
                }
                catch (Exception ex) when (ex is ArgumentException or KeyNotFoundException or InvalidOperationException)
                {
                    // The chain reports a routing gap itself; the preview just leaves the agency out.
                }
            }
        }

        return new NotificationPreview(kind.DisplayName, recipients);
    }

    /// <summary>
    /// Starts a notification's case. Without an idempotency key (null) every call starts a case. With an <paramref name="idempotencyKey"/>, a retry of the same request by the same user
    /// returns the case the first one made and starts nothing; the same key with a different request is a
    /// <see cref="CaseConflictException"/> naming the key. The key is recorded in the transaction that makes the case.
    /// </summary>
    public async Task<CaseView> StartNotificationAsync(Actor actor, NewNotification request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        IdempotencyKeys.Check(idempotencyKey);
        var fingerprint = IdempotencyKeys.Fingerprint(request);
        if (idempotencyKey is not null && await FirstOfKeyAsync(actor, idempotencyKey, fingerprint, cancellationToken) is { } first)
        {
            return first;
        }

        try
        {
            return await StartNewNotificationAsync(actor, request, idempotencyKey is null ? null : (idempotencyKey, protector.Protect(fingerprint)), cancellationToken);
        }
        catch (Npgsql.PostgresException ex) when (idempotencyKey is not null && IdempotencyKeys.IsCollision(ex, IdempotencyTable.Notifications.Name))
        {
            // The same key at the same moment: the other request made the case; nothing of this one was committed.
            return await FirstOfKeyAsync(actor, idempotencyKey, fingerprint, cancellationToken)
                ?? throw new InvalidOperationException("an idempotency key that collided is not stored", ex);
        }
    }

    /// <summary>The case the key made before, when it did; a conflict when the key came with a different request.</summary>
    private async Task<CaseView?> FirstOfKeyAsync(Actor actor, string idempotencyKey, string fingerprint, CancellationToken cancellationToken)
    {
        if (await cases.FindNotificationRequestAsync(actor.UserId, idempotencyKey, time.GetUtcNow(), cancellationToken) is not { } earlier)
        {
            return null;
        }

        if (protector.Unprotect(earlier.FingerprintProtected) != fingerprint)
        {
            throw IdempotencyKeys.Reused(idempotencyKey, "通報");
        }

        return await GetAsync(actor, earlier.MadeId, cancellationToken) ?? throw new InvalidOperationException($"the case {earlier.MadeId} of an idempotency key is not visible to the user who made it");
    }

    private async Task<CaseView> StartNewNotificationAsync(Actor actor, NewNotification request, (string Key, string FingerprintProtected)? idempotency, CancellationToken cancellationToken)
    {
        var (kind, origin, schoolId) = Check(actor, request);
        var agencies = directory.Current;
        var now = time.GetUtcNow();
        var county = origin.CountyCode ?? (schoolId is null ? null : agencies.Get(schoolId).CountyCode);
        var sequence = await cases.NextNumberAsync(cancellationToken);
        var number = string.Create(CultureInfo.InvariantCulture, $"{kind.NumberPrefix}-{now.ToOffset(TimeSpan.FromHours(8)).Year - 1911}-{sequence:D6}");
        var caseId = Guid.CreateVersion7(now).ToString("N");
        var input = ChainInput(kind, caseId, number, county, schoolId, origin, request);
        var record = new CaseRecord(
            caseId, number, kind.Name, kind.Chain, string.Empty, origin.Id, schoolId, county, request.Urgent, request.DrugLevel,
            string.IsNullOrWhiteSpace(request.SubjectName) ? null : protector.Protect(request.SubjectName.Trim()),
            string.IsNullOrWhiteSpace(request.SubjectClass) ? null : protector.Protect(request.SubjectClass.Trim()),
            actor.UserId, now, request.Narrative is null ? null : protector.Protect(NarrativeJson(request.Narrative).ToJsonString()));
        WorkflowInstance instance;
        try
        {
            // The case, its audit row, its idempotency key and the chain's first step commit together, or none of them does,
            // written in one round trip with the step.
            var created = new AuditEntry(now, actor.UserId, actor.AgencyId, "case.create", caseId, $"{kind.Name} {number}");
            instance = await runtime.StartAsync(input.DefinitionId, input.ToJson(), caseId, new StartOptions(AlsoInTransaction: (transaction, started, _) =>
            {
                PostgresCaseStore.Insert(transaction, record with { InstanceId = started.Id });
                audit.Record(created, transaction);
                if (idempotency is { } key)
                {
                    foreach (var command in IdempotencyTable.Notifications.InsertCommands(new IdempotencyRequest(actor.UserId, key.Key, caseId, key.FingerprintProtected, now)))
                    {
                        transaction.Batch(command);
                    }
                }

                return Task.CompletedTask;
            }), cancellationToken);
        }
        catch (KeyNotFoundException)
        {
            // Only a missing published version makes the start itself fail this way; the case was not recorded.
            throw new CaseUnavailableException($"「{kind.DisplayName}」通報暫時無法送出：系統管理者已停用這項通報流程（撤回發布）。您填寫的內容仍保留，請稍後再送出；情況緊急時請先以電話通知轄區派出所，並聯絡系統管理者。");
        }

        return View(actor, record with { InstanceId = instance.Id }, instance.State.Variables.GetValueOrDefault("caseStatus"));
    }

    private (CaseKind Kind, Agency Origin, string? SchoolId) Check(Actor actor, NewNotification request)
    {
        var kind = CaseKinds.Find(request.Kind) ?? throw new CaseRequestException("kind", $"通報類別「{request.Kind}」不存在；可用：{string.Join("、", CaseKinds.All.Select(k => k.Name))}");
        var agencies = directory.Current;
        var origin = agencies.TryGet(actor.AgencyId, out var a) ? a : throw new CaseForbiddenException("帳號所屬機關不在機關名錄中。");
        if (!kind.StartedBy.Any(actor.IsIn) || !kind.FromAgencies.Contains(origin.Kind))
        {
            throw new CaseForbiddenException($"「{origin.Name}」的{string.Join("、", actor.Roles.Select(RoleNames.DisplayName))}不能發起「{kind.DisplayName}」通報。");
        }

        if (request.DrugLevel is < 1 or > 4)
        {
            throw new CaseRequestException("drugLevel", "毒品級別須為 1 至 4。");
        }

        if (kind.Name == "ScreeningPositive" && request.DrugLevel is null)
        {
            throw new CaseRequestException("drugLevel", "篩檢發現個案須填毒品級別：本通報限篩檢確認為第一級或第二級毒品；級別未確認前請待檢驗結果再通報。");
        }

        if (kind.Name == "ScreeningPositive" && request.DrugLevel is not (1 or 2))
        {
            throw new CaseRequestException("drugLevel", "篩檢發現個案限第一、二級毒品；第三、四級請依非在學／校內輔導程序辦理。");
        }

        if (kind.Name == "OutOfSchoolYouth" && request.DrugLevel is not (3 or 4))
        {
            throw new CaseRequestException("drugLevel", "非在學少年通報適用第三、四級毒品。");
        }

        if (kind.Name == "ScreeningPositive" && string.IsNullOrWhiteSpace(request.SubjectName))
        {
            throw new CaseRequestException("subjectName", "篩檢發現個案須填寫受篩檢學生的姓名。");
        }

        if (request.SubjectName is { Length: > MaxNameLength })
        {
            throw new CaseRequestException("subjectName", $"姓名最多 {MaxNameLength} 字。");
        }

        if (request.SubjectClass is { Length: > MaxNameLength })
        {
            throw new CaseRequestException("subjectClass", $"班級最多 {MaxNameLength} 字。");
        }

        var schoolId = origin.Kind == AgencyKind.School ? origin.Id : SchoolNamed(request.SchoolId);

        if (request.Narrative is { } narrative)
        {
            CheckNarrative(narrative, request.SubjectName);
        }

        return (kind, origin, schoolId);
    }

    /// <summary>The school a code or a name (臺/台 alike) names, when exactly one does; null for none given. Errors name <paramref name="field"/>.</summary>
    public string? SchoolNamed(string? text, string field = "schoolId")
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return directory.Current.FindSchools(text) switch
        {
            [var school] => school.Id,
            [] => throw new CaseRequestException(field, $"找不到名稱或代碼為「{text.Trim()}」的學校，請輸入學校全名。"),
            var several => throw new CaseRequestException(field, $"「{text.Trim()}」符合 {several.Count} 所學校（{string.Join("、", several.Take(5).Select(s => s.Name))}{(several.Count > 5 ? "…" : string.Empty)}），請輸入完整校名。"),
        };
    }

    private void CheckNarrative(NotificationNarrative narrative, string? subjectName)
    {
        var now = time.GetUtcNow();
        if (narrative.OccurredAt is not { } occurred)
        {
            throw new CaseRequestException("occurredAt", "請填寫發生或發現的日期時間。");
        }

        if (occurred > now.AddMinutes(5))
        {
            throw new CaseRequestException("occurredAt", "發生時間不可晚於現在。");
        }

        FreeText("place", "發生地點", narrative.Place, NotificationNarrative.MaxPlaceLength, subjectName);
        FreeText("observed", "所見情形", narrative.Observed, NotificationNarrative.MaxObservedLength, subjectName);
        if (!NotificationNarrative.HowFoundChoices.Contains(narrative.HowFound ?? string.Empty))
        {
            throw new CaseRequestException("howFound", $"發現經過須為：{string.Join("、", NotificationNarrative.HowFoundChoices)}。");
        }
    }

    /// <summary>
    /// Free text a person types into a case: required, bounded, and free of personal data: nothing the message rules
    /// call personal (ID, phone, address, masked names, labelled fields), and not the subject's own name, which has its field.
    /// </summary>
    internal static string FreeText(string field, string what, string? value, int maxLength, string? subjectName)
    {
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            throw new CaseRequestException(field, $"請填寫{what}。");
        }

        if (text.Length > maxLength)
        {
            throw new CaseRequestException(field, $"{what}最多 {maxLength} 字，目前 {text.Length} 字。");
        }

        if (MessageContent.LooksLikePersonalData(text) || (!string.IsNullOrWhiteSpace(subjectName) && text.Contains(subjectName.Trim(), StringComparison.Ordinal)))
        {
            throw new CaseRequestException(field, $"{what}看似含有個人資料（姓名、身分證統一編號、電話、電子郵件或住址）；請以「該生」「A 生」等代稱描述，勿寫任何人的姓名。");
        }

        return text;
    }

    public async Task<CaseView?> GetAsync(Actor actor, string caseId, CancellationToken cancellationToken)
    {
        var record = await FindAsync(actor, caseId, "case.read", cancellationToken);
        return record is null ? null : View(actor, record, (await instances.GetAsync(record.InstanceId, cancellationToken))?.State.Variables.GetValueOrDefault("caseStatus"));
    }

    /// <summary>
    /// Page <paramref name="page"/> of the cases the actor may see, newest first. The page's links carry where it ends
    /// (<paramref name="after"/>) or, going back, where the later page begins (<paramref name="before"/>): then the page
    /// is read from there (keyset paging), as fast however old; without them, by its position. A cursor that is not one
    /// of <see cref="CaseListPage"/>'s is a <see cref="CaseRequestException"/> naming it.
    /// </summary>
    public async Task<CaseListPage> ListAsync(Actor actor, int page, CancellationToken cancellationToken, string? after = null, string? before = null)
    {
        page = Math.Max(page, 1);
        var cursor = (after, before) switch
        {
            (not null, not null) => throw new CaseRequestException("before", "after 與 before 只能擇一。"),
            (not null, _) => CaseListCursor.Parse(after, before: false) ?? throw new CaseRequestException("after", "分頁位置無效，請由案件列表重新開始。"),
            (_, not null) => CaseListCursor.Parse(before, before: true) ?? throw new CaseRequestException("before", "分頁位置無效，請由案件列表重新開始。"),
            _ => null,
        };
        var listings = await cases.ListVisibleAsync(actor.AgencyId, LiaisonCounty(actor), cursor is null ? (page - 1) * CaseListPage.Size : 0, CaseListPage.Size + 1, cancellationToken, cursor);
        // Going back, the extra row is the newest one: the page is the older 50, and there are older ones (where we came from).
        var shown = cursor?.Before == true ? listings.TakeLast(Math.Min(CaseListPage.Size, listings.Count)).ToList() : listings.Take(CaseListPage.Size).ToList();
        await audit.RecordAsync(new AuditEntry(time.GetUtcNow(), actor.UserId, actor.AgencyId, "case.list", null, $"page {page}: {shown.Count} cases"), cancellationToken);
        var more = cursor?.Before == true || listings.Count > CaseListPage.Size;
        return new CaseListPage(page, [.. shown.Select(l => View(actor, l.Case, l.Status is null ? null : JsonValue.Create(l.Status)))], more)
        {
            After = more && shown.Count > 0 ? new CaseListCursor(shown[^1].Case.CreatedAt, shown[^1].Case.Id).ToString() : null,
            Before = page > 1 && shown.Count > 0 ? new CaseListCursor(shown[0].Case.CreatedAt, shown[0].Case.Id).ToString() : null,
        };
    }

    /// <summary>How many of its newest cases a team searches by name: names are stored encrypted, so they are compared once decrypted.</summary>
    public const int NameSearchWindow = 2000;

    /// <summary>
    /// Cases the actor may see by their number (exact, any letter case), or, for the case's team only, by the subject's
    /// name (the whole name, or part of it, among the team's newest <see cref="NameSearchWindow"/> cases). Audited, with
    /// the kind of search but never the name searched for.
    /// </summary>
    public async Task<IReadOnlyList<CaseView>> SearchAsync(Actor actor, string? text, CancellationToken cancellationToken)
    {
        var query = text?.Trim() ?? string.Empty;
        if (query.Length == 0)
        {
            throw new CaseRequestException("q", "請輸入案件編號或當事人姓名。");
        }

        if (query.Length > MaxNameLength)
        {
            throw new CaseRequestException("q", $"搜尋文字最多 {MaxNameLength} 字。");
        }

        var liaisonCounty = LiaisonCounty(actor);
        List<CaseView> found;
        string how;
        if (query.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            var record = await cases.FindVisibleByNumberAsync(query.ToUpperInvariant(), actor.AgencyId, liaisonCounty, cancellationToken);
            found = record is null ? [] : [View(actor, record, await StatusAsync(record, cancellationToken))];
            how = $"number {query}";
        }
        else
        {
            found = [];
            foreach (var record in await cases.TeamCasesWithSubjectAsync(actor.AgencyId, liaisonCounty, NameSearchWindow, cancellationToken))
            {
                if (protector.Unprotect(record.SubjectNameProtected!).Contains(query, StringComparison.Ordinal))
                {
                    found.Add(View(actor, record, await StatusAsync(record, cancellationToken)));
                }
            }

            how = "name";
        }

        await audit.RecordAsync(new AuditEntry(time.GetUtcNow(), actor.UserId, actor.AgencyId, "case.search", found.Count == 1 ? found[0].Id : null, $"by {how}: {found.Count} found"), cancellationToken);
        return found;
    }

    private async Task<JsonNode?> StatusAsync(CaseRecord record, CancellationToken cancellationToken) =>
        (await instances.GetAsync(record.InstanceId, cancellationToken))?.State.Variables.GetValueOrDefault("caseStatus");

    /// <summary>
    /// What happened to the case, across every workflow that served it, with its requests for more information;
    /// statuses only, never investigation detail, and a request's text only for the two agencies involved.
    /// </summary>
    public async Task<IReadOnlyList<TimelineEntry>?> TimelineAsync(Actor actor, string caseId, CancellationToken cancellationToken)
    {
        var record = await FindAsync(actor, caseId, "case.timeline", cancellationToken);
        if (record is null)
        {
            return null;
        }

        var entries = new List<TimelineEntry>();
        foreach (var summary in await instances.ListInstancesAsync(new InstanceFilter(CorrelationId: caseId, PageSize: 50), cancellationToken))
        {
            entries.AddRange((await instances.JournalAsync(summary.Id, cancellationToken))
                .Where(j => TimelineEvents.Contains(j.Event))
                .Select(j => new TimelineEntry(j.At, j.Event, j.Message)));
        }

        entries.AddRange(await informationRequests.TimelineAsync(actor, caseId, cancellationToken));
        return [.. entries.OrderBy(e => e.At)];
    }

    /// <summary>The notes the actor's agency wrote on the case's tasks (僅貴單位可見); null when the actor may not see the case.</summary>
    public async Task<IReadOnlyList<CaseNote>?> NotesAsync(Actor actor, string caseId, CancellationToken cancellationToken)
    {
        var record = await FindAsync(actor, caseId, "case.notes", cancellationToken);
        return record is null ? null : await notes.ListAsync(caseId, actor.AgencyId, cancellationToken);
    }

    /// <summary>The student graduated, transferred or left (轉銜): resumes the case's follow-up.</summary>
    public async Task<bool?> ReportTransitionAsync(Actor actor, string caseId, string? receivingSchoolId, CancellationToken cancellationToken)
    {
        var record = await FindAsync(actor, caseId, "case.transition", cancellationToken);
        if (record is null)
        {
            return null;
        }

        if (!IsTeam(actor, record))
        {
            throw new CaseForbiddenException("只有個案所屬學校或校外會可以辦理轉銜。");
        }

        if (receivingSchoolId is not null && (!directory.Current.TryGet(receivingSchoolId, out var school) || school.Kind != AgencyKind.School))
        {
            throw new CaseRequestException("receivingSchoolId", $"學校代碼「{receivingSchoolId}」不在機關名錄中。");
        }

        var resumed = await runtime.TriggerEventAsync(StudentTransitionEvent.EventName, caseId, new StudentTransitionEvent(receivingSchoolId).ToJson(), cancellationToken);
        return resumed.Count > 0;
    }

    /// <summary>The case's 春暉 counselling sessions and re-tests, for its team; null when the actor may not see the case.</summary>
    public async Task<IReadOnlyList<CounsellingRecord>?> CounsellingAsync(Actor actor, string caseId, CancellationToken cancellationToken)
    {
        var record = await FindAsync(actor, caseId, "case.counselling.read", cancellationToken);
        if (record is null)
        {
            return null;
        }

        return IsTeam(actor, record) ? await counselling.ListAsync(caseId, cancellationToken) : throw new CaseForbiddenException(CounsellingTeamOnly);
    }

    /// <summary>
    /// Where the case's 春暉 follow-up stands, for its team: the status its chain last set, whether the counselling period is over
    /// (its <c>periodOver</c>), and whether the follow-up has finished; null when the case is not visible, not the actor's team's, or has no follow-up.
    /// </summary>
    public async Task<FollowUpState?> FollowUpAsync(Actor actor, string caseId, CancellationToken cancellationToken)
    {
        var record = await FindAsync(actor, caseId, "case.counselling.state", cancellationToken);
        if (record is null || !IsTeam(actor, record))
        {
            return null;
        }

        var latest = (await instances.ListInstancesAsync(new InstanceFilter(DefinitionId: YouthCaseFollowUpInput.Definition, CorrelationId: caseId), cancellationToken))
            .MaxBy(i => i.CreatedAt);
        var instance = latest is null ? null : await instances.GetAsync(latest.Id, cancellationToken);
        if (instance is null)
        {
            return null;
        }

        var variables = instance.State.Variables;
        return new FollowUpState(
            variables.GetValueOrDefault("caseStatus")?.GetValue<string>(),
            variables.GetValueOrDefault("periodOver") is JsonValue over && over.TryGetValue<bool>(out var isOver) && isOver,
            latest!.Status == WorkflowStatus.Finished);
    }

    /// <summary>Records a 春暉小組 session of the case (by its school) and resumes the follow-up chain with it; null when the case is not visible.</summary>
    public Task<CounsellingRecord?> RecordSessionAsync(Actor actor, string caseId, NewCounsellingSession session, string? idempotencyKey, CancellationToken cancellationToken) =>
        RecordCounsellingAsync(actor, caseId, "case.counselling.session", session, idempotencyKey, (record, today, now) =>
            counselling.Session(caseId, TaipeiTime.DateOf(record.CreatedAt), today, session, actor.AgencyId, actor.UserId, now), cancellationToken);

    /// <summary>Records a urine re-test of the case (by its school) and resumes the follow-up chain with it; null when the case is not visible.</summary>
    public Task<CounsellingRecord?> RecordRetestAsync(Actor actor, string caseId, NewRetest retest, string? idempotencyKey, CancellationToken cancellationToken) =>
        RecordCounsellingAsync(actor, caseId, "case.counselling.retest", retest, idempotencyKey, (record, today, now) =>
            counselling.Retest(caseId, TaipeiTime.DateOf(record.CreatedAt), today, retest, actor.AgencyId, actor.UserId, now), cancellationToken);

    private const string CounsellingTeamOnly = "只有個案所屬學校與校外會可以查看春暉輔導紀錄。";

    /// <summary>
    /// Only the school of the case records counselling, and only its school staff. The record, its audit row and the chain's step
    /// commit together (the engine writes them in the transaction of the step the event resumes); when no follow-up waits for it
    /// (none runs, or it was referred or closed already) the record and its audit row commit on their own. Refusals are audited as denied.
    /// With an <paramref name="idempotencyKey"/> the key commits with the record, as a notification's does: a retry of the same
    /// request by the same user answers the first record again and stores nothing; the key with another request is a conflict.
    /// </summary>
    private async Task<CounsellingRecord?> RecordCounsellingAsync<TRequest>(
        Actor actor, string caseId, string action, TRequest request, string? idempotencyKey, Func<CaseRecord, DateOnly, DateTimeOffset, PendingRecord> build, CancellationToken cancellationToken)
    {
        IdempotencyKeys.Check(idempotencyKey);
        var now = time.GetUtcNow();
        var record = await cases.FindVisibleAsync(caseId, actor.AgencyId, LiaisonCounty(actor), cancellationToken);
        if (record is null || record.SchoolId != actor.AgencyId || !actor.IsIn(RoleNames.SchoolStaff))
        {
            await audit.RecordAsync(new AuditEntry(now, actor.UserId, actor.AgencyId, action + ".denied", caseId, null), cancellationToken);
            return record is null ? null : throw new CaseForbiddenException("只有個案所屬學校的承辦人可以登錄春暉輔導與尿液篩檢紀錄。");
        }

        // The fingerprint covers what is recorded and where: the same key for another case or kind is another request.
        var fingerprint = IdempotencyKeys.Fingerprint(new CounsellingRequestFingerprint<TRequest>(action, caseId, request));
        if (idempotencyKey is not null && await FirstCounsellingOfKeyAsync(actor, caseId, idempotencyKey, fingerprint, cancellationToken) is { } first)
        {
            return first;
        }

        PendingRecord pending;
        try
        {
            pending = build(record, TaipeiTime.DateOf(now), now);
        }
        catch (CaseRequestException refused)
        {
            await audit.RecordAsync(new AuditEntry(now, actor.UserId, actor.AgencyId, action + ".denied", caseId, refused.Field), cancellationToken);
            throw;
        }

        // The details name the kind and date only: a test's result is health data and stays with the case.
        var done = new AuditEntry(now, actor.UserId, actor.AgencyId, action, caseId, $"{record.CaseNumber} {RocDate.Format(pending.OccurredOn)}");
        var key = idempotencyKey is null ? null : new IdempotencyRequest(actor.UserId, idempotencyKey, pending.Id, protector.Protect(fingerprint), now);
        async Task StoreAsync(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction transaction, CancellationToken ct)
        {
            await counselling.InsertAsync(pending, connection, transaction, ct);
            if (key is not null)
            {
                await IdempotencyTable.Counselling.InsertAsync(key, connection, transaction, ct);
            }

            await audit.RecordAsync(done, connection, transaction, ct);
        }

        try
        {
            var resumed = await runtime.TriggerEventAsync(CounsellingRecordEvent.EventName, caseId, pending.Event.ToJson(), (transaction, ct) => StoreAsync(transaction.Connection, transaction.Transaction, ct), cancellationToken);
            if (resumed.Count == 0)
            {
                await counselling.InOwnTransactionAsync(StoreAsync, cancellationToken);
            }
        }
        catch (Exception ex) when (idempotencyKey is not null && IdempotencyKeys.IsCollision(ex, IdempotencyTable.Counselling.Name))
        {
            // The same key at the same moment: the other request stored the record; nothing of this one was committed.
            return await FirstCounsellingOfKeyAsync(actor, caseId, idempotencyKey, fingerprint, cancellationToken)
                ?? throw new InvalidOperationException("an idempotency key that collided is not stored", ex);
        }

        return (await counselling.ListAsync(caseId, cancellationToken)).Single(r => r.Id == pending.Id);
    }

    /// <summary>The record the key stored before, when it did; a conflict when the key came with a different request.</summary>
    private async Task<CounsellingRecord?> FirstCounsellingOfKeyAsync(Actor actor, string caseId, string idempotencyKey, string fingerprint, CancellationToken cancellationToken)
    {
        if (await counselling.FindRequestAsync(actor.UserId, idempotencyKey, time.GetUtcNow(), cancellationToken) is not { } earlier)
        {
            return null;
        }

        if (protector.Unprotect(earlier.FingerprintProtected) != fingerprint)
        {
            throw IdempotencyKeys.Reused(idempotencyKey, "輔導紀錄");
        }

        return (await counselling.ListAsync(caseId, cancellationToken)).SingleOrDefault(r => r.Id == earlier.MadeId)
            ?? throw new InvalidOperationException($"the counselling record {earlier.MadeId} of an idempotency key is not with its case");
    }

    private sealed record CounsellingRequestFingerprint<TRequest>(string Action, string CaseId, TRequest Request);

    /// <summary>
    /// One page of the agency's inbox: its pending tasks by due time (late ones, whose due time has passed, come first),
    /// then those escalated away from it while their case still runs (shown read-only, marked 已升級, so the agency sees
    /// where its overdue task went); with how many there are in all. <paramref name="page"/> counts from 1; a page past
    /// the end is empty.
    /// </summary>
    public async Task<InboxPage> InboxAsync(Actor actor, int page, int pageSize, CancellationToken cancellationToken)
    {
        if (page < 1)
        {
            throw new CaseRequestException("page", "頁碼須為 1 以上的整數。");
        }

        if (pageSize is < 1 or > InboxPage.MaxSize)
        {
            throw new CaseRequestException("pageSize", $"每頁筆數須為 1 到 {InboxPage.MaxSize} 的整數。");
        }

        var now = time.GetUtcNow();
        var start = (long)(page - 1) * pageSize;
        var pending = await tasks.ListTasksForAgencyAsync(actor.AgencyId, HumanTaskStatus.Pending, (int)Math.Min(start, int.MaxValue), pageSize, cancellationToken);
        var items = pending.Tasks.Select(t => Item(t, now)).ToList();
        // Unread marks, escalated-away tasks and the cases' kinds in one round trip after the engine's page.
        var details = await cases.InboxDetailsAsync(
            actor.AgencyId, actor.UserId, EscalationTargetId(actor), [.. items.Select(i => i.TaskId)], [.. CaseIds(items)], cancellationToken);
        items = [.. items.Select(i => i with { Unread = details.Unread.Contains(i.TaskId) })];
        // The two reads are two snapshots: a task escalated between them is still pending in the first. The page shows it
        // as the first read found it (once), and the next read shows it escalated.
        var listed = items.Select(i => i.TaskId).ToHashSet(StringComparer.Ordinal);
        var escalatedAway = details.EscalatedAway.Where(e => !listed.Contains(e.TaskId)).ToList();
        var escalatedFrom = Math.Max(0, start - pending.Total);
        var escalated = escalatedAway.Skip((int)Math.Min(escalatedFrom, escalatedAway.Count)).Take(pageSize - items.Count).ToList();
        var escalatedTasks = (await tasks.GetTasksAsync([.. escalated.Select(e => e.TaskId)], cancellationToken)).ToDictionary(t => t.Id, StringComparer.Ordinal);
        foreach (var (taskId, escalatedTo) in escalated)
        {
            if (escalatedTasks.TryGetValue(taskId, out var task))
            {
                items.Add(Item(task, now) with { EscalatedTo = escalatedTo });
            }
        }

        return new InboxPage(page, pageSize, pending.Total + escalatedAway.Count, [.. WithCaseKinds(items, details.Kinds)]);
    }

    private string? EscalationTargetId(Actor actor) =>
        directory.Current.TryGet(actor.AgencyId, out _) && directory.Current.EscalationTarget(actor.AgencyId) is { } target ? target.Id : null;

    private async Task<IReadOnlyList<(string TaskId, string EscalatedTo)>> EscalatedAwayAsync(Actor actor, string? taskId, CancellationToken cancellationToken) =>
        EscalationTargetId(actor) is { } target ? await cases.EscalatedAwayAsync(actor.AgencyId, target, taskId, cancellationToken) : [];

    private static IEnumerable<string> CaseIds(IEnumerable<InboxItem> items) => items.Select(i => i.CaseId).OfType<string>().Distinct();

    private async Task<IEnumerable<InboxItem>> WithCaseKindsAsync(IReadOnlyList<InboxItem> items, CancellationToken cancellationToken) =>
        WithCaseKinds(items, await cases.KindsAsync([.. CaseIds(items)], cancellationToken));

    private static IEnumerable<InboxItem> WithCaseKinds(IEnumerable<InboxItem> items, IReadOnlyDictionary<string, (string Kind, bool Urgent)> kinds) =>
        items.Select(i => i.CaseId is not null && kinds.TryGetValue(i.CaseId, out var k)
            ? i with { CaseKindName = CaseKinds.Find(k.Kind)?.DisplayName ?? k.Kind, Urgent = k.Urgent }
            : i);

    public async Task<InboxItem?> InboxTaskAsync(Actor actor, string taskId, CancellationToken cancellationToken)
    {
        var task = await tasks.GetTaskAsync(taskId, cancellationToken);
        if (task is null || Assignee(task) != actor.AgencyId)
        {
            // Refused look-ups are audited as case look-ups are: who looked for what.
            await audit.RecordAsync(new AuditEntry(time.GetUtcNow(), actor.UserId, actor.AgencyId, "task.read.denied", JsonValues.AsString(task?.Payload?["caseId"]), $"task {taskId}"), cancellationToken);
            return null;
        }

        await cases.MarkReadAsync(actor.UserId, taskId, time.GetUtcNow(), cancellationToken);
        var item = (await WithCaseKindsAsync([Item(task, time.GetUtcNow())], cancellationToken)).Single();
        return task.Status == HumanTaskStatus.Cancelled && (await EscalatedAwayAsync(actor, taskId, cancellationToken)) is [var escalation]
            ? item with { EscalatedTo = escalation.EscalatedTo }
            : item;
    }

    /// <summary>How many pending tasks of the actor's agency the actor has not opened yet (the menu's unread count).</summary>
    public async Task<int> UnreadCountAsync(Actor actor, CancellationToken cancellationToken) =>
        (await cases.UnreadTaskIdsAsync(actor.AgencyId, actor.UserId, cancellationToken)).Count;

    /// <summary>Acknowledges (受理) or completes a task of the actor's agency. Null when the task is not theirs (or does not exist).</summary>
    public async Task<ResumeResult?> ActAsync(Actor actor, string taskId, string action, string? outcome, string? note, CancellationToken cancellationToken)
    {
        var task = await tasks.GetTaskAsync(taskId, cancellationToken);
        if (task is null || Assignee(task) != actor.AgencyId)
        {
            await RecordTaskAsync(actor, task, "task." + action + ".denied", $"task {taskId}", cancellationToken);
            return null;
        }

        try
        {
            return await ActOnOwnTaskAsync(actor, task, action, outcome, note, cancellationToken);
        }
        catch (CaseRequestException refused)
        {
            await RecordTaskAsync(actor, task, "task." + action + ".denied", $"{task.TaskName}：{refused.Field}", cancellationToken);
            throw;
        }
    }

    private Task RecordTaskAsync(Actor actor, HumanTask? task, string action, string details, CancellationToken cancellationToken) =>
        audit.RecordAsync(new AuditEntry(time.GetUtcNow(), actor.UserId, actor.AgencyId, action, JsonValues.AsString(task?.Payload?["caseId"]), details), cancellationToken);

    private async Task<ResumeResult> ActOnOwnTaskAsync(Actor actor, HumanTask task, string action, string? outcome, string? note, CancellationToken cancellationToken)
    {
        var taskId = task.Id;
        var kind = JsonValues.AsString(task.Payload?["taskKind"]);
        var outcomes = Outcomes(task);
        if (action == "acknowledge" && kind != "Acknowledge")
        {
            throw new CaseRequestException("action", $"「{task.TaskName}」需回報處理結果，不能只確認收到。");
        }

        if (action == "complete" && outcomes.Count > 0 && !outcomes.Contains(outcome ?? string.Empty))
        {
            throw new CaseRequestException("outcome", $"處理結果須為：{string.Join("、", outcomes)}。");
        }

        if (note is { Length: > CaseNotes.MaxLength })
        {
            throw new CaseRequestException("note", $"說明最多 {CaseNotes.MaxLength} 字。");
        }

        if (TextRules.Problem(note, TextShape.MultiLine) is { } problem)
        {
            throw new CaseRequestException("note", "說明" + problem);
        }

        // The note stays out of the result (a workflow variable): it is stored encrypted with the case, for this agency only.
        var result = new RoutedTaskResult(action, action == RoutedTaskResult.Acknowledge ? RoutedTaskResult.Acknowledged : outcome, actor.UserId, actor.AgencyId);
        // The note and the audit row commit with the step, in its round trip: a completed task is always audited.
        var details = $"{task.TaskName}{(outcome is null ? string.Empty : "：" + outcome)}";
        var done = new AuditEntry(time.GetUtcNow(), actor.UserId, actor.AgencyId, "task." + action, JsonValues.AsString(task.Payload?["caseId"]), details);
        var storeNote = notes.Store(task, actor.AgencyId, actor.UserId, note);
        var resumed = await runtime.CompleteTaskAsync(task, result.ToJson(), async (transaction, ct) =>
        {
            if (storeNote is not null)
            {
                await storeNote(transaction, ct);
            }

            audit.Record(done, transaction);
        }, cancellationToken);
        if (resumed != ResumeResult.Resumed)
        {
            // A task closed already (answered twice, cancelled, escalated away) is refused with 409: recorded as denied, not done.
            await RecordTaskAsync(actor, task, "task." + action + ".denied", details + "（已處理或已撤回）", cancellationToken);
        }

        return resumed;
    }

    public async Task<IReadOnlyList<CaseCount>> QuarterlyStatisticsAsync(Actor actor, int rocOrGregorianYear, int quarter, CancellationToken cancellationToken)
    {
        if (quarter is < 1 or > 4)
        {
            throw new CaseRequestException("quarter", "季別須為 1 至 4。");
        }

        var year = rocOrGregorianYear < 1911 ? rocOrGregorianYear + 1911 : rocOrGregorianYear;
        var from = new DateTimeOffset(year, ((quarter - 1) * 3) + 1, 1, 0, 0, 0, TimeSpan.FromHours(8));
        var counts = await cases.CountAsync(from, from.AddMonths(3), cancellationToken);
        await audit.RecordAsync(new AuditEntry(time.GetUtcNow(), actor.UserId, actor.AgencyId, "statistics.quarterly", null, $"{year} Q{quarter}"), cancellationToken);
        return counts;
    }

    private static readonly HashSet<string> TimelineEvents = new(StringComparer.Ordinal)
    {
        "WorkflowStarted", "TaskRouted", "Reminded", "Overdue", "Escalated", "EscalationTop", "TaskCompleted", "TaskProgress", "Notified", "CaseStatus", "ReportSent", "ReportNotConfigured", "WorkflowRequested", "WorkflowFinished", "WorkflowCancelled",
    };

    private async Task<CaseRecord?> FindAsync(Actor actor, string caseId, string action, CancellationToken cancellationToken)
    {
        var record = await cases.FindVisibleAsync(caseId, actor.AgencyId, LiaisonCounty(actor), cancellationToken);
        // Refusals are audited too: who looked for what.
        await audit.RecordAsync(new AuditEntry(time.GetUtcNow(), actor.UserId, actor.AgencyId, record is null ? action + ".denied" : action, caseId, null), cancellationToken);
        return record;
    }

    private string? LiaisonCounty(Actor actor) => CaseTeam.LiaisonCounty(directory.Current, actor.AgencyId);

    private bool IsCentral(Actor actor) => directory.Current.TryGet(actor.AgencyId, out var agency) && agency.Kind.IsCentral();

    private bool IsTeam(Actor actor, CaseRecord record) => CaseTeam.Includes(directory.Current, actor.AgencyId, record);

    private CaseView View(Actor actor, CaseRecord record, JsonNode? status)
    {
        var agencies = directory.Current;
        var team = IsTeam(actor, record);
        var name = record.SubjectNameProtected is null ? null : protector.Unprotect(record.SubjectNameProtected);
        var kind = CaseKinds.Find(record.Kind);
        return new CaseView(
            record.Id, record.CaseNumber, record.Kind, kind?.DisplayName ?? record.Kind, JsonValues.AsString(status), record.OriginAgencyId,
            agencies.TryGet(record.OriginAgencyId, out var origin) ? origin.Name : record.OriginAgencyId,
            record.SchoolId, record.SchoolId is not null && agencies.TryGet(record.SchoolId, out var school) ? school.Name : null,
            record.County, record.Urgent, record.DrugLevel,
            // Level 1 sees statistics, not people: even a task escalated to it shows no name.
            team ? name : (name is null || IsCentral(actor) ? null : NameMask.Mask(name)),
            team && record.SubjectClassProtected is not null ? protector.Unprotect(record.SubjectClassProtected) : null,
            !team, record.CreatedAt,
            // The narrative is checked for personal data when typed: every agency serving the case reads it, level 1 (statistics) does not.
            record.NarrativeProtected is null || IsCentral(actor) ? null : Narrative(JsonNode.Parse(protector.Unprotect(record.NarrativeProtected))));
    }

    private static JsonObject NarrativeJson(NotificationNarrative narrative) => new()
    {
        ["occurredAt"] = narrative.OccurredAt?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        ["place"] = narrative.Place?.Trim(),
        ["observed"] = narrative.Observed?.Trim(),
        ["howFound"] = narrative.HowFound,
    };

    private static NotificationNarrative Narrative(JsonNode? json) => new(
        json?["occurredAt"] is { } at ? JsonValues.AsDateTimeOffset(at, "occurredAt") : null,
        JsonValues.AsString(json?["place"]), JsonValues.AsString(json?["observed"]), JsonValues.AsString(json?["howFound"]));

    /// <summary>The input of the case kind's chain; the agency that started the case is the police, reporter or origin the chain names.</summary>
    private static IChainInput ChainInput(CaseKind kind, string caseId, string number, string? county, string? schoolId, Agency origin, NewNotification request) => kind.Chain switch
    {
        TipOffChainInput.Definition => new TipOffChainInput(
            // 兒少法 §53: a minor using drugs must be reported within 24 h.
            caseId, number, county, kind.Name, schoolId, request.Urgent, request.DrugLevel, StatutoryReport: kind.Name == "ScreeningPositive"),
        FirstTimeOffenderInput.Definition => new FirstTimeOffenderInput(caseId, number, county, origin.Id, schoolId),
        OutOfSchoolYouthInput.Definition => new OutOfSchoolYouthInput(caseId, number, county, origin.Id, request.DrugLevel),
        MilitaryNotificationInput.Definition => new MilitaryNotificationInput(
            caseId, number, county, MilitaryDirection(origin, request.MilitarySchoolId), origin.Id, request.MilitarySchoolId),
        _ => throw new InvalidOperationException($"case kind {kind.Name} starts {kind.Chain}, which has no input record"),
    };

    private static string MilitaryDirection(Agency origin, string? militarySchoolId) => origin.Kind switch
    {
        AgencyKind.MilitarySchool => MilitaryDirections.SchoolToMilitaryPolice,
        AgencyKind.MilitaryPolice when militarySchoolId is not null => MilitaryDirections.MilitaryPoliceToSchool,
        AgencyKind.MilitaryPolice => MilitaryDirections.FromMilitary,
        _ => MilitaryDirections.ToMilitary,
    };

    /// <summary>The agency a chain task was routed to.</summary>
    internal static string? Assignee(HumanTask task) => JsonValues.AsString(task.Payload?["agencyId"]);

    private static List<string> Outcomes(HumanTask task) =>
        task.Payload?["outcomes"] is JsonArray outcomes ? [.. outcomes.Select(JsonValues.AsString).OfType<string>()] : [];

    private static InboxItem Item(HumanTask task, DateTimeOffset now)
    {
        var due = JsonValues.AsDateTimeOffset(task.Payload?["dueAt"], "dueAt");
        return new InboxItem(
            task.Id, task.TaskName, JsonValues.AsString(task.Payload?["taskKind"]) ?? string.Empty, JsonValues.AsString(task.Payload?["caseId"]),
            JsonValues.AsString(task.Payload?["caseNumber"]), due, task.Status == HumanTaskStatus.Pending && due < now, task.Payload?["escalated"] is JsonValue e && e.GetValueKind() == System.Text.Json.JsonValueKind.True,
            Outcomes(task), task.CreatedAt, task.Status, null,
            task.Payload?["interimOutcomes"] is JsonArray interim ? [.. interim.Select(JsonValues.AsString).OfType<string>()] : [],
            JsonValues.AsString(task.Result?["outcome"]));
    }
}
