using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using Xunit;

namespace AntiDrugFlow.Tests.Chains;

/// <summary>The chains through HTTP as their users work them, with a real database and SMTP server and the clock moved.</summary>
public sealed class NotificationEndToEndTests : IAsyncLifetime
{
    // A made-up name and class that must never leave the system (and must show masked outside the case's team).
    private const string Name = "王小明";
    private const string ClassName = "三年二班";
    private ChainsHost _host = null!;

    public async Task InitializeAsync() => _host = await ChainsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task An_urgent_tip_off_reaches_the_right_station_is_reminded_escalates_and_comes_back_to_the_school_as_status()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        var created = await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", urgent = true, drugLevel = 2, subjectName = Name, subjectClass = ClassName });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = await ChainsHost.BodyAsync(created);
        var caseId = view["id"]!.GetValue<string>();
        Assert.Matches("^TIP-115-\\d{6}$", view["caseNumber"]!.GetValue<string>());
        Assert.Equal(Name, view["subjectName"]!.GetValue<string>());

        // The school's own 派出所 sees the task, due in 2 hours, and the case with the name masked.
        var station = await _host.SignedInAsync("police.kl-zhong-er-rd");
        var inbox = (await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray();
        var task = Assert.Single(inbox, t => t!["caseId"]!.GetValue<string>() == caseId)!;
        Assert.Equal(_host.Clock.GetUtcNow().AddHours(2), task["dueAt"]!.GetValue<DateTimeOffset>());
        // The case's kind and urgency, and the new task is unread.
        Assert.Equal(("藥頭情資", true, true), (task["caseKindName"]!.GetValue<string>(), task["urgent"]!.GetValue<bool>(), task["unread"]!.GetValue<bool>()));
        var masked = await ChainsHost.BodyAsync(await station.GetAsync($"/api/cases/{caseId}"));
        Assert.Equal("王○○", masked["subjectName"]!.GetValue<string>());
        Assert.Null(masked["subjectClass"]);

        // Another station sees nothing of it.
        var other = await _host.SignedInAsync("police.kl-xinyi");
        Assert.DoesNotContain((await ChainsHost.BodyAsync(await other.GetAsync("/api/inbox"))).AsArray(), t => t!["caseId"]!.GetValue<string>() == caseId);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/cases/{caseId}")).StatusCode);

        // Half an hour before the deadline the station is reminded by email; at the deadline the task goes up to the 分局.
        await _host.AdvanceAsync(TimeSpan.FromMinutes(90));
        await _host.DeliverAsync();
        Assert.Contains(_host.Smtp.Messages(), m => m.Subject.Contains("提醒", StringComparison.Ordinal) && m.Raw.Contains("kee-p1-zhong-er-rd@agencies.invalid", StringComparison.Ordinal));
        await _host.AdvanceAsync(TimeSpan.FromMinutes(30));
        // The station keeps the task in its inbox, closed and read-only, naming where it went.
        var kept = Assert.Single((await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray(), t => t!["caseId"]!.GetValue<string>() == caseId)!;
        Assert.False(kept["open"]!.GetValue<bool>());
        Assert.Contains("分局", kept["escalatedTo"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(("藥頭情資", true), (kept["caseKindName"]!.GetValue<string>(), kept["urgent"]!.GetValue<bool>()));
        Assert.Equal(HttpStatusCode.Conflict, (await station.PostAsync($"/api/inbox/{kept["taskId"]}/acknowledge", null)).StatusCode);
        var precinct = await _host.SignedInAsync("police.kl-precinct-1");
        var escalated = Assert.Single((await ChainsHost.BodyAsync(await precinct.GetAsync("/api/inbox"))).AsArray(), t => t!["caseId"]!.GetValue<string>() == caseId)!;
        Assert.True(escalated["escalated"]!.GetValue<bool>());

        // The 分局 acknowledges, then reports the outcome with investigation detail the school must not see.
        Assert.Equal(HttpStatusCode.NoContent, (await precinct.PostAsync($"/api/inbox/{escalated["taskId"]}/acknowledge", null)).StatusCode);
        var outcome = Assert.Single((await ChainsHost.BodyAsync(await precinct.GetAsync("/api/inbox"))).AsArray(), t => t!["caseId"]!.GetValue<string>() == caseId)!;
        Assert.Equal(HttpStatusCode.BadRequest, (await precinct.PostAsJsonAsync($"/api/inbox/{outcome["taskId"]}/complete", new { outcome = "破案了" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await precinct.PostAsJsonAsync($"/api/inbox/{outcome["taskId"]}/complete", new { outcome = "查獲", note = "偵查細節：線民代號甲" })).StatusCode);

        var seen = await ChainsHost.BodyAsync(await school.GetAsync($"/api/cases/{caseId}"));
        Assert.Equal("警方回報：查獲", seen["status"]!.GetValue<string>());
        var timeline = (await school.GetAsync($"/api/cases/{caseId}/timeline")).Content.ReadAsStringAsync();
        Assert.Contains("查獲", await timeline);
        Assert.DoesNotContain("線民", await timeline);
        var liaison = await _host.SignedInAsync("liaison.kl");
        Assert.Equal(Name, (await ChainsHost.BodyAsync(await liaison.GetAsync($"/api/cases/{caseId}")))["subjectName"]!.GetValue<string>());

        await _host.DeliverAsync();
        await AssertNoPersonalDataLeftAsync();
        Assert.Contains(_host.Smtp.Messages(), m => m.Subject.Contains("狀態更新", StringComparison.Ordinal) && m.Body.Contains("查獲", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_case_list_comes_in_pages_of_50_newest_first_each_with_the_status_its_workflow_set()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        var created = new List<string>();
        for (var i = 0; i < 51; i++)
        {
            created.Add((await ChainsHost.BodyAsync(await school.PostAsJsonAsync("/api/notifications", new { kind = "CampusSeizure", drugLevel = 3 })))["id"]!.GetValue<string>());
            _host.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        // The station reports an outcome on the newest case, so the list must show that case's new status.
        var station = await _host.SignedInAsync("police.kl-zhong-er-rd");
        var ack = (await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray().Single(t => t!["caseId"]!.GetValue<string>() == created[^1])!;
        Assert.Equal(HttpStatusCode.NoContent, (await station.PostAsync($"/api/inbox/{ack["taskId"]}/acknowledge", null)).StatusCode);
        var status = (await ChainsHost.BodyAsync(await school.GetAsync($"/api/cases/{created[^1]}")))["status"]!.GetValue<string>();

        var first = await school.GetAsync("/api/cases");
        var page1 = (await ChainsHost.BodyAsync(first)).AsArray();
        Assert.Equal(50, page1.Count);
        Assert.StartsWith("</api/cases?page=2&after=", first.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
        Assert.Equal(created[^1], page1[0]!["id"]!.GetValue<string>());
        Assert.Equal(status, page1[0]!["status"]!.GetValue<string>());

        var second = await school.GetAsync("/api/cases?page=2");
        Assert.False(second.Headers.Contains("Link"));
        Assert.Equal(created[0], Assert.Single((await ChainsHost.BodyAsync(second)).AsArray())!["id"]!.GetValue<string>());

        // The page shows the same split, with links between the pages.
        var page = await (await school.GetAsync("/cases?page=2")).Content.ReadAsStringAsync();
        Assert.Contains("id=\"newer-cases\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"older-cases\"", page, StringComparison.Ordinal);
        Assert.Contains("第 2 頁", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Users_of_another_school_county_or_station_get_404_on_every_case_endpoint_and_the_audit_log_records_who_looked()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        var caseId = (await ChainsHost.BodyAsync(await school.PostAsJsonAsync("/api/notifications", new { kind = "CampusSeizure", drugLevel = 3, subjectName = Name }))).AsObject()["id"]!.GetValue<string>();
        var station = await _host.SignedInAsync("police.kl-zhong-er-rd");
        var taskId = (await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray().Single(t => t!["caseId"]!.GetValue<string>() == caseId)!["taskId"]!.GetValue<string>();

        foreach (var outsider in new[] { "school.kl-xinyi-jh", "police.kl-xinyi", "police.cy-beixing", "liaison.cy", "school.cy-beixing-jh", "social.kl" })
        {
            var client = await _host.SignedInAsync(outsider);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/cases/{caseId}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/cases/{caseId}/timeline")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync($"/api/cases/{caseId}/transition", new { })).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/inbox/{taskId}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"/api/inbox/{taskId}/acknowledge", null)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync($"/api/inbox/{taskId}/complete", new { outcome = "受理" })).StatusCode);
            Assert.DoesNotContain((await ChainsHost.BodyAsync(await client.GetAsync("/api/cases"))).AsArray(), c => c!["id"]!.GetValue<string>() == caseId);
        }

        var admin = await _host.SignedInAsync("admin");
        var audit = (await ChainsHost.BodyAsync(await admin.GetAsync($"/api/audit?caseId={caseId}"))).AsArray();
        Assert.Contains(audit, e => e!["agencyId"]!.GetValue<string>() == "kee-p2-xinyi" && e["action"]!.GetValue<string>() == "case.read.denied");
        Assert.Contains(audit, e => e!["agencyId"]!.GetValue<string>() == "kee-sch-chenggong-jh" && e["action"]!.GetValue<string>() == "case.create");
        Assert.Equal(HttpStatusCode.Forbidden, (await station.GetAsync($"/api/audit?caseId={caseId}")).StatusCode);
    }

    [Fact]
    public async Task Police_notify_a_first_time_offender_the_liaison_opens_a_case_and_the_school_starts_care()
    {
        var police = await _host.SignedInAsync("police.kl-zhong-er-rd");
        var created = await police.PostAsJsonAsync("/api/notifications", new { kind = "FirstTimeOffender", schoolId = "kee-sch-chenggong-jh", subjectName = Name });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var caseId = (await ChainsHost.BodyAsync(created))["id"]!.GetValue<string>();

        var liaison = await _host.SignedInAsync("liaison.kl");
        var task = Assert.Single((await ChainsHost.BodyAsync(await liaison.GetAsync("/api/inbox"))).AsArray(), t => t!["caseId"]!.GetValue<string>() == caseId)!;
        Assert.Equal("受理初犯涉毒少年通報並開案", task["taskName"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NoContent, (await liaison.PostAsync($"/api/inbox/{task["taskId"]}/acknowledge", null)).StatusCode);
        await _host.DeliverAsync();

        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        var care = Assert.Single((await ChainsHost.BodyAsync(await school.GetAsync("/api/inbox"))).AsArray(), t => t!["caseId"]!.GetValue<string>() == caseId)!;
        Assert.Equal("啟動即時關懷並聯繫家長", care["taskName"]!.GetValue<string>());
        Assert.Single(await _host.InstancesAsync(new InstanceFilter("youth-case-followup", CorrelationId: caseId)));
        Assert.Equal(Name, (await ChainsHost.BodyAsync(await school.GetAsync($"/api/cases/{caseId}")))["subjectName"]!.GetValue<string>());
        await AssertNoPersonalDataLeftAsync();
    }

    [Fact]
    public async Task Out_of_school_youth_and_military_cases_reach_social_services_the_counselling_committee_and_the_military_police()
    {
        var police = await _host.SignedInAsync("police.kl-zhong-er-rd");
        var youth = (await ChainsHost.BodyAsync(await police.PostAsJsonAsync("/api/notifications", new { kind = "OutOfSchoolYouth", drugLevel = 3, subjectName = Name })))["id"]!.GetValue<string>();
        var military = (await ChainsHost.BodyAsync(await police.PostAsJsonAsync("/api/notifications", new { kind = "Military", drugLevel = 2 })))["id"]!.GetValue<string>();

        Assert.Contains((await ChainsHost.BodyAsync(await police.GetAsync("/api/inbox"))).AsArray(), t => t!["caseId"]!.GetValue<string>() == youth && t["taskName"]!.GetValue<string>().StartsWith("24小時內完成兒少保護通報", StringComparison.Ordinal));
        var committee = await _host.SignedInAsync("counselling.kl");
        var decide = Assert.Single((await ChainsHost.BodyAsync(await committee.GetAsync("/api/inbox"))).AsArray(), t => t!["caseId"]!.GetValue<string>() == youth)!;
        Assert.Equal(_host.Clock.GetUtcNow().AddDays(14), decide["dueAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal(HttpStatusCode.NoContent, (await committee.PostAsJsonAsync($"/api/inbox/{decide["taskId"]}/complete", new { outcome = "收案" })).StatusCode);
        Assert.Equal("少年輔導委員會收案輔導", (await ChainsHost.BodyAsync(await police.GetAsync($"/api/cases/{youth}")))["status"]!.GetValue<string>());

        var mp = await _host.SignedInAsync("military.kl-mp");
        Assert.Single((await ChainsHost.BodyAsync(await mp.GetAsync("/api/inbox"))).AsArray(), t => t!["caseId"]!.GetValue<string>() == military);
        await AssertNoPersonalDataLeftAsync();
    }

    [Fact]
    public async Task Every_chain_runs_to_its_end_through_the_inboxes_of_the_agencies_involved()
    {
        // Names, not clients: months pass on the clock, longer than a session lasts, so each action signs in anew.
        const string police = "police.kl-zhong-er-rd", school = "school.kl-chenggong-jh", liaison = "liaison.kl";
        const string social = "social.kl", committee = "counselling.kl", mp = "military.kl-mp";

        // First-time offender: the liaison opens the case, the school starts care; the follow-up closes on a negative test.
        var offender = await StartAsync(await _host.SignedInAsync(police), new { kind = "FirstTimeOffender", schoolId = "kee-sch-chenggong-jh", subjectName = Name });
        await ActAsync(liaison, offender, "受理初犯涉毒少年通報並開案", null);
        await _host.DeliverAsync();
        await ActAsync(school, offender, "啟動即時關懷並聯繫家長", "已聯繫家長");
        await _host.AdvanceAsync(TimeSpan.FromDays(42));
        await _host.AdvanceAsync(TimeSpan.FromDays(42));
        var today = Workflows.Calendar.TaipeiTime.DateOf(_host.Clock.GetUtcNow());
        var retest = await (await _host.SignedInAsync(school)).PostAsJsonAsync($"/api/cases/{offender}/retests", new { date = today, result = "negative" });
        Assert.Equal(HttpStatusCode.Created, retest.StatusCode);
        var offenderInstances = await _host.InstancesAsync(new InstanceFilter(CorrelationId: offender));
        Assert.Equal(2, offenderInstances.Count);
        Assert.All(offenderInstances, i => Assert.Equal(WorkflowStatus.Finished, i.Status));

        // Out-of-school youth: the 24-hour child-protection report, social services, the committee's decision and six months' follow-up.
        var youth = await StartAsync(await _host.SignedInAsync(police), new { kind = "OutOfSchoolYouth", drugLevel = 4, subjectName = Name });
        await ActAsync(police, youth, "24小時內完成兒少保護通報（兒少法第53條）", "已通報");
        await ActAsync(social, youth, "受理兒少保護通報並評估後續處遇", null);
        await ActAsync(committee, youth, "14日內決定是否收案並告知轉介者", "收案");
        await ActAsync(committee, youth, "輔導結案後回報", "結案");
        await _host.AdvanceAsync(TimeSpan.FromDays(182));
        await ActAsync(committee, youth, "結案後追蹤6個月並回報", "追蹤完成");
        Assert.Equal(WorkflowStatus.Finished, Assert.Single(await _host.InstancesAsync(new InstanceFilter(CorrelationId: youth))).Status);

        // Military: the 憲兵隊 acknowledges; the ministry lets its deadline pass, so the late path ends the chain and the police are told.
        var military = await StartAsync(await _host.SignedInAsync(police), new { kind = "Military", drugLevel = 2 });
        await ActAsync(mp, military, "確認收到國軍涉毒案件通報並轉報國防部", null);
        await _host.AdvanceAsync(TimeSpan.FromHours(24));
        Assert.Equal(WorkflowStatus.Finished, Assert.Single(await _host.InstancesAsync(new InstanceFilter(CorrelationId: military))).Status);
        Assert.Equal("國防部已知悉", (await ChainsHost.BodyAsync(await (await _host.SignedInAsync(police)).GetAsync($"/api/cases/{military}")))["status"]!.GetValue<string>());
        await AssertNoPersonalDataLeftAsync();
    }

    [Fact]
    public async Task A_school_that_lets_its_campus_report_deadline_pass_is_reported_to_the_liaison_office()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        var caseId = await StartAsync(school, new { kind = "ScreeningPositive", drugLevel = 1, subjectName = Name });

        await _host.AdvanceAsync(TimeSpan.FromHours(24));

        var liaison = await _host.SignedInAsync("liaison.kl");
        var timeline = (await ChainsHost.BodyAsync(await liaison.GetAsync($"/api/cases/{caseId}/timeline"))).AsArray();
        Assert.Contains(timeline, e => e!["message"]!.GetValue<string>().Contains("學校逾期未完成校安通報", StringComparison.Ordinal));
        await _host.DeliverAsync();
        Assert.Contains(_host.Smtp.Messages(), m => m.Body.Contains("學校逾期未完成校安通報", StringComparison.Ordinal) && m.Raw.Contains("kee-liaison@agencies.invalid", StringComparison.Ordinal));
        // A positive screening also opened the youth follow-up.
        Assert.Single(await _host.InstancesAsync(new InstanceFilter("youth-case-followup", CorrelationId: caseId)));
    }

    private static async Task<string> StartAsync(HttpClient client, object notification)
    {
        var response = await client.PostAsJsonAsync("/api/notifications", notification);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await ChainsHost.BodyAsync(response))["id"]!.GetValue<string>();
    }

    /// <summary>Signs in as the user, finds the named task of the case in their inbox and acknowledges it (no outcome) or completes it.</summary>
    private async Task ActAsync(string userName, string caseId, string taskName, string? outcome)
    {
        var client = await _host.SignedInAsync(userName);
        var inbox = (await ChainsHost.BodyAsync(await client.GetAsync("/api/inbox"))).AsArray();
        var task = Assert.Single(inbox, t => t!["caseId"]!.GetValue<string>() == caseId && t["taskName"]!.GetValue<string>() == taskName)!;
        var response = outcome is null
            ? await client.PostAsync($"/api/inbox/{task["taskId"]}/acknowledge", null)
            : await client.PostAsJsonAsync($"/api/inbox/{task["taskId"]}/complete", new { outcome });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task Bad_notifications_get_problem_details_naming_the_field_and_roles_that_may_not_start_one_get_403()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");

        var unknown = await school.PostAsJsonAsync("/api/notifications", new { kind = "Rumour" });
        var level = await school.PostAsJsonAsync("/api/notifications", new { kind = "ScreeningPositive", drugLevel = 3 });
        var typed = await school.PostAsync("/api/notifications", new StringContent("{\"kind\":\"DrugSource\",\"drugLevel\":\"two\"}", System.Text.Encoding.UTF8, "application/json"));
        var forbidden = await school.PostAsJsonAsync("/api/notifications", new { kind = "FirstTimeOffender" });
        var anonymous = await _host.Factory.CreateClient().PostAsJsonAsync("/api/notifications", new { kind = "DrugSource" });

        Assert.True((await ChainsHost.BodyAsync(unknown))["errors"]!.AsObject().ContainsKey("kind"));
        Assert.True((await ChainsHost.BodyAsync(level))["errors"]!.AsObject().ContainsKey("drugLevel"));
        Assert.Equal(HttpStatusCode.BadRequest, typed.StatusCode);
        Assert.True((await ChainsHost.BodyAsync(typed))["errors"]!.AsObject().ContainsKey("$.drugLevel"));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM cases"));
    }

    [Fact]
    public async Task Level_one_sees_quarterly_counts_by_county_level_and_outcome_and_no_people()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", drugLevel = 2, subjectName = Name });
        await school.PostAsJsonAsync("/api/notifications", new { kind = "ScreeningPositive", drugLevel = 1, subjectName = Name });
        var ministry = await _host.SignedInAsync("liaison.moe");

        var response = await ministry.GetAsync("/api/statistics/quarterly?year=115&quarter=4");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stats = JsonNode.Parse(text)!;
        Assert.Equal(2, stats["total"]!.GetValue<int>());
        Assert.Contains(stats["counts"]!.AsArray(), c => c!["county"]!.GetValue<string>() == "TW-KEE" && c["drugLevel"]!.GetValue<int>() == 1 && c["cases"]!.GetValue<int>() == 1);
        Assert.DoesNotContain("王", text);
        Assert.Empty((await ChainsHost.BodyAsync(await ministry.GetAsync("/api/cases"))).AsArray());
        Assert.Equal(HttpStatusCode.Forbidden, (await school.GetAsync("/api/statistics/quarterly?year=115&quarter=4")).StatusCode);
    }

    /// <summary>No name or class in any email that left, any log line, or any outgoing HTTP request or mail waiting in the outbox.</summary>
    private async Task AssertNoPersonalDataLeftAsync()
    {
        // Something was logged and mailed, so the searches below look at real output.
        Assert.NotEmpty(_host.Logs);
        await _host.DeliverAsync();
        Assert.NotEmpty(_host.Smtp.Messages());
        foreach (var mail in _host.Smtp.Messages())
        {
            Assert.DoesNotContain(Name, mail.Raw);
            Assert.DoesNotContain("王○○", mail.Raw);
            Assert.DoesNotContain(ClassName, mail.Raw);
        }

        foreach (var line in _host.Logs)
        {
            Assert.DoesNotContain(Name, line);
            Assert.DoesNotContain(ClassName, line);
        }

        var queued = await _host.OutboxAsync(new OutboxFilter());
        Assert.NotEmpty(queued);
        var outbox = string.Join(' ', queued.Select(m => EngineReader.Text(m.Payload)));
        Assert.DoesNotContain(Name, outbox);
        Assert.DoesNotContain(ClassName, outbox);
    }
}
