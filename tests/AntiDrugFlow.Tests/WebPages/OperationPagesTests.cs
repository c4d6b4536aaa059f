using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Tests.Milestones;
using AntiDrugFlow.Tests.Operations;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Operations;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AntiDrugFlow.Tests.WebPages;

/// <summary>
/// The long operations' pages in-process on a real database: the progress page while an operation runs
/// and once it ends, the import form of the directory page, and the cycle report form of the milestone page.
/// </summary>
public sealed partial class OperationPagesTests : IAsyncLifetime
{
    private PageHost _pages = null!;

    public async Task InitializeAsync()
    {
        _pages = await PageHost.StartAsync(new Dictionary<string, string>
        {
            ["Deadlines:CatalogFile"] = Path.Combine(RepositoryFiles.Root, "workflows-json", "milestones", "action-plan-2017.json"),
            ["Deadlines:ContactsFile"] = Path.Combine(RepositoryFiles.Root, "workflows-json", "milestones", "contacts.json"),
            // The operations run as background jobs on this host's job server.
            ["BackgroundWork:JobServer"] = "true",
        });
    }

    public async Task DisposeAsync() => await _pages.DisposeAsync();

    private Task<string> AntiforgeryTokenAsync(string address) => PageForm.AntiforgeryTokenAsync(_pages.Http, address);

    private Task<HttpResponseMessage> PostReportFormAsync(string from, string until) =>
        PageForm.SubmitAsync(_pages.Http, "/admin/milestones?cycle=2017", "cycle-report", ("ReportCycle", "2017"), ("ReportFrom", from), ("ReportUntil", until));

    [Fact]
    public async Task A_running_operation_shows_its_stage_and_a_labelled_progress_bar_with_counts_and_refreshes_itself_until_it_ends()
    {
        var store = _pages.Factory.Services.GetRequiredService<PostgresOperationStore>();
        await using var lease = await store.BeginAsync(new OperationStart("test.pages", "測試作業：逐筆檢查", "admin-1", "kee-liaison"), DateTimeOffset.UtcNow, "準備中", CancellationToken.None);
        await lease.WriteProgressAsync("檢查各筆資料的欄位", 1200, 5500, DateTimeOffset.UtcNow, CancellationToken.None);

        var running = await _pages.PageAsync($"/admin/operations/{lease.Id}");

        Assert.Contains("<meta http-equiv=\"refresh\" content=\"1\">", running, StringComparison.Ordinal);
        Assert.Contains("<h1>測試作業：逐筆檢查</h1>", running, StringComparison.Ordinal);
        Assert.Contains("執行中", running, StringComparison.Ordinal);
        Assert.Contains("目前步驟：<strong>檢查各筆資料的欄位</strong>", running, StringComparison.Ordinal);
        Assert.Contains("<label for=\"operation-progress\">處理進度（檢查各筆資料的欄位）</label>", running, StringComparison.Ordinal);
        Assert.Matches("<progress id=\"operation-progress\" value=\"1200\" max=\"5500\"", running);
        Assert.Contains("已處理 1,200／5,500 筆（21%）", running, StringComparison.Ordinal);
        Assert.Contains("教育部學生事務及特殊教育司基隆市聯絡處", running, StringComparison.Ordinal);
        Assert.Contains("測試作業：逐筆檢查", await _pages.PageAsync("/admin/operations"), StringComparison.Ordinal);

        // Someone reading with a screen reader can stop the reloading.
        Assert.DoesNotContain("http-equiv=\"refresh\"", await _pages.PageAsync($"/admin/operations/{lease.Id}?refresh=off"), StringComparison.Ordinal);

        await lease.FinishAsync(OperationStatus.Succeeded, "儲存名錄", 1, 1, new OperationResult("已匯入機關名錄第 1 版。", "/admin/agencies", "查看機關名錄"), null, DateTimeOffset.UtcNow, CancellationToken.None);
        var finished = await _pages.PageAsync($"/admin/operations/{lease.Id}");

        Assert.DoesNotContain("http-equiv=\"refresh\"", finished, StringComparison.Ordinal);
        Assert.Contains("已完成", finished, StringComparison.Ordinal);
        Assert.Contains("已匯入機關名錄第 1 版。", finished, StringComparison.Ordinal);
        Assert.Contains("<a href=\"/admin/agencies\" id=\"operation-next\">查看機關名錄</a>", finished, StringComparison.Ordinal);
        Assert.Contains("民國", finished, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_operation_is_a_404_page()
    {
        var response = await _pages.Http.GetAsync("/admin/operations/987654");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _pages.Http.GetAsync("/api/operations/987654")).StatusCode);
    }

    [Fact]
    public async Task The_directory_page_uploads_a_file_and_sends_the_administrator_to_the_import_progress()
    {
        var token = await AntiforgeryTokenAsync("/admin/agencies");
        var form = new MultipartFormDataContent
        {
            { new StringContent("agency-import"), "_handler" },
            { new StringContent(token), "__RequestVerificationToken" },
            { new StringContent("merge"), "ImportMode" },
            {
                new ByteArrayContent(Encoding.UTF8.GetBytes("id,name,kind,level,county,parent,policeStation\nkee-sch-page-jh,基隆市立網頁上傳國民中學,School,3,TW-KEE,kee-gov,kee-p1-zhong-er-rd\n")),
                "ImportFiles", "page-upload.csv"
            },
        };

        var response = await _pages.Http.PostAsync("/admin/agencies", form);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.AbsolutePath;
        Assert.Matches("^/admin/operations/\\d+$", location);
        var operation = await _pages.Http.WaitForEndAsync("/api/operations/" + location[(location.LastIndexOf('/') + 1)..]);
        Assert.Equal("Succeeded", operation["status"]!.GetValue<string>());
        Assert.Contains("page-upload.csv", operation["title"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(_pages.Factory.Services.GetRequiredService<AgencyDirectoryProvider>().Current.TryGet("kee-sch-page-jh", out _));
        Assert.Contains("基隆市立網頁上傳國民中學", await _pages.PageAsync("/admin/agencies?county=TW-KEE&kind=School"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_directory_page_says_which_field_is_wrong_when_no_file_is_chosen()
    {
        var token = await AntiforgeryTokenAsync("/admin/agencies");
        var form = new MultipartFormDataContent
        {
            { new StringContent("agency-import"), "_handler" },
            { new StringContent(token), "__RequestVerificationToken" },
            { new StringContent("merge"), "ImportMode" },
        };

        var response = await _pages.Http.PostAsync("/admin/agencies", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains("名錄檔案：請選擇至少一個名錄檔案", html, StringComparison.Ordinal);
        Assert.Contains("aria-describedby=\"import-files-hint import-files-error\"", html, StringComparison.Ordinal);
        Assert.Empty((await _pages.Http.GetFromJsonAsync<JsonArray>("/api/operations"))!);
    }

    [Fact]
    public async Task The_cycle_report_runs_as_an_operation_whose_end_links_to_the_report_in_the_site_listing_every_item()
    {
        await WaitForCycleAsync();
        var response = await PostReportFormAsync("106年1月1日", "109/12/31");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var page = response.Headers.Location!.AbsolutePath;
        var id = page[(page.LastIndexOf('/') + 1)..];
        var operation = await _pages.Http.WaitForEndAsync($"/api/operations/{id}");
        Assert.Equal("Succeeded", operation["status"]!.GetValue<string>());
        Assert.Equal(operation["total"]!.GetValue<long>(), operation["done"]!.GetValue<long>());
        Assert.Contains($"<a href=\"/admin/operations/{id}/report\" id=\"operation-next\">檢視執行成果報告</a>", await _pages.PageAsync(page), StringComparison.Ordinal);

        // The report the existing API builds for the same period names the items the page must list.
        var markdown = await _pages.Http.GetStringAsync("/api/milestones/2017/report?from=2017-01-01&until=2020-12-31&format=markdown");
        var items = MarkdownItemIds().Matches(markdown).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(items);
        Assert.Equal(items.Count, operation["total"]!.GetValue<long>());

        var report = await _pages.PageAsync($"/admin/operations/{id}/report");
        Assert.Contains("執行成果報告</h1>", report, StringComparison.Ordinal);
        Assert.Contains("反毒通報流程系統", report, StringComparison.Ordinal);
        foreach (var item in items)
        {
            Assert.Contains($"/admin/milestones/2017/{item}\">{item}</a>", report, StringComparison.Ordinal);
        }

        var download = await _pages.Http.GetAsync($"/api/operations/{id}/report?format=markdown");
        Assert.Equal("text/markdown", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal(items, MarkdownItemIds().Matches(await download.Content.ReadAsStringAsync()).Select(m => m.Groups[1].Value));
    }

    [Fact]
    public async Task The_cycle_report_form_refuses_a_period_that_ends_before_it_starts()
    {
        await WaitForCycleAsync();
        var response = await PostReportFormAsync("107年1月1日", "106年12月31日");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("報告期間迄日：不可早於報告期間起日。", WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.DoesNotContain((await _pages.Http.GetFromJsonAsync<JsonArray>("/api/operations"))!, o => o!["kind"]!.GetValue<string>() == "milestones.cycle-report");
    }

    [Fact]
    public async Task The_cycle_report_form_takes_roc_dates_and_refuses_a_western_date_quoting_it()
    {
        await WaitForCycleAsync();
        var form = WebUtility.HtmlDecode(await _pages.Http.GetStringAsync("/admin/milestones?cycle=2017"));
        Assert.Contains("value=\"民國106年1月1日\"", form, StringComparison.Ordinal);
        Assert.Contains("value=\"民國109年12月31日\"", form, StringComparison.Ordinal);
        var response = await PostReportFormAsync("2017-01-01", "106年12月31日");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains("報告期間起日：", page, StringComparison.Ordinal);
        Assert.Contains("「2017-01-01」", page, StringComparison.Ordinal);
        Assert.Contains("民國年", page, StringComparison.Ordinal);
        Assert.DoesNotContain((await _pages.Http.GetFromJsonAsync<JsonArray>("/api/operations"))!, o => o!["kind"]!.GetValue<string>() == "milestones.cycle-report");
    }

    private async Task WaitForCycleAsync()
    {
        // The catalog is loaded in the background at start.
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if ((await _pages.Http.GetFromJsonAsync<JsonArray>("/api/milestones/cycles"))!.Count > 0)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the 2017 catalog was not loaded");
    }

    [GeneratedRegex(@"^\| ([a-z]+-\d+(?:-\d+)*) \|", RegexOptions.Multiline)]
    private static partial Regex MarkdownItemIds();
}
