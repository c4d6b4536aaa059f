using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Tests.Cases;
using AntiDrugFlow.Tests.Chains;
using Xunit;

namespace AntiDrugFlow.Tests.Api;

/// <summary>Requests for more information over HTTP, signed in as the demo accounts: status codes, problem details and who sees what.</summary>
public sealed class InformationRequestsApiTests(InformationRequestHost fixture) : IClassFixture<InformationRequestHost>
{
    private const string Question = "請問當事人王小明平日放學後常去的地點？";

    private ChainsHost Host => fixture.Host;

    [Fact]
    public async Task The_station_asks_on_its_task_the_school_finds_it_answers_once_and_the_station_reads_the_answer()
    {
        var (caseId, taskId) = await TipOffAsync();
        var station = await Host.SignedInAsync("police.kl-zhong-er-rd");
        var school = await Host.SignedInAsync("school.kl-chenggong-jh");

        var asked = await station.PostAsJsonAsync($"/api/inbox/{taskId}/information-requests", new { question = Question });
        Assert.Equal(HttpStatusCode.Created, asked.StatusCode);
        var request = await ChainsHost.BodyAsync(asked);
        var id = request["id"]!.GetValue<string>();
        Assert.Equal($"/api/information-requests/{id}", asked.Headers.Location!.OriginalString);
        Assert.Equal("基隆市立成功國民中學", request["answeringAgencyName"]!.GetValue<string>());
        Assert.False(request["answered"]!.GetValue<bool>());

        var open = (await ChainsHost.BodyAsync(await school.GetAsync("/api/information-requests"))).AsArray();
        var listed = Assert.Single(open, r => r!["id"]!.GetValue<string>() == id)!;
        Assert.Equal(caseId, listed["caseId"]!.GetValue<string>());
        Assert.Equal(Host.Clock.GetUtcNow(), listed["askedAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal(Question, listed["question"]!.GetValue<string>());

        var answered = await school.PostAsJsonAsync($"/api/information-requests/{id}/answer", new { answer = "多在學校附近的公園。" });
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.True((await ChainsHost.BodyAsync(answered))["answered"]!.GetValue<bool>());
        var again = await school.PostAsJsonAsync($"/api/information-requests/{id}/answer", new { answer = "改口" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("已回覆", (await ChainsHost.BodyAsync(again))["detail"]!.GetValue<string>());
        Assert.DoesNotContain((await ChainsHost.BodyAsync(await school.GetAsync("/api/information-requests"))).AsArray(), r => r!["id"]!.GetValue<string>() == id);

        var thread = await ChainsHost.BodyAsync(await station.GetAsync($"/api/inbox/{taskId}/information-requests"));
        Assert.Equal("多在學校附近的公園。", Assert.Single(thread["requests"]!.AsArray())!["answer"]!.GetValue<string>());
        Assert.True(thread["canAsk"]!.GetValue<bool>());
        Assert.Equal("多在學校附近的公園。", (await ChainsHost.BodyAsync(await station.GetAsync($"/api/information-requests/{id}")))["answer"]!.GetValue<string>());

        // The task is still there to act on.
        Assert.Equal(HttpStatusCode.NoContent, (await station.PostAsync($"/api/inbox/{taskId}/acknowledge", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await station.PostAsJsonAsync($"/api/inbox/{taskId}/information-requests", new { question = "再問" })).StatusCode);
    }

    [Fact]
    public async Task Bad_questions_and_answers_get_problem_details_naming_the_field()
    {
        var (_, taskId) = await TipOffAsync();
        var station = await Host.SignedInAsync("police.kl-zhong-er-rd");

        var empty = await station.PostAsJsonAsync($"/api/inbox/{taskId}/information-requests", new { question = " " });
        var tooLong = await station.PostAsJsonAsync($"/api/inbox/{taskId}/information-requests", new { question = new string('問', 1001) });
        var typed = await station.PostAsync($"/api/inbox/{taskId}/information-requests", new StringContent("{\"question\":42}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("application/problem+json", empty.Content.Headers.ContentType!.MediaType);
        Assert.Equal("請填寫要請對方補充的內容。", (await ChainsHost.BodyAsync(empty))["errors"]!["question"]![0]!.GetValue<string>());
        Assert.Contains("最多 1000 字", (await ChainsHost.BodyAsync(tooLong))["errors"]!["question"]![0]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, typed.StatusCode);
        Assert.True((await ChainsHost.BodyAsync(typed))["errors"]!.AsObject().ContainsKey("$.question"));

        var id = (await ChainsHost.BodyAsync(await station.PostAsJsonAsync($"/api/inbox/{taskId}/information-requests", new { question = Question })))["id"]!.GetValue<string>();
        var school = await Host.SignedInAsync("school.kl-chenggong-jh");
        var noAnswer = await school.PostAsJsonAsync($"/api/information-requests/{id}/answer", new { answer = "" });
        Assert.Equal(HttpStatusCode.BadRequest, noAnswer.StatusCode);
        Assert.Equal("請填寫補充內容。", (await ChainsHost.BodyAsync(noAnswer))["errors"]!["answer"]![0]!.GetValue<string>());
        Assert.Equal(1L, await Host.ScalarAsync<long>($"SELECT count(*) FROM information_requests WHERE task_id = '{taskId}'"));
    }

    [Fact]
    public async Task Tasks_and_requests_that_are_not_the_users_answer_404_and_the_school_may_not_ask_itself()
    {
        var (caseId, taskId) = await TipOffAsync();
        var station = await Host.SignedInAsync("police.kl-zhong-er-rd");
        var id = (await ChainsHost.BodyAsync(await station.PostAsJsonAsync($"/api/inbox/{taskId}/information-requests", new { question = Question })))["id"]!.GetValue<string>();

        foreach (var outsider in new[] { "police.kl-xinyi", "school.kl-xinyi-jh", "liaison.kl", "police.cy-beixing" })
        {
            var client = await Host.SignedInAsync(outsider);
            Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync($"/api/inbox/{taskId}/information-requests", new { question = "?" })).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/inbox/{taskId}/information-requests")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/information-requests/{id}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync($"/api/information-requests/{id}/answer", new { answer = "?" })).StatusCode);
            Assert.DoesNotContain(await client.GetStringAsync("/api/information-requests"), id, StringComparison.Ordinal);
        }

        // The asker may read its request but not answer it; an unknown id is 404 as well; anonymous callers get 401.
        Assert.Equal(HttpStatusCode.NotFound, (await station.PostAsJsonAsync($"/api/information-requests/{id}/answer", new { answer = "?" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await station.PostAsJsonAsync("/api/inbox/no-such-task/information-requests", new { question = "?" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Host.Factory.CreateClient().GetAsync("/api/information-requests")).StatusCode);

        var school = await Host.SignedInAsync("school.kl-chenggong-jh");
        var ownTask = (await ChainsHost.BodyAsync(await school.GetAsync("/api/inbox"))).AsArray()
            .Single(t => t!["caseId"]!.GetValue<string>() == caseId && t["taskName"]!.GetValue<string>() == "完成校安通報")!["taskId"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.Forbidden, (await school.PostAsJsonAsync($"/api/inbox/{ownTask}/information-requests", new { question = Question })).StatusCode);
        Assert.Equal("unanswered", await Host.ScalarAsync<string>($"SELECT coalesce(answer, 'unanswered') FROM information_requests WHERE id = '{id}'"));
    }

    [Fact]
    public async Task The_timeline_api_shows_both_entries_with_times_and_the_text_only_to_the_two_agencies()
    {
        var (caseId, taskId) = await TipOffAsync();
        var station = await Host.SignedInAsync("police.kl-zhong-er-rd");
        var school = await Host.SignedInAsync("school.kl-chenggong-jh");
        var asked = Host.Clock.GetUtcNow();
        var id = (await ChainsHost.BodyAsync(await station.PostAsJsonAsync($"/api/inbox/{taskId}/information-requests", new { question = Question })))["id"]!.GetValue<string>();
        Host.Clock.Advance(TimeSpan.FromMinutes(30));
        await school.PostAsJsonAsync($"/api/information-requests/{id}/answer", new { answer = "多在學校附近的公園。" });

        foreach (var party in new[] { station, school })
        {
            var timeline = (await ChainsHost.BodyAsync(await party.GetAsync($"/api/cases/{caseId}/timeline"))).AsArray();
            var request = Assert.Single(timeline, e => e!["title"]?.GetValue<string>() == "請求補充資料")!;
            Assert.Equal(asked, request["at"]!.GetValue<DateTimeOffset>());
            Assert.Contains(Question, request["message"]!.GetValue<string>());
            var answer = Assert.Single(timeline, e => e!["title"]?.GetValue<string>() == "已補充資料")!;
            Assert.Equal(asked.AddMinutes(30), answer["at"]!.GetValue<DateTimeOffset>());
            Assert.Contains("公園", answer["message"]!.GetValue<string>());
        }

        var liaison = await Host.SignedInAsync("liaison.kl");
        var seen = await liaison.GetStringAsync($"/api/cases/{caseId}/timeline");
        Assert.Contains("請求補充資料", seen);
        Assert.Contains("已補充資料", seen);
        Assert.DoesNotContain("放學後", seen);
        Assert.DoesNotContain("公園", seen);
    }

    private async Task<(string CaseId, string TaskId)> TipOffAsync()
    {
        var school = await Host.SignedInAsync("school.kl-chenggong-jh");
        var created = await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", drugLevel = 2, subjectName = "王小明" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var caseId = (await ChainsHost.BodyAsync(created))["id"]!.GetValue<string>();
        var station = await Host.SignedInAsync("police.kl-zhong-er-rd");
        var task = (await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray().Single(t => t!["caseId"]!.GetValue<string>() == caseId)!;
        return (caseId, task["taskId"]!.GetValue<string>());
    }
}
