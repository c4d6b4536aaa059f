using AntiDrugFlow.Tests.Chains;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Cases;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace AntiDrugFlow.Tests.Cases;

/// <summary>The whole host on a real PostgreSQL and SMTP server, shared by the tests of one class; each test starts cases of its own.</summary>
public sealed class InformationRequestHost : IAsyncLifetime
{
    public ChainsHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await ChainsHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>
/// Requests for more information through the services and the store, on a real database: what is stored together,
/// who may see and answer, answering once, and what the emails may carry.
/// </summary>
public sealed class InformationRequestTests(InformationRequestHost fixture) : IClassFixture<InformationRequestHost>
{
    // A made-up name and class that must never leave the system.
    private const string Name = "王小明";
    private const string ClassName = "三年二班";
    private const string Question = "請問王小明（三年二班）平日放學後常去的地點？";

    private static readonly Actor School = Person("school.kl-chenggong-jh", "kee-sch-chenggong-jh", RoleNames.SchoolStaff);
    private static readonly Actor Station = Person("police.kl-zhong-er-rd", "kee-p1-zhong-er-rd", RoleNames.PoliceOfficer);
    private static readonly Actor OtherStation = Person("police.kl-xinyi", "kee-p2-xinyi", RoleNames.PoliceOfficer);
    private static readonly Actor OtherSchool = Person("school.kl-xinyi-jh", "kee-sch-xinyi-jh", RoleNames.SchoolStaff);
    private static readonly Actor Liaison = Person("liaison.kl", "kee-liaison", RoleNames.LiaisonOfficer);

    private ChainsHost Host => fixture.Host;

    private CaseService Cases => Host.Factory.Services.GetRequiredService<CaseService>();

    private InformationRequestService Requests => Host.Factory.Services.GetRequiredService<InformationRequestService>();

    [Fact]
    public async Task Asking_stores_the_request_its_audit_row_and_an_email_to_the_school_that_carries_neither_the_question_nor_the_name()
    {
        var (view, task) = await TipOffAsync();

        var request = await Requests.AskAsync(Station, task.TaskId, "  " + Question + "\n", CancellationToken.None);

        Assert.NotNull(request);
        Assert.Equal(Question, request.Question);
        Assert.Equal("kee-sch-chenggong-jh", request.AnsweringAgencyId);
        Assert.Equal("基隆市立成功國民中學", request.AnsweringAgencyName);
        Assert.False(request.Answered);
        Assert.Equal(Question, await ScalarAsync<string>("SELECT question FROM information_requests WHERE id = $1", request.Id));
        Assert.Equal(Host.Clock.GetUtcNow().UtcDateTime, await ScalarAsync<DateTime>("SELECT asked_at FROM information_requests WHERE id = $1", request.Id));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'information-request.asked' AND case_id = $1 AND user_id = $2", view.Id, Station.UserId));
        Assert.DoesNotContain(Name, await ScalarAsync<string>("SELECT string_agg(coalesce(details, ''), ' ') FROM audit_log WHERE case_id = $1", view.Id));

        var payload = EngineReader.Text((await QueuedAsync($"information-request:{request.Id}:asked")).Single().Payload);
        Assert.Contains(view.CaseNumber, payload);
        Assert.Contains("kee-sch-chenggong-jh@agencies.invalid", payload);
        Assert.Contains($"https://antidrugflow.test/inbox/requests/{request.Id}", payload);
        Assert.Contains("確認收到學校反毒通報", payload);
        Assert.DoesNotContain("放學後", payload);
        Assert.DoesNotContain(Name, payload);
        Assert.DoesNotContain(ClassName, payload);

        await Host.DeliverAsync();
        var mail = Assert.Single(Host.Smtp.Messages(), m => m.Subject.Contains("請求補充資料", StringComparison.Ordinal) && m.Subject.Contains(view.CaseNumber, StringComparison.Ordinal));
        Assert.Contains("kee-sch-chenggong-jh@agencies.invalid", mail.Raw);
        Assert.DoesNotContain("放學後", mail.Body);
        Assert.DoesNotContain(Name, mail.Raw);
        Assert.DoesNotContain(Name, string.Join('\n', Host.Logs));
    }

    [Fact]
    public async Task A_failure_before_commit_leaves_no_request_no_email_and_no_audit_row()
    {
        var (view, task) = await TipOffAsync();
        var store = Host.Factory.Services.GetRequiredService<PostgresInformationRequestStore>();
        var audit = Host.Factory.Services.GetRequiredService<IAuditLog>();
        var now = Host.Clock.GetUtcNow();
        var request = new InformationRequestRecord(
            "atomic-" + Guid.NewGuid().ToString("N"), task.TaskId, "確認收到學校反毒通報", "instance", view.Id, view.CaseNumber, Station.AgencyId, Station.UserId, Station.UserName, Question, now, School.AgencyId);
        var email = new OutboxMessage(Guid.NewGuid(), "instance", OutboxKinds.Email, $"information-request:{request.Id}:asked",
            new System.Text.Json.Nodes.JsonObject { ["to"] = new System.Text.Json.Nodes.JsonArray("kee-sch-chenggong-jh@agencies.invalid"), ["subject"] = "test", ["body"] = "test" }, now);
        var entry = new AuditEntry(now, Station.UserId, Station.AgencyId, "information-request.asked", view.Id, request.Id);

        // The request and its email are written, then the audit row, and then the work fails before the commit.
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.AskAsync(request, email, async (c, t, ct) =>
        {
            await audit.RecordAsync(entry, c, t, ct);
            throw new InvalidOperationException("failed after the audit row");
        }, CancellationToken.None));

        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM information_requests WHERE id = $1", request.Id));
        Assert.Empty(await QueuedAsync(email.IdempotencyKey));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE details = $1", request.Id));

        // The same request without the failure goes in whole.
        Assert.True(await store.AskAsync(request, email, (c, t, ct) => audit.RecordAsync(entry, c, t, ct), CancellationToken.None));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM information_requests WHERE id = $1", request.Id));
        Assert.Single(await QueuedAsync(email.IdempotencyKey));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE details = $1", request.Id));
    }

    [Fact]
    public async Task Only_the_asking_and_the_answering_agency_see_a_request_and_only_the_answering_agency_answers_it()
    {
        var (view, task) = await TipOffAsync();
        var request = (await Requests.AskAsync(Station, task.TaskId, Question, CancellationToken.None))!;

        Assert.Contains(await Requests.OpenAsync(School, CancellationToken.None), r => r.Id == request.Id);
        Assert.NotNull(await Requests.GetAsync(School, request.Id, CancellationToken.None));
        Assert.NotNull(await Requests.GetAsync(Station, request.Id, CancellationToken.None));
        foreach (var outsider in new[] { OtherStation, OtherSchool, Liaison })
        {
            Assert.Null(await Requests.GetAsync(outsider, request.Id, CancellationToken.None));
            Assert.Null(await Requests.AnswerAsync(outsider, request.Id, "不相干的回覆", CancellationToken.None));
            Assert.Null(await Requests.ThreadAsync(outsider, task.TaskId, CancellationToken.None));
            Assert.Null(await Requests.AskAsync(outsider, task.TaskId, Question, CancellationToken.None));
            Assert.DoesNotContain(await Requests.OpenAsync(outsider, CancellationToken.None), r => r.Id == request.Id);
        }

        // The asking agency reads its own request but cannot answer it.
        Assert.Null(await Requests.AnswerAsync(Station, request.Id, "自問自答", CancellationToken.None));
        Assert.DoesNotContain(await Requests.OpenAsync(Station, CancellationToken.None), r => r.Id == request.Id);
        Assert.Null(await ScalarAsync<string?>("SELECT answer FROM information_requests WHERE id = $1", request.Id));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'information-request.read.denied' AND case_id = $1 AND agency_id = 'kee-p2-xinyi'", view.Id));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'information-request.answer.denied' AND case_id = $1 AND agency_id = 'kee-sch-xinyi-jh'", view.Id));
    }

    [Fact]
    public async Task A_request_is_answered_once_and_the_answer_goes_back_to_the_asking_agency_without_its_text()
    {
        var (view, task) = await TipOffAsync();
        var request = (await Requests.AskAsync(Station, task.TaskId, Question, CancellationToken.None))!;
        Host.Clock.Advance(TimeSpan.FromMinutes(40));

        var answered = await Requests.AnswerAsync(School, request.Id, "多在學校附近的公園，請洽學務處。", CancellationToken.None);

        Assert.NotNull(answered);
        Assert.True(answered.Answered);
        Assert.Equal(Host.Clock.GetUtcNow(), answered.AnsweredAt);
        Assert.Equal(School.UserName, answered.AnsweredByName);
        var again = await Assert.ThrowsAsync<CaseConflictException>(() => Requests.AnswerAsync(School, request.Id, "改口", CancellationToken.None));
        Assert.Contains("已回覆", again.Message);
        Assert.Equal("多在學校附近的公園，請洽學務處。", await ScalarAsync<string>("SELECT answer FROM information_requests WHERE id = $1", request.Id));
        Assert.DoesNotContain(await Requests.OpenAsync(School, CancellationToken.None), r => r.Id == request.Id);
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'information-request.answered' AND case_id = $1", view.Id));

        var payload = EngineReader.Text((await QueuedAsync($"information-request:{request.Id}:answered")).Single().Payload);
        Assert.Contains("kee-p1-zhong-er-rd@agencies.invalid", payload);
        Assert.Contains($"https://antidrugflow.test/inbox/{task.TaskId}", payload);
        Assert.Contains(view.CaseNumber, payload);
        Assert.DoesNotContain("公園", payload);
        Assert.DoesNotContain(Name, payload);

        var thread = (await Requests.ThreadAsync(Station, task.TaskId, CancellationToken.None))!;
        Assert.Equal("多在學校附近的公園，請洽學務處。", Assert.Single(thread.Requests).Answer);
    }

    [Fact]
    public async Task The_task_stays_open_with_its_deadline_and_can_still_be_acknowledged_after_which_no_new_request_is_taken()
    {
        var (view, task) = await TipOffAsync();
        await Requests.AskAsync(Station, task.TaskId, Question, CancellationToken.None);

        var still = await Cases.InboxTaskAsync(Station, task.TaskId, CancellationToken.None);
        Assert.NotNull(still);
        Assert.Equal(task.DueAt, still.DueAt);
        Assert.True((await Requests.ThreadAsync(Station, task.TaskId, CancellationToken.None))!.CanAsk);
        Assert.Equal(ResumeResult.Resumed, await Cases.ActAsync(Station, task.TaskId, "acknowledge", null, null, CancellationToken.None));

        var closed = await Assert.ThrowsAsync<CaseConflictException>(() => Requests.AskAsync(Station, task.TaskId, "再問一次", CancellationToken.None));
        Assert.Contains("已處理", closed.Message);
        Assert.False((await Requests.ThreadAsync(Station, task.TaskId, CancellationToken.None))!.CanAsk);
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM information_requests WHERE case_id = $1", view.Id));
    }

    [Fact]
    public async Task Questions_and_answers_are_required_and_at_most_a_thousand_characters_and_nothing_is_stored_otherwise()
    {
        var (view, task) = await TipOffAsync();

        var empty = await Assert.ThrowsAsync<CaseRequestException>(() => Requests.AskAsync(Station, task.TaskId, "   ", CancellationToken.None));
        var missing = await Assert.ThrowsAsync<CaseRequestException>(() => Requests.AskAsync(Station, task.TaskId, null, CancellationToken.None));
        var tooLong = await Assert.ThrowsAsync<CaseRequestException>(() => Requests.AskAsync(Station, task.TaskId, new string('問', 1001), CancellationToken.None));

        Assert.Equal("question", empty.Field);
        Assert.Equal("請填寫要請對方補充的內容。", missing.Message);
        Assert.Equal("question", tooLong.Field);
        Assert.Contains("最多 1000 字", tooLong.Message);
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM information_requests WHERE case_id = $1", view.Id));

        var request = (await Requests.AskAsync(Station, task.TaskId, new string('問', 1000), CancellationToken.None))!;
        var noAnswer = await Assert.ThrowsAsync<CaseRequestException>(() => Requests.AnswerAsync(School, request.Id, "", CancellationToken.None));
        Assert.Equal("answer", noAnswer.Field);
        Assert.Equal("請填寫補充內容。", noAnswer.Message);
        Assert.Null(await ScalarAsync<string?>("SELECT answer FROM information_requests WHERE id = $1", request.Id));
    }

    [Fact]
    public async Task The_agency_that_started_the_case_cannot_ask_itself_on_its_own_task()
    {
        var (view, _) = await TipOffAsync();
        var schoolTask = Assert.Single((await Cases.InboxAsync(School, 1, InboxPage.MaxSize, CancellationToken.None)).Items, i => i.CaseId == view.Id && i.TaskName == "完成校安通報");

        Assert.False((await Requests.ThreadAsync(School, schoolTask.TaskId, CancellationToken.None))!.CanAsk);
        await Assert.ThrowsAsync<CaseForbiddenException>(() => Requests.AskAsync(School, schoolTask.TaskId, Question, CancellationToken.None));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM information_requests WHERE case_id = $1", view.Id));
    }

    [Fact]
    public async Task The_timeline_shows_asked_and_answered_with_times_and_the_text_only_to_the_two_agencies()
    {
        var (view, task) = await TipOffAsync();
        var asked = Host.Clock.GetUtcNow();
        var request = (await Requests.AskAsync(Station, task.TaskId, Question, CancellationToken.None))!;
        Host.Clock.Advance(TimeSpan.FromHours(1));
        await Requests.AnswerAsync(School, request.Id, "多在學校附近的公園。", CancellationToken.None);

        foreach (var party in new[] { Station, School })
        {
            var timeline = (await Cases.TimelineAsync(party, view.Id, CancellationToken.None))!;
            var question = Assert.Single(timeline, e => e.Event == "InformationRequested");
            Assert.Equal("請求補充資料", question.Title);
            Assert.Equal(asked, question.At);
            Assert.Contains(Question, question.Message);
            var answer = Assert.Single(timeline, e => e.Event == "InformationAnswered");
            Assert.Equal("已補充資料", answer.Title);
            Assert.Equal(asked.AddHours(1), answer.At);
            Assert.Contains("公園", answer.Message);
        }

        var liaisonTimeline = (await Cases.TimelineAsync(Liaison, view.Id, CancellationToken.None))!;
        var seen = Assert.Single(liaisonTimeline, e => e.Event == "InformationRequested");
        Assert.Contains("基隆市警察局第一分局忠二路派出所 → 基隆市立成功國民中學", seen.Message);
        Assert.DoesNotContain("放學後", seen.Message);
        Assert.DoesNotContain("公園", Assert.Single(liaisonTimeline, e => e.Event == "InformationAnswered").Message);
    }

    private static Actor Person(string userName, string agencyId, string role) =>
        new("user-" + userName, userName, agencyId, new HashSet<string>(StringComparer.Ordinal) { role });

    /// <summary>The school reports a tip-off naming a student; the task routed to its 派出所.</summary>
    private async Task<(CaseView View, InboxItem Task)> TipOffAsync()
    {
        var view = await Cases.StartNotificationAsync(School, new NewNotification("DrugSource", false, 2, Name, ClassName, null, null), idempotencyKey: null, CancellationToken.None);
        var task = Assert.Single((await Cases.InboxAsync(Station, 1, InboxPage.MaxSize, CancellationToken.None)).Items, i => i.CaseId == view.Id);
        return (view, task);
    }

    private Task<IReadOnlyList<OutboxItem>> QueuedAsync(string idempotencyKey) =>
        Host.Factory.Services.GetRequiredService<IOutboxStore>().ListAsync(new OutboxFilter(IdempotencyKey: idempotencyKey), CancellationToken.None);

    private async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = Host.Factory.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand(sql);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        var result = await command.ExecuteScalarAsync();
        return result is DBNull or null ? default! : (T)result;
    }
}
