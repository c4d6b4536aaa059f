using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>
/// The 春暉 follow-up closes for real: a session during the period, the period ends on the host's own timer, and a negative
/// re-test after it closes the case; the counselling page shows each state the chain sets.
/// </summary>
public sealed class CounsellingClosureBrowserTests(ShortCounsellingPeriodBrowserHost fixture) : IClassFixture<ShortCounsellingPeriodBrowserHost>
{
    [Fact]
    public async Task A_session_then_a_negative_retest_after_the_period_closes_the_follow_up()
    {
        var host = fixture.Browser;
        using var schoolApi = await CaseWorkerJourneyTests.ApiClientAsync(host, "school.kl-chenggong-jh");
        var created = await schoolApi.PostAsJsonAsync("/api/notifications", new { kind = "ScreeningPositive", drugLevel = 2, subjectName = "黃小傑" });
        var caseId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        var today = Workflows.Calendar.RocDate.Format(Workflows.Calendar.TaipeiTime.DateOf(DateTimeOffset.UtcNow));

        var (schoolContext, school) = await host.SignInAsync("school.kl-chenggong-jh");
        await using var _ = schoolContext;
        await school.GotoAsync($"/cases/{caseId}");
        await school.GetByRole(AriaRole.Link, new() { Name = "春暉輔導紀錄" }).ClickAsync();
        var status = school.Locator("#counselling-status");
        // The follow-up chain, started by the tip-off chain, sets the case's status once it runs.
        await CaseWorkerJourneyTests.ReloadUntilAsync(school, status, "春暉小組輔導");

        await school.GetByLabel("輔導日期").FillAsync(today);
        await school.GetByLabel("輔導方式").SelectOptionAsync("個別晤談");
        await school.GetByLabel("帶領人").FillAsync("輔導老師");
        await school.GetByRole(AriaRole.Button, new() { Name = "登錄輔導" }).ClickAsync();
        await Expect(school.Locator("#notice")).ToContainTextAsync("已登錄輔導紀錄");

        // The period (two rounds of retestInterval) ends on the host's timer: the page says a re-test is awaited.
        await CaseWorkerJourneyTests.ReloadUntilAsync(school, status, "輔導期滿");
        await Expect(status).ToContainTextAsync("待尿液篩檢結果");
        await Expect(school.Locator("#period-over")).ToContainTextAsync("輔導期已滿，請登錄尿液篩檢結果");

        // A negative re-test after the period closes the follow-up.
        await school.GetByLabel("篩檢日期").FillAsync(today);
        await school.GetByLabel("陰性").CheckAsync();
        await school.GetByRole(AriaRole.Button, new() { Name = "登錄篩檢結果" }).ClickAsync();
        await Expect(school.Locator("#notice")).ToContainTextAsync("已登錄尿液篩檢結果");
        await CaseWorkerJourneyTests.ReloadUntilAsync(school, status, "輔導結案（期滿尿篩陰性）");
        await Expect(school.Locator("#period-over")).ToHaveCountAsync(0);
        var records = school.Locator("#counselling-records");
        await Expect(records).ToContainTextAsync("個別晤談");
        await Expect(records).ToContainTextAsync("陰性");

        // The case's history shows the chain's closing status too.
        await school.GotoAsync($"/cases/{caseId}");
        await Expect(school.Locator("#timeline")).ToContainTextAsync("輔導結案（期滿尿篩陰性）");
    }
}
