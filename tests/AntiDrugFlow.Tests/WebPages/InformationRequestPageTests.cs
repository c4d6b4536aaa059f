using System.Net;
using System.Net.Http.Json;
using AntiDrugFlow.Tests.Cases;
using AntiDrugFlow.Tests.Chains;
using Xunit;

namespace AntiDrugFlow.Tests.WebPages;

/// <summary>The task page's thread and the answer page as HTTP sees them, in-process with login required, on a real database.</summary>
public sealed class InformationRequestPageTests(InformationRequestHost fixture) : IClassFixture<InformationRequestHost>
{
    private ChainsHost Host => fixture.Host;

    [Fact]
    public async Task A_too_long_question_posted_from_the_task_page_is_refused_next_to_its_field_and_nothing_is_stored()
    {
        var (_, taskId) = await TipOffAsync();
        var station = await Host.SignedInAsync("police.kl-zhong-er-rd", followRedirects: false);
        var page = await PageAsync(station, $"/inbox/{taskId}");
        Assert.Contains("處理期限照常計算、不會暫停", page, StringComparison.Ordinal);
        Assert.Contains("<label for=\"question\">請基隆市立成功國民中學補充的內容（僅貴單位與對方可見，勿填當事人資料）</label>", page, StringComparison.Ordinal);

        var response = await PageForm.SubmitAsync(station, $"/inbox/{taskId}", "ask", ("Question", new string('問', 1001)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await PageForm.TextAsync(response);
        Assert.Contains("<p class=\"field-error\" id=\"question-error\" role=\"alert\">要請對方補充的內容最多 1000 字，目前 1001 字。</p>", html, StringComparison.Ordinal);
        Assert.Equal(0L, await Host.ScalarAsync<long>($"SELECT count(*) FROM information_requests WHERE task_id = '{taskId}'"));
    }

    [Fact]
    public async Task The_answer_page_is_a_form_for_the_school_a_read_only_page_for_the_station_and_a_404_for_anyone_else()
    {
        var (_, taskId) = await TipOffAsync();
        var station = await Host.SignedInAsync("police.kl-zhong-er-rd", followRedirects: false);
        var asked = await PageForm.SubmitAsync(station, $"/inbox/{taskId}", "ask", ("Question", "請提供交易時段。"));
        Assert.Equal(HttpStatusCode.Redirect, asked.StatusCode);
        Assert.EndsWith($"/inbox/{taskId}?notice=asked", asked.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var id = await Host.ScalarAsync<string>($"SELECT id FROM information_requests WHERE task_id = '{taskId}'");

        var school = await Host.SignedInAsync("school.kl-chenggong-jh", followRedirects: false);
        var form = await PageAsync(school, $"/inbox/requests/{id}");
        Assert.Contains("請提供交易時段。", form, StringComparison.Ordinal);
        Assert.Contains("id=\"answer-form\"", form, StringComparison.Ordinal);
        Assert.Contains("勿填當事人資料", form, StringComparison.Ordinal);

        var readOnly = await PageAsync(station, $"/inbox/requests/{id}");
        Assert.Contains("請提供交易時段。", readOnly, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"answer-form\"", readOnly, StringComparison.Ordinal);
        Assert.Contains("待對方補充", readOnly, StringComparison.Ordinal);

        foreach (var outsider in new[] { "police.kl-xinyi", "school.kl-xinyi-jh", "liaison.kl" })
        {
            var response = await (await Host.SignedInAsync(outsider)).GetAsync($"/inbox/requests/{id}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.DoesNotContain("請提供交易時段。", await PageForm.TextAsync(response), StringComparison.Ordinal);
        }

        var empty = await PageForm.SubmitAsync(school, $"/inbox/requests/{id}", "answer", ("Answer", " "));
        Assert.Contains("<p class=\"field-error\" id=\"answer-error\" role=\"alert\">請填寫補充內容。</p>", await PageForm.TextAsync(empty), StringComparison.Ordinal);
        var answered = await PageForm.SubmitAsync(school, $"/inbox/requests/{id}", "answer", ("Answer", "約17時。"));
        Assert.EndsWith("/inbox?notice=answered", answered.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var after = await PageAsync(school, $"/inbox/requests/{id}");
        Assert.Contains("約17時。", after, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"answer-form\"", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_school_gets_no_form_to_ask_itself_on_its_own_task()
    {
        var (caseId, _) = await TipOffAsync();
        var school = await Host.SignedInAsync("school.kl-chenggong-jh");
        var own = (await ChainsHost.BodyAsync(await school.GetAsync("/api/inbox"))).AsArray()
            .Single(t => t!["caseId"]!.GetValue<string>() == caseId && t["taskName"]!.GetValue<string>() == "完成校安通報")!["taskId"]!.GetValue<string>();

        var page = await PageAsync(school, $"/inbox/{own}");

        Assert.Contains("完成校安通報", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"ask-form\"", page, StringComparison.Ordinal);
    }

    // The pages write text from the database as character references (&#x57FA;); read them as a browser shows them.
    private static async Task<string> PageAsync(HttpClient client, string address) => WebUtility.HtmlDecode(await client.GetStringAsync(address));

    private async Task<(string CaseId, string TaskId)> TipOffAsync()
    {
        var school = await Host.SignedInAsync("school.kl-chenggong-jh");
        var created = await school.PostAsJsonAsync("/api/notifications", new { kind = "CampusSeizure", drugLevel = 3 });
        var caseId = (await ChainsHost.BodyAsync(created))["id"]!.GetValue<string>();
        var station = await Host.SignedInAsync("police.kl-zhong-er-rd");
        var task = (await ChainsHost.BodyAsync(await station.GetAsync("/api/inbox"))).AsArray().Single(t => t!["caseId"]!.GetValue<string>() == caseId)!;
        return (caseId, task["taskId"]!.GetValue<string>());
    }
}
