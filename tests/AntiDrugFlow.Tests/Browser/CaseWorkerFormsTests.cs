using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace AntiDrugFlow.Tests.Browser;

/// <summary>
/// The case workers' forms in a real browser: the notification's narrative with its personal-data check and its
/// confirmation step, and the police outcome reported first as interim (偵辦中) then as final (查獲), after which
/// the task's page is read-only.
/// </summary>
[Collection(CaseWorkerBrowserCollection.Name)]
public sealed class CaseWorkerFormsTests(CaseWorkerBrowserHost host)
{
    [Fact]
    public async Task The_notification_form_asks_for_a_narrative_refuses_personal_data_in_it_and_confirms_before_sending()
    {
        var (schoolContext, school) = await host.SignInAsync("school.kl-chenggong-jh");
        await using var _ = schoolContext;
        await school.GotoAsync("/notifications/new");
        await Expect(school.Locator("#narrative-warning")).ToContainTextAsync("勿填寫任何人的姓名");

        // A positive screening without the student is refused next to the name field; so is an empty narrative.
        await school.GetByLabel("通報類別").SelectOptionAsync(new SelectOptionValue { Label = "篩檢發現第一、二級毒品個案" });
        await school.GetByLabel("毒品級別").SelectOptionAsync(new SelectOptionValue { Label = "第二級" });
        await school.GetByRole(AriaRole.Button, new() { Name = "送出通報" }).ClickAsync();
        await Expect(school.Locator("#subjectName-error")).ToContainTextAsync("須填寫受篩檢學生的姓名");
        await school.GetByLabel("姓名").FillAsync("林小華");
        await school.GetByRole(AriaRole.Button, new() { Name = "送出通報" }).ClickAsync();
        await Expect(school.Locator("#occurredAt-error")).ToContainTextAsync("請填寫發生或發現的日期時間");

        // Someone's phone number, then the student's own name, in the free text: refused, and what was typed stays.
        await CaseWorkerJourneyTests.FillNarrativeAsync(school, "同行者留下電話 0912-345-678 要求聯絡。");
        await school.GetByRole(AriaRole.Button, new() { Name = "送出通報" }).ClickAsync();
        await Expect(school.Locator("#observed-error")).ToContainTextAsync("看似含有個人資料");
        await Expect(school.GetByLabel("所見情形")).ToHaveValueAsync("同行者留下電話 0912-345-678 要求聯絡。");
        await school.GetByLabel("所見情形").FillAsync("林小華尿液篩檢呈陽性反應。");
        await school.GetByRole(AriaRole.Button, new() { Name = "送出通報" }).ClickAsync();
        await Expect(school.Locator("#observed-error")).ToContainTextAsync("勿寫任何人的姓名");

        // A clean narrative: the confirmation step names where it goes and sends nothing yet.
        await school.GetByLabel("所見情形").FillAsync("該生尿液篩檢呈第二級毒品陽性反應，經複驗確認。");
        await school.GetByLabel("發現經過").SelectOptionAsync("尿液篩檢");
        await school.GetByRole(AriaRole.Button, new() { Name = "送出通報" }).ClickAsync();
        var confirmation = school.Locator("#confirmation");
        await Expect(confirmation).ToContainTextAsync("請確認通報內容");
        await Expect(confirmation).ToContainTextAsync("基隆市警察局第一分局忠二路派出所");
        await Expect(confirmation).ToContainTextAsync("該生尿液篩檢呈第二級毒品陽性反應");
        await Expect(confirmation).ToContainTextAsync("民國");
        await CaseWorkerJourneyTests.CaptureAsync(school, "notification-confirm.png");

        // Going back keeps every field; confirming sends it, and the case shows the narrative.
        await school.GetByRole(AriaRole.Button, new() { Name = "返回修改" }).ClickAsync();
        await Expect(school.GetByLabel("所見情形")).ToHaveValueAsync("該生尿液篩檢呈第二級毒品陽性反應，經複驗確認。");
        await Expect(school.GetByLabel("姓名")).ToHaveValueAsync("林小華");
        await Expect(school.GetByLabel("發現經過")).ToHaveValueAsync("尿液篩檢");
        await school.GetByRole(AriaRole.Button, new() { Name = "送出通報" }).ClickAsync();
        await school.GetByRole(AriaRole.Button, new() { Name = "確認送出" }).ClickAsync();
        await Expect(school.Locator("#notice")).ToContainTextAsync("通報已送出");
        await Expect(school.Locator("#narrative")).ToContainTextAsync("校門口對面的便利商店");
        await Expect(school.Locator("#narrative")).ToContainTextAsync("尿液篩檢");
        await Expect(school.Locator("#subject-name")).ToContainTextAsync("林小華");
    }

    [Fact]
    public async Task The_header_names_the_person_and_agency_and_the_police_give_a_school_by_its_name()
    {
        var (policeContext, police) = await host.SignInAsync("police.kl-zhong-er-rd");
        await using var _ = policeContext;
        await Expect(police.Locator("#signed-in-as")).ToContainTextAsync("（基隆市警察局第一分局忠二路派出所）");
        await Expect(police.Locator("#signed-in-as")).Not.ToContainTextAsync("police.kl-zhong-er-rd");

        await police.GotoAsync("/notifications/new");
        await police.GetByLabel("通報類別").SelectOptionAsync(new SelectOptionValue { Label = "初犯涉毒少年" });
        await CaseWorkerJourneyTests.FillNarrativeAsync(police);
        await police.GetByLabel("就讀學校").FillAsync("國民中學");
        await police.GetByRole(AriaRole.Button, new() { Name = "送出通報" }).ClickAsync();
        await Expect(police.Locator("#schoolId-error")).ToContainTextAsync("請輸入完整校名");
        await police.GetByLabel("就讀學校").FillAsync("信義國民中學");
        await police.GetByRole(AriaRole.Button, new() { Name = "送出通報" }).ClickAsync();
        await police.GetByRole(AriaRole.Button, new() { Name = "確認送出" }).ClickAsync();
        await Expect(police.Locator("#notice")).ToContainTextAsync("通報已送出");
        await Expect(police.Locator("#case-facts")).ToContainTextAsync("基隆市立信義國民中學");
    }

    [Fact]
    public async Task The_police_report_an_interim_outcome_the_task_stays_then_a_final_one_closes_it_and_its_page_turns_read_only()
    {
        using var schoolApi = await CaseWorkerJourneyTests.ApiClientAsync(host, "school.kl-chenggong-jh");
        var created = await schoolApi.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", drugLevel = 2 });
        var view = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        var caseNumber = view["caseNumber"]!.GetValue<string>();

        var (stationContext, station) = await host.SignInAsync("police.kl-zhong-er-rd");
        await using var _ = stationContext;
        var row = station.Locator("#inbox tbody tr", new() { HasText = caseNumber });
        await Expect(row).ToContainTextAsync("藥頭情資");
        await row.GetByRole(AriaRole.Link).ClickAsync();
        var acknowledgeAddress = station.Url;
        await station.GetByRole(AriaRole.Button, new() { Name = "確認收到" }).ClickAsync();
        await Expect(station.Locator("#notice")).ToContainTextAsync("已處理");

        // The acknowledged task's page is read-only now: no button, and it says so.
        await station.GotoAsync(acknowledgeAddress);
        await Expect(station.Locator("#task-closed")).ToContainTextAsync("已處理");
        await Expect(station.Locator("#task-closed")).ToContainTextAsync("僅供檢視");
        await Expect(station.GetByRole(AriaRole.Button, new() { Name = "確認收到" })).ToHaveCountAsync(0);

        // 偵辦中 is interim: the task stays in the inbox and the case says it waits for the final outcome.
        await station.GotoAsync("/inbox");
        await station.Locator("#inbox tbody tr", new() { HasText = caseNumber }).GetByRole(AriaRole.Link).ClickAsync();
        var firstOutcomeAddress = station.Url;
        await Expect(station.Locator("#interim-help")).ToContainTextAsync("偵辦中");
        await station.GetByLabel("處理結果").SelectOptionAsync("偵辦中");
        await station.GetByRole(AriaRole.Button, new() { Name = "回報" }).ClickAsync();
        await Expect(station.Locator("#notice")).ToContainTextAsync("已回報中間結果");
        var still = station.Locator("#inbox tbody tr", new() { HasText = caseNumber });
        await Expect(still).ToContainTextAsync("回報處理結果");
        await station.GotoAsync($"/cases/{view["id"]!.GetValue<string>()}");
        await Expect(station.Locator("#case-status")).ToContainTextAsync("偵辦中（待最終結果）");
        await Expect(station.Locator("#timeline")).ToContainTextAsync("中間回報");

        // 查獲 is final: the task leaves the inbox, and the case reads the outcome.
        await station.GotoAsync("/inbox");
        await still.GetByRole(AriaRole.Link).ClickAsync();
        await station.GetByLabel("處理結果").SelectOptionAsync("查獲");
        await station.GetByRole(AriaRole.Button, new() { Name = "回報" }).ClickAsync();
        await Expect(station.Locator("#notice")).ToContainTextAsync("已處理");
        await Expect(station.Locator("#inbox tbody tr", new() { HasText = caseNumber })).ToHaveCountAsync(0);
        await station.GotoAsync($"/cases/{view["id"]!.GetValue<string>()}");
        await Expect(station.Locator("#case-status")).ToContainTextAsync("查獲");

        // The first outcome task's page is closed too: no outcome form to submit a second time.
        await station.GotoAsync(firstOutcomeAddress);
        await Expect(station.Locator("#task-closed")).ToContainTextAsync("偵辦中");
        await Expect(station.Locator("#complete-form")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_case_is_found_by_its_number_or_by_name_for_its_team_printed_masked_for_others_and_unread_tasks_are_counted()
    {
        using var schoolApi = await CaseWorkerJourneyTests.ApiClientAsync(host, "school.kl-chenggong-jh");
        var created = await schoolApi.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", drugLevel = 2, subjectName = "陳大同" });
        var view = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        var caseNumber = view["caseNumber"]!.GetValue<string>();

        // The station has a new, unopened task: the menu counts it and the row is marked; opening it clears the mark.
        var (stationContext, station) = await host.SignInAsync("police.kl-zhong-er-rd");
        await using var _ = stationContext;
        var unread = await station.Locator("#unread-count").TextContentAsync();
        Assert.True(int.Parse(unread!, System.Globalization.CultureInfo.InvariantCulture) >= 1);
        var row = station.Locator("#inbox tbody tr", new() { HasText = caseNumber });
        await Expect(row).ToContainTextAsync("未讀");
        await row.GetByRole(AriaRole.Link).ClickAsync();
        await station.GotoAsync("/inbox");
        await Expect(row).Not.ToContainTextAsync("未讀");
        Assert.Equal(int.Parse(unread!, System.Globalization.CultureInfo.InvariantCulture) - 1, await station.Locator("#unread-count").CountAsync() == 0 ? 0 : int.Parse((await station.Locator("#unread-count").TextContentAsync())!, System.Globalization.CultureInfo.InvariantCulture));

        // The station finds the case by its number (in lower case too) and prints it with the name masked.
        await station.GotoAsync("/cases");
        await station.GetByLabel("搜尋案件").FillAsync(caseNumber.ToLowerInvariant());
        await station.GetByRole(AriaRole.Button, new() { Name = "搜尋" }).ClickAsync();
        await Expect(station.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(caseNumber);
        // A name finds nothing for the station: it is not the case's team.
        await station.GotoAsync("/cases?q=" + Uri.EscapeDataString("陳大同"));
        await Expect(station.Locator("#search-empty")).ToBeVisibleAsync();
        await station.GotoAsync($"/cases/{view["id"]!.GetValue<string>()}");
        await station.GetByRole(AriaRole.Link, new() { Name = "列印版" }).ClickAsync();
        await Expect(station.Locator("#printable h1")).ToContainTextAsync(caseNumber);
        await Expect(station.Locator("#subject-name")).ToContainTextAsync("陳○○");
        await Expect(station.Locator("#printable")).Not.ToContainTextAsync("大同");
        await Expect(station.Locator("#print-masked")).ToBeVisibleAsync();
        await Expect(station.Locator("#print-meta")).ToContainTextAsync("民國");
        await station.EmulateMediaAsync(new() { Media = Media.Print });
        await Expect(station.Locator(".site-header")).ToBeHiddenAsync();
        var pdf = await station.PdfAsync(new() { Format = "A4" });
        Assert.StartsWith("%PDF", System.Text.Encoding.ASCII.GetString(pdf, 0, 4));

        // The school, the case's team, finds it by part of the name and prints it in clear.
        var (schoolContext, school) = await host.SignInAsync("school.kl-chenggong-jh");
        await using var __ = schoolContext;
        await school.GotoAsync("/cases");
        await school.GetByLabel("搜尋案件").FillAsync("大同");
        await school.GetByRole(AriaRole.Button, new() { Name = "搜尋" }).ClickAsync();
        var result = school.Locator("#search-results tbody tr", new() { HasText = caseNumber });
        await Expect(result).ToContainTextAsync("陳大同");
        await result.GetByRole(AriaRole.Link).ClickAsync();
        await school.GetByRole(AriaRole.Link, new() { Name = "列印版" }).ClickAsync();
        await Expect(school.Locator("#subject-name")).ToContainTextAsync("陳大同");
        await Expect(school.Locator("#print-masked")).ToHaveCountAsync(0);
        await CaseWorkerJourneyTests.CaptureAsync(school, "case-print.png");
    }

    [Fact]
    public async Task The_school_transfers_a_followed_up_student_to_another_school_on_the_transition_page()
    {
        using var schoolApi = await CaseWorkerJourneyTests.ApiClientAsync(host, "school.kl-chenggong-jh");
        var created = await schoolApi.PostAsJsonAsync("/api/notifications", new { kind = "ScreeningPositive", drugLevel = 2, subjectName = "張小安" });
        var caseId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();

        // Not the case's team: the police station sees no transition link and the page refuses it.
        var (stationContext, station) = await host.SignInAsync("police.kl-zhong-er-rd");
        await using var _ = stationContext;
        await station.GotoAsync($"/cases/{caseId}");
        await Expect(station.Locator("#transition-link")).ToHaveCountAsync(0);
        await station.GotoAsync($"/cases/{caseId}/transition");
        await Expect(station.Locator("#transition-not-team")).ToBeVisibleAsync();

        var (schoolContext, school) = await host.SignInAsync("school.kl-chenggong-jh");
        await using var __ = schoolContext;
        await school.GotoAsync($"/cases/{caseId}");
        await school.GetByRole(AriaRole.Link, new() { Name = "辦理轉銜" }).ClickAsync();

        // A transfer needs the receiving school, found by its name.
        await school.GetByRole(AriaRole.Button, new() { Name = "辦理轉銜" }).ClickAsync();
        await Expect(school.Locator("#receivingSchoolId-error")).ToContainTextAsync("請填寫接收學校");
        await school.GetByLabel("接收學校").FillAsync("找不到的學校");
        await school.GetByRole(AriaRole.Button, new() { Name = "辦理轉銜" }).ClickAsync();
        await Expect(school.Locator("#receivingSchoolId-error")).ToContainTextAsync("找不到");
        await school.GetByLabel("接收學校").FillAsync("基隆市立信義國民中學");
        await school.GetByRole(AriaRole.Button, new() { Name = "辦理轉銜" }).ClickAsync();
        await Expect(school.Locator("#notice")).ToContainTextAsync("已辦理轉銜");
        await Expect(school.Locator("#timeline")).ToContainTextAsync("轉銜");

        // Once done, the follow-up no longer waits for a transition: a second one is refused with the reason.
        await school.GotoAsync($"/cases/{caseId}/transition");
        await school.GetByLabel("畢業或離校（不轉入他校）").CheckAsync();
        await school.GetByRole(AriaRole.Button, new() { Name = "辦理轉銜" }).ClickAsync();
        await Expect(school.Locator("#transition-error")).ToContainTextAsync("沒有進行中的個案追蹤");
    }

    [Fact]
    public async Task The_school_records_a_counselling_session_and_a_retest_on_the_counselling_page()
    {
        using var schoolApi = await CaseWorkerJourneyTests.ApiClientAsync(host, "school.kl-chenggong-jh");
        var created = await schoolApi.PostAsJsonAsync("/api/notifications", new { kind = "ScreeningPositive", drugLevel = 2, subjectName = "陳小宇" });
        var caseId = (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        var today = Workflows.Calendar.TaipeiTime.DateOf(DateTimeOffset.UtcNow);

        var (schoolContext, school) = await host.SignInAsync("school.kl-chenggong-jh");
        await using var _ = schoolContext;
        await school.GotoAsync($"/cases/{caseId}");
        await school.GetByRole(AriaRole.Link, new() { Name = "春暉輔導紀錄" }).ClickAsync();
        await Expect(school.Locator("#no-records")).ToBeVisibleAsync();

        // A date in the future is refused next to its field, and what was typed stays.
        await school.GetByLabel("輔導日期").FillAsync(Workflows.Calendar.RocDate.Format(today.AddDays(2)));
        await school.GetByLabel("輔導方式").SelectOptionAsync("個別晤談");
        await school.GetByLabel("帶領人").FillAsync("輔導老師");
        await school.GetByLabel("紀要").FillAsync("該生願意配合輔導");
        await school.GetByRole(AriaRole.Button, new() { Name = "登錄輔導" }).ClickAsync();
        await Expect(school.Locator("#session-date-error")).ToContainTextAsync("不可晚於今天");
        await Expect(school.GetByLabel("紀要")).ToHaveValueAsync("該生願意配合輔導");

        await school.GetByLabel("輔導日期").FillAsync(Workflows.Calendar.RocDate.Format(today));
        await school.GetByRole(AriaRole.Button, new() { Name = "登錄輔導" }).ClickAsync();
        await Expect(school.Locator("#notice")).ToContainTextAsync("已登錄輔導紀錄");
        await school.GetByLabel("篩檢日期").FillAsync(Workflows.Calendar.RocDate.Format(today));
        await school.GetByLabel("陰性").CheckAsync();
        await school.GetByRole(AriaRole.Button, new() { Name = "登錄篩檢結果" }).ClickAsync();
        await Expect(school.Locator("#notice")).ToContainTextAsync("已登錄尿液篩檢結果");
        var records = school.Locator("#counselling-records");
        await Expect(records).ToContainTextAsync("個別晤談");
        await Expect(records).ToContainTextAsync("該生願意配合輔導");
        await Expect(records).ToContainTextAsync("陰性");
        await Expect(records).ToContainTextAsync(Workflows.Calendar.RocDate.Format(today));
        await CaseWorkerJourneyTests.CaptureAsync(school, "counselling.png");
    }
}
