using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Milestones;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AntiDrugFlow.Tests.WebPages;

/// <summary>
/// The milestone pages' filters and forms, in-process on a real database with the clock at 民國115年11月21日:
/// the agency filter by part of a name, the working groups' summary, opening a shifted cycle, and occurrence dates
/// of recurring items.
/// </summary>
public sealed partial class MilestonePagesFormsTests : IAsyncLifetime
{
    private readonly TestClock _clock = new();
    private ApiFactory _api = null!;
    private WebApplicationFactory<Program> _factory = null!;
    private HttpClient _http = null!;

    private MilestoneTracker Tracker => _factory.Services.GetRequiredService<MilestoneTracker>();

    public async Task InitializeAsync()
    {
        _api = await ApiFactory.CreateAsync();
        _factory = _api.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(_clock)));
        _http = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        // 民國115年 is 2026; today is 11月21日.
        await Tracker.LoadCycleAsync("t", new MilestoneCatalog("測試行動綱領", "tests", 114, 114, 117, [],
        [
            Item("enforcement-1-1", "緝毒合作組", "警政署主辦的逾期項目", "115年10月底前", ["內政部（警政署）"], []),
            Item("enforcement-1-2", "緝毒合作組", "警政署協辦的近期項目", "115年12月10日前", ["法務部（臺高檢）"], ["內政部（警政署刑事局）"]),
            Item("enforcement-1-3", "緝毒合作組", "台高檢主辦的遠期項目", "116年6月底前", ["法務部（台高檢）"], ["海巡署"]),
            Item("prevention-1-1", "拒毒預防組", "教育部主辦的逾期項目", "115年9月底前", ["教育部（國教署）"], []),
            Item("prevention-1-2", "拒毒預防組", "每年召開協調會議", "每年召開2次以上協調會議", ["衛生福利部（保護服務司）"], ["教育部"]),
            Item("prevention-1-3", "拒毒預防組", "同步查緝行動", "115年7月起每年展開至少2次", ["衛福部（心口司）"], []),
        ]), null, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _factory.DisposeAsync();
        await _api.DisposeAsync();
    }

    [Fact]
    public async Task Typing_part_of_an_agency_name_lists_the_items_it_leads_or_helps_with_and_lead_only_narrows_them()
    {
        var leadOrCo = ItemsTable(await PageAsync("/admin/milestones?cycle=t&agency=" + Uri.EscapeDataString("警政署")));
        var lead = await PageAsync("/admin/milestones?cycle=t&agencyRole=lead&agency=" + Uri.EscapeDataString("警政署"));
        var variant = ItemsTable(await PageAsync("/admin/milestones?cycle=t&agency=" + Uri.EscapeDataString("臺高檢")));

        Assert.Contains("警政署主辦的逾期項目", leadOrCo, StringComparison.Ordinal);
        Assert.Contains("警政署協辦的近期項目", leadOrCo, StringComparison.Ordinal);
        Assert.DoesNotContain("台高檢主辦的遠期項目", leadOrCo, StringComparison.Ordinal);
        Assert.Contains("警政署主辦的逾期項目", ItemsTable(lead), StringComparison.Ordinal);
        Assert.DoesNotContain("警政署協辦的近期項目", ItemsTable(lead), StringComparison.Ordinal);
        // The form shows what was asked for.
        Assert.Matches("<option value=\"lead\" selected[^>]*>主辦</option>", lead);
        Assert.Contains("value=\"警政署\"", lead, StringComparison.Ordinal);
        // 臺 finds the name written with 台 too.
        Assert.Contains("警政署協辦的近期項目", variant, StringComparison.Ordinal);
        Assert.Contains("台高檢主辦的遠期項目", variant, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_group_summary_counts_each_working_group_and_every_count_links_to_exactly_those_items()
    {
        await Tracker.RecordProgressAsync("t", "enforcement-1-3", new ProgressUpdate("臺高檢", MilestoneStatus.Done, null), CancellationToken.None);

        var html = await PageAsync("/admin/milestones?cycle=t");

        var summary = html[html.IndexOf("id=\"groups\"", StringComparison.Ordinal)..html.IndexOf("</table>", html.IndexOf("id=\"groups\"", StringComparison.Ordinal), StringComparison.Ordinal)];
        foreach (var group in MilestoneCatalog.Groups)
        {
            Assert.Contains($">{group}</a></th>", summary, StringComparison.Ordinal);
        }

        var expected = new Dictionary<string, int>
        {
            ["緝毒合作組逾期"] = 1,
            ["緝毒合作組30日內到期"] = 1,
            ["緝毒合作組已完成"] = 1,
            ["緝毒合作組未完成"] = 2,
            ["拒毒預防組逾期"] = 1,
            ["拒毒預防組30日內到期"] = 0,
            ["拒毒預防組已完成"] = 0,
            ["拒毒預防組未完成"] = 3,
            ["防毒監控組未完成"] = 0,
            ["合計未完成"] = 5,
        };
        foreach (var (label, count) in expected)
        {
            var link = Regex.Match(summary, $"<a href=\"(?<href>[^\"]+)\" aria-label=\"{label} (?<count>\\d+) 項\">");
            Assert.True(link.Success, $"no link for {label}");
            Assert.Equal(count, int.Parse(link.Groups["count"].Value, CultureInfo.InvariantCulture));

            // The list behind the number has exactly that many rows.
            var list = await PageAsync(link.Groups["href"].Value);
            Assert.Equal(count, RowCount(list));
        }

        var overdue = await PageAsync("/admin/milestones?cycle=t&group=" + Uri.EscapeDataString("緝毒合作組") + "&show=overdue");
        Assert.Contains("警政署主辦的逾期項目", ItemsTable(overdue), StringComparison.Ordinal);
        Assert.Contains("逾期：共 1 項", overdue, StringComparison.Ordinal);
        Assert.Matches("<option value=\"overdue\" selected[^>]*>逾期</option>", overdue);
    }

    [Fact]
    public async Task The_shift_form_names_the_field_at_fault_next_to_it_and_creates_nothing()
    {
        var cases = new (string Years, string Id, string Field, string Message)[]
        {
            (string.Empty, string.Empty, "years", "平移年數：請填寫整數，例如 4。"),
            ("四", string.Empty, "years", "平移年數：「四」不是整數，請填寫例如 4 或 -4。"),
            ("0", string.Empty, "years", "平移年數不可為 0。"),
            ("200", string.Empty, "years", "平移年數須介於 -100 與 100 之間。"),
            ("-114", string.Empty, "years", "平移年數：平移 -114 年後，期別會早於民國元年。"),
            ("4", "第二期", "id", "新期別代號：期別代號「第二期」只能使用英文字母、數字、「-」與「_」，至多 32 字。"),
            ("4", "t", "id", "新期別代號：期別 t 已存在。"),
        };

        foreach (var (years, id, field, message) in cases)
        {
            var response = await PostFormAsync("/admin/milestones?cycle=t", "shift-cycle", new Dictionary<string, string>
            {
                ["Shift.FromCycle"] = "t",
                ["Shift.Years"] = years,
                ["Shift.Id"] = id,
            });

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
            Assert.Contains("無法開設新期別，請依欄位旁的說明修正。", html, StringComparison.Ordinal);
            var error = Regex.Match(html, $"<p class=\"field-error\" id=\"{field}-error\" role=\"alert\">(?<message>[^<]*)</p>");
            Assert.True(error.Success, $"no message next to {field} for years '{years}' id '{id}'");
            Assert.Equal(message, error.Groups["message"].Value);
            // Next to its field: after the field's input and before the next field.
            var input = html.IndexOf(field == "years" ? "id=\"shift-years\"" : "id=\"shift-id\"", StringComparison.Ordinal);
            Assert.InRange(error.Index, input, field == "years" ? html.IndexOf("id=\"shift-id\"", StringComparison.Ordinal) : html.IndexOf("id=\"shift-button\"", StringComparison.Ordinal));
            // What was typed stays in the form.
            if (years.Length > 0)
            {
                Assert.Contains($"id=\"shift-years\" name=\"Shift.Years\" value=\"{years}\"", html, StringComparison.Ordinal);
            }
        }

        Assert.Equal(["t"], (await Tracker.Store.CyclesAsync(CancellationToken.None)).Select(c => c.Id));
        Assert.DoesNotContain(await AuditAsync(), e => e.Action == PostgresAuditLog.Actions.MilestoneCycleShifted);
    }

    [Fact]
    public async Task The_shift_form_opens_the_shifted_cycle_audits_it_and_the_new_cycle_can_be_chosen()
    {
        var response = await PostFormAsync("/admin/milestones?cycle=t", "shift-cycle", new Dictionary<string, string>
        {
            ["Shift.FromCycle"] = "t",
            ["Shift.Years"] = "4",
            ["Shift.Id"] = string.Empty,
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/admin/milestones?cycle=2029&notice=shifted", Location(response));
        var cycle = await Tracker.Store.CycleAsync("2029", CancellationToken.None);
        Assert.Equal((118, 121, "t"), (cycle!.FromRocYear, cycle.UntilRocYear, cycle.ShiftedFrom));
        var shifted = (await Tracker.GetAsync("2029", "enforcement-1-1", CancellationToken.None))!.Milestone;
        Assert.Equal("119年10月底前", shifted.Item.ScheduleText);

        var page = await PageAsync(Location(response));
        Assert.Contains("已開設期別 <code>2029</code>（由 t 期平移），可在「期別」選單中選擇。", page, StringComparison.Ordinal);
        Assert.Matches("<option value=\"2029\" selected[^>]*>2029（民國 118–121 年）</option>", page);
        Assert.Contains("<option value=\"t\"", page, StringComparison.Ordinal);
        Assert.Contains("同步查緝行動", ItemsTable(page), StringComparison.Ordinal);

        var entry = Assert.Single(await AuditAsync(), e => e.Action == PostgresAuditLog.Actions.MilestoneCycleShifted);
        Assert.Equal(("cycle=2029;from=t;years=4", _clock.GetUtcNow()), (entry.Details, entry.At));
    }

    [Fact]
    public async Task A_recurring_item_records_the_day_it_took_place_and_counts_it_in_that_year()
    {
        var address = "/admin/milestones/t/prevention-1-2";
        var page = await PageAsync(address);
        Assert.Contains("<label for=\"progress-occurrence\">辦理日期", page, StringComparison.Ordinal);

        // A date that cannot be read is refused with the text quoted, next to the field, and nothing is recorded.
        var refused = await PostFormAsync(address, "record-progress", new Dictionary<string, string> { ["Occurrence"] = "115/13/01", ["Status"] = string.Empty, ["Note"] = "第二次會議" });
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        var refusedHtml = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());
        Assert.Contains("<p class=\"field-error\" id=\"occurrence-error\" role=\"alert\">辦理日期：無法解讀日期「115/13/01」：沒有13月</p>", refusedHtml, StringComparison.Ordinal);
        Assert.Contains("value=\"115/13/01\"", refusedHtml, StringComparison.Ordinal);
        Assert.Contains("第二次會議</textarea>", refusedHtml, StringComparison.Ordinal);
        Assert.Empty((await Tracker.GetAsync("t", "prevention-1-2", CancellationToken.None))!.Progress);

        // A day after today is refused too.
        var future = await PostFormAsync(address, "record-progress", new Dictionary<string, string> { ["Occurrence"] = "115年11月22日", ["Status"] = string.Empty, ["Note"] = string.Empty });
        Assert.Contains("辦理日期民國115年11月22日晚於今天（民國115年11月21日）", WebUtility.HtmlDecode(await future.Content.ReadAsStringAsync()), StringComparison.Ordinal);

        // Recorded today (民國115年), two meetings of 115 and one of 114.
        foreach (var (day, note) in new[] { ("115年11月3日", "第二次協調會議"), ("115/03/02", "第一次協調會議"), ("民國114年12月30日", "114年第二次協調會議") })
        {
            var recorded = await PostFormAsync(address, "record-progress", new Dictionary<string, string> { ["Occurrence"] = day, ["Status"] = string.Empty, ["Note"] = note });
            Assert.Equal(HttpStatusCode.Redirect, recorded.StatusCode);
        }

        // Each recorded mark is in the audit log with its day; the refused ones are not.
        Assert.Equal(
            ["cycle=t;item=prevention-1-2;status=-;occurred=2025-12-30", "cycle=t;item=prevention-1-2;status=-;occurred=2026-03-02", "cycle=t;item=prevention-1-2;status=-;occurred=2026-11-03"],
            (await AuditAsync()).Where(e => e.Action == PostgresAuditLog.Actions.MilestoneProgressRecorded).Select(e => e.Details).Order(StringComparer.Ordinal));

        var html = await PageAsync(address);
        var years = html[html.IndexOf("id=\"years\"", StringComparison.Ordinal)..html.IndexOf("</ul>", html.IndexOf("id=\"years\"", StringComparison.Ordinal), StringComparison.Ordinal)];
        Assert.Contains("<li>民國 114 年：已辦理 1／2 次：民國114年12月30日</li>", years, StringComparison.Ordinal);
        Assert.Contains("<li>民國 115 年：已辦理 2／2 次（已達成）：民國115年3月2日、民國115年11月3日</li>", years, StringComparison.Ordinal);
        Assert.Contains("<li>民國 116 年：已辦理 0／2 次</li>", years, StringComparison.Ordinal);
        Assert.Matches("<td class=\"occurred-on\">\\s*<time datetime=\"2025-12-30\">民國114年12月30日</time>\\s*</td>", html);
    }

    [Fact]
    public async Task An_item_that_is_not_recurring_has_no_occurrence_date_field()
    {
        var page = await PageAsync("/admin/milestones/t/enforcement-1-1");

        Assert.Contains("id=\"progress-form\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("progress-occurrence", page, StringComparison.Ordinal);
    }

    private Task<string> PageAsync(string address) => PageForm.PageAsync(_http, address);

    private Task<HttpResponseMessage> PostFormAsync(string address, string formName, Dictionary<string, string> fields) =>
        PageForm.SubmitAsync(_http, address, formName, [.. fields.Select(f => (f.Key, f.Value))]);

    private async Task<IReadOnlyList<Workflows.Access.AuditEntry>> AuditAsync() =>
        await _factory.Services.GetRequiredService<PostgresAuditLog>().QueryAsync(new AuditQuery(), CancellationToken.None);

    private static string ItemsTable(string html)
    {
        var start = html.IndexOf("id=\"items-heading\"", StringComparison.Ordinal);
        return html[start..html.IndexOf("id=\"calendar\"", start, StringComparison.Ordinal)];
    }

    private static int RowCount(string html)
    {
        var table = ItemsTable(html);
        var body = table.IndexOf("<tbody>", StringComparison.Ordinal);
        return body < 0 ? 0 : Regex.Matches(table[body..], "<tr[ >]").Count;
    }

    private static string Location(HttpResponseMessage response) =>
        response.Headers.Location is { IsAbsoluteUri: true } absolute ? absolute.PathAndQuery : response.Headers.Location!.OriginalString;

    private static MilestoneItem Item(string id, string group, string action, string scheduleText, string[] lead, string[] co) =>
        new(id, group, "測試", "（一）測試策略", "1", action, scheduleText, RocSchedule.Parse(scheduleText, 114).Steps, lead, co);
}
