using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Chains;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Tests.WebPages;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AntiDrugFlow.Tests.Cases;

/// <summary>
/// The school of a 春暉 case records counselling sessions and urine re-tests (API and page); each record resumes the
/// follow-up chain, which closes on a negative test after the period and refers the case after a second positive one.
/// Only the case's school records; everyone else is refused and audited as denied.
/// </summary>
public sealed class CounsellingRecordTests : IAsyncLifetime
{
    private const string Name = "王小明";
    private const string Note = "A生談及近況，情緒穩定";
    private const string School = "school.kl-chenggong-jh";
    private ChainsHost _host = null!;

    public async Task InitializeAsync() => _host = await ChainsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private DateOnly Today => TaipeiTime.DateOf(_host.Clock.GetUtcNow());

    [Fact]
    public async Task Sessions_and_a_negative_test_after_the_period_close_the_follow_up_and_the_note_stays_encrypted()
    {
        var caseId = await OpenCaseAsync();
        var school = await _host.SignedInAsync(School);

        var session = await school.PostAsJsonAsync($"/api/cases/{caseId}/counselling-sessions", new { date = Today, form = "個別晤談", ledBy = "輔導老師", note = Note });
        Assert.Equal(HttpStatusCode.Created, session.StatusCode);
        Assert.Equal(Note, (await ChainsHost.BodyAsync(session))["note"]!.GetValue<string>());
        var followUp = await FollowUpAsync(caseId);
        Assert.Equal(1, (await InstanceAsync(followUp)).State.Variables["sessions"]!.GetValue<int>());

        // A negative test inside the 12 weeks does not close the case.
        await _host.AdvanceAsync(TimeSpan.FromDays(42));
        await RetestAsync(caseId, "negative");
        Assert.Equal(WorkflowStatus.Suspended, (await InstanceAsync(followUp)).Status);
        await _host.AdvanceAsync(TimeSpan.FromDays(42));
        await RetestAsync(caseId, "negative");

        var closed = await InstanceAsync(followUp);
        Assert.Equal(WorkflowStatus.Finished, closed.Status);
        Assert.Equal("輔導結案（期滿尿篩陰性）", closed.State.Variables["caseStatus"]!.GetValue<string>());

        // The team reads the records back in clear, oldest first; the note is nowhere in clear in the database.
        var records = (await ChainsHost.BodyAsync(await (await _host.SignedInAsync("liaison.kl")).GetAsync($"/api/cases/{caseId}/counselling"))).AsArray();
        Assert.Equal(["session", "retest", "retest"], records.Select(r => r!["kind"]!.GetValue<string>()));
        Assert.Equal(Note, records[0]!["note"]!.GetValue<string>());
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM counselling_records WHERE details_protected LIKE $1", "%情緒穩定%"));
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM instance_variables WHERE variables::text LIKE $1", "%情緒穩定%"));

        // The administrator finds the case's audit rows by its number as by its id.
        var admin = await _host.SignedInAsync("admin");
        var number = (await ChainsHost.BodyAsync(await (await _host.SignedInAsync(School)).GetAsync($"/api/cases/{caseId}")))["caseNumber"]!.GetValue<string>();
        var audit = (await ChainsHost.BodyAsync(await admin.GetAsync($"/api/audit?caseNumber={number.ToLowerInvariant()}"))).AsArray();
        Assert.All(audit, e => Assert.Equal(caseId, e!["caseId"]!.GetValue<string>()));
        Assert.Single(audit, e => e!["action"]!.GetValue<string>() == "case.counselling.session");
        Assert.Equal(2, audit.Count(e => e!["action"]!.GetValue<string>() == "case.counselling.retest"));
        Assert.DoesNotContain(audit, e => e!["details"]?.GetValue<string>().Contains("情緒", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task A_positive_test_starts_a_second_round_and_a_second_one_refers_the_case_to_the_drug_prevention_centre()
    {
        var caseId = await OpenCaseAsync();
        var followUp = await FollowUpAsync(caseId);

        await RetestAsync(caseId, "positive");
        Assert.Equal("春暉小組輔導中（第2輪）", (await InstanceAsync(followUp)).State.Variables["caseStatus"]!.GetValue<string>());
        await _host.AdvanceAsync(TimeSpan.FromDays(10));
        await RetestAsync(caseId, "positive");

        var referral = Assert.Single(await _host.Tasks.ListTasksAsync(HumanTaskStatus.Pending, followUp, CancellationToken.None));
        Assert.Equal("受理轉介個案（戒治、醫療或司法）", referral.TaskName);
        Assert.Equal((await ShippedDirectory.LoadAsync()).DrugPreventionCentreFor("TW-KEE").Id, referral.Payload!["agencyId"]!.GetValue<string>());

        // A record made once the chain no longer waits for one is still kept with the case.
        await RetestAsync(caseId, "negative");
        Assert.Equal(3, (await ChainsHost.BodyAsync(await (await _host.SignedInAsync(School)).GetAsync($"/api/cases/{caseId}/counselling"))).AsArray().Count);
    }

    [Fact]
    public async Task Bad_input_is_a_problem_naming_the_field_and_a_future_date_is_refused()
    {
        var caseId = await OpenCaseAsync();
        var school = await _host.SignedInAsync(School);

        await AssertInvalidAsync(await school.PostAsJsonAsync($"/api/cases/{caseId}/counselling-sessions", new { date = Today.AddDays(1), form = "個別晤談", ledBy = "輔導老師" }), "date", "輔導日期不可晚於今天");
        await AssertInvalidAsync(await school.PostAsJsonAsync($"/api/cases/{caseId}/counselling-sessions", new { date = Today, form = "聊天", ledBy = "輔導老師" }), "form", "輔導方式須為");
        await AssertInvalidAsync(await school.PostAsJsonAsync($"/api/cases/{caseId}/counselling-sessions", new { date = Today, form = "家庭訪視" }), "ledBy", "請填寫帶領人");
        await AssertInvalidAsync(await school.PostAsJsonAsync($"/api/cases/{caseId}/retests", new { date = Today, result = "unclear" }), "result", "篩檢結果須為");
        await AssertInvalidAsync(await school.PostAsJsonAsync($"/api/cases/{caseId}/retests", new { date = Today, result = "not-taken" }), "reason", "請填寫未篩檢原因");
        await AssertInvalidAsync(await school.PostAsJsonAsync($"/api/cases/{caseId}/retests", new { date = Today.AddDays(-30), result = "negative" }), "date", "篩檢日期不可早於立案日");
        await AssertInvalidAsync(await school.PostAsync($"/api/cases/{caseId}/retests", JsonContent.Create(new { date = "明天", result = "negative" })), "$.date", "請求內容有誤");

        Assert.Empty((await ChainsHost.BodyAsync(await school.GetAsync($"/api/cases/{caseId}/counselling"))).AsArray());
        Assert.Equal(1, (await InstanceAsync(await FollowUpAsync(caseId))).State.Variables["round"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_record_retried_under_its_Idempotency_Key_is_stored_once_and_the_key_with_another_body_is_409()
    {
        var caseId = await OpenCaseAsync();
        var school = await _host.SignedInAsync(School);
        var session = new { date = Today, form = "個別晤談", ledBy = "輔導老師", note = Note };

        var first = await PostWithKeyAsync(school, $"/api/cases/{caseId}/counselling-sessions", "visit-1", session);
        var again = await PostWithKeyAsync(school, $"/api/cases/{caseId}/counselling-sessions", "visit-1", session);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        var firstId = (await ChainsHost.BodyAsync(first))["id"]!.GetValue<string>();
        Assert.Equal(firstId, (await ChainsHost.BodyAsync(again))["id"]!.GetValue<string>());
        Assert.Equal(Note, (await ChainsHost.BodyAsync(again))["note"]!.GetValue<string>());

        // The key with another note, or for a re-test, is another request: refused without quoting what was typed.
        var changed = await PostWithKeyAsync(school, $"/api/cases/{caseId}/counselling-sessions", "visit-1", session with { note = "另一份紀要" });
        Assert.Equal(HttpStatusCode.Conflict, changed.StatusCode);
        Assert.Equal("application/problem+json", changed.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("紀要", await changed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await PostWithKeyAsync(school, $"/api/cases/{caseId}/retests", "visit-1", new { date = Today, result = "negative" })).StatusCode);

        // Two copies of one re-test at the same moment store one record and give both the same answer.
        var retest = new { date = Today, result = "positive" };
        var both = await Task.WhenAll(
            PostWithKeyAsync(school, $"/api/cases/{caseId}/retests", "test-1", retest), PostWithKeyAsync(await _host.SignedInAsync(School), $"/api/cases/{caseId}/retests", "test-1", retest));
        Assert.All(both, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Single((await Task.WhenAll(both.Select(ChainsHost.BodyAsync))).Select(b => b["id"]!.GetValue<string>()).Distinct());

        // A malformed key is a 400 naming the header; without a key every request is stored.
        await AssertInvalidAsync(await PostWithKeyAsync(school, $"/api/cases/{caseId}/retests", new string('k', 101), retest), "Idempotency-Key", "Idempotency-Key 須為");
        Assert.Equal(HttpStatusCode.Created, (await school.PostAsJsonAsync($"/api/cases/{caseId}/counselling-sessions", session)).StatusCode);

        Assert.Equal(3L, await _host.ScalarAsync<long>("SELECT count(*) FROM counselling_records"));
        var followUp = await InstanceAsync(await FollowUpAsync(caseId));
        Assert.Equal(2, followUp.State.Variables["round"]!.GetValue<int>());
        Assert.Equal(2L, await _host.ScalarAsync<long>("SELECT count(*) FROM counselling_requests"));
    }

    [Fact]
    public async Task Another_school_gets_404_an_agency_outside_the_team_403_and_each_refusal_is_audited_as_denied()
    {
        var caseId = await OpenCaseAsync();
        var retest = new { date = Today, result = "positive" };

        var foreign = await _host.SignedInAsync("school.kl-xinyi-jh");
        Assert.Equal(HttpStatusCode.NotFound, (await foreign.PostAsJsonAsync($"/api/cases/{caseId}/retests", retest)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await foreign.PostAsJsonAsync($"/api/cases/{caseId}/counselling-sessions", new { date = Today, form = "個別晤談", ledBy = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await foreign.GetAsync($"/api/cases/{caseId}/counselling")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await foreign.GetAsync($"/cases/{caseId}/counselling")).StatusCode);
        // The station sees the case (masked) but is not its team; the liaison office reads the records but does not write them.
        var station = await _host.SignedInAsync("police.kl-zhong-er-rd");
        Assert.Equal(HttpStatusCode.Forbidden, (await station.PostAsJsonAsync($"/api/cases/{caseId}/retests", retest)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await station.GetAsync($"/api/cases/{caseId}/counselling")).StatusCode);
        var liaison = await _host.SignedInAsync("liaison.kl");
        Assert.Equal(HttpStatusCode.OK, (await liaison.GetAsync($"/api/cases/{caseId}/counselling")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await liaison.PostAsJsonAsync($"/api/cases/{caseId}/retests", retest)).StatusCode);

        // Nothing was recorded and the chain did not move.
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM counselling_records"));
        Assert.Equal(1, (await InstanceAsync(await FollowUpAsync(caseId))).State.Variables["round"]!.GetValue<int>());
        var audit = (await ChainsHost.BodyAsync(await (await _host.SignedInAsync("admin")).GetAsync($"/api/audit?caseId={caseId}"))).AsArray();
        string Denied(string agency, string action) => $"{agency} {action}";
        var denied = audit.Select(e => Denied(e!["agencyId"]!.GetValue<string>(), e["action"]!.GetValue<string>())).ToList();
        Assert.Contains(Denied("kee-sch-xinyi-jh", "case.counselling.retest.denied"), denied);
        Assert.Contains(Denied("kee-sch-xinyi-jh", "case.counselling.session.denied"), denied);
        Assert.Contains(Denied("kee-p1-zhong-er-rd", "case.counselling.retest.denied"), denied);
        Assert.Contains(Denied((await ShippedDirectory.LoadAsync()).LiaisonOfficeFor("TW-KEE").Id, "case.counselling.retest.denied"), denied);
        Assert.DoesNotContain(audit, e => e!["action"]!.GetValue<string>() is "case.counselling.retest" or "case.counselling.session");
    }

    [Fact]
    public async Task The_page_takes_a_session_and_a_test_in_ROC_dates_keeps_what_was_typed_on_error_and_lists_them()
    {
        var caseId = await OpenCaseAsync();
        var school = await _host.SignedInAsync(School);
        var address = $"/cases/{caseId}/counselling";
        Assert.Contains($"href=\"{address}\"", await school.GetStringAsync($"/cases/{caseId}"), StringComparison.Ordinal);

        var future = await PageForm.SubmitAsync(school, address, "session", ("SessionDate", RocDate.Format(Today.AddDays(1))), ("Form", "團體輔導"), ("LedBy", "生輔組長"), ("Note", Note));
        var html = await PageForm.TextAsync(future);
        PageForm.AssertErrorAfter(html, "id=\"session-date\"", "session-date", "輔導日期不可晚於今天");
        Assert.Contains(Note, html, StringComparison.Ordinal);
        var western = await PageForm.TextAsync(await PageForm.SubmitAsync(school, address, "retest", ("RetestDate", "2026/11/20"), ("Result", "negative")));
        Assert.Contains("民國年", western, StringComparison.Ordinal);

        var saved = await PageForm.SubmitAsync(school, address, "session", ("SessionDate", RocDate.Format(Today)), ("Form", "團體輔導"), ("LedBy", "生輔組長"), ("Note", Note));
        var list = await PageForm.TextAsync(saved);
        Assert.Contains("已登錄輔導紀錄。", list, StringComparison.Ordinal);
        Assert.Contains(RocDate.Format(Today), list, StringComparison.Ordinal);
        Assert.Contains("團體輔導", list, StringComparison.Ordinal);
        var tested = await PageForm.TextAsync(await PageForm.SubmitAsync(school, address, "retest", ("RetestDate", RocDate.Format(Today)), ("Result", "positive")));
        Assert.Contains("已登錄尿液篩檢結果。", tested, StringComparison.Ordinal);
        Assert.Contains("陽性", tested, StringComparison.Ordinal);
        Assert.Equal(2, (await InstanceAsync(await FollowUpAsync(caseId))).State.Variables["round"]!.GetValue<int>());

        // The liaison office reads the list without the forms.
        var liaison = await PageForm.TextAsync(await (await _host.SignedInAsync("liaison.kl")).GetAsync(address));
        Assert.Contains("團體輔導", liaison, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"session-form\"", liaison, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Administrators_find_a_cases_instances_by_its_number()
    {
        var caseId = await OpenCaseAsync();
        await OpenCaseAsync();
        var admin = await _host.SignedInAsync("admin");
        var number = (await ChainsHost.BodyAsync(await (await _host.SignedInAsync(School)).GetAsync($"/api/cases/{caseId}")))["caseNumber"]!.GetValue<string>();

        var found = (await ChainsHost.BodyAsync(await admin.GetAsync($"/api/workflow-instances?caseNumber={number}"))).AsArray();
        Assert.Equal(["tip-off-chain", "youth-case-followup"], found.Select(i => i!["definitionId"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(found, i => Assert.Equal(caseId, i!["correlationId"]!.GetValue<string>()));
        Assert.Equal(2, (await ChainsHost.BodyAsync(await admin.GetAsync($"/api/workflow-instances?caseNumber={number}&correlationId={caseId}"))).AsArray().Count);

        var unknown = await admin.GetAsync("/api/workflow-instances?caseNumber=TIP-115-999999");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("TIP-115-999999", (await ChainsHost.BodyAsync(unknown))["errors"]!["caseNumber"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync($"/api/workflow-instances?caseNumber={number}&correlationId=other")).StatusCode);

        // The instances page takes the number too.
        var page = await PageForm.TextAsync(await admin.GetAsync($"/admin/instances?correlation={number}"));
        Assert.Contains(found[0]!["id"]!.GetValue<string>(), page, StringComparison.Ordinal);
    }

    /// <summary>A positive screening by the school: the tip-off chain opens the youth follow-up.</summary>
    private async Task<string> OpenCaseAsync()
    {
        var school = await _host.SignedInAsync(School);
        var created = await school.PostAsJsonAsync("/api/notifications", new { kind = "ScreeningPositive", drugLevel = 2, subjectName = Name });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await _host.DeliverAsync();
        return (await ChainsHost.BodyAsync(created))["id"]!.GetValue<string>();
    }

    private async Task<string> FollowUpAsync(string caseId) =>
        Assert.Single(await _host.InstancesAsync(new InstanceFilter("youth-case-followup", CorrelationId: caseId))).Id;

    private async Task<WorkflowInstance> InstanceAsync(string instanceId) =>
        (await _host.Factory.Services.GetRequiredService<IWorkflowInstanceQueries>().GetAsync(instanceId, CancellationToken.None))!;

    private async Task RetestAsync(string caseId, string result)
    {
        var school = await _host.SignedInAsync(School);
        var response = await school.PostAsJsonAsync($"/api/cases/{caseId}/retests", new { date = Today, result });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static Task<HttpResponseMessage> PostWithKeyAsync(HttpClient client, string address, string key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, address) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request);
    }

    private static async Task AssertInvalidAsync(HttpResponseMessage response, string field, string message)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await ChainsHost.BodyAsync(response))["errors"]!.AsObject();
        Assert.Contains(message, Assert.Single(errors[field]!.AsArray())!.GetValue<string>(), StringComparison.Ordinal);
    }
}
