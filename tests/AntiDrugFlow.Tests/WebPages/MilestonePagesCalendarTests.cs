using System.Globalization;
using System.Net;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Milestones;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AntiDrugFlow.Tests.WebPages;

/// <summary>
/// The 「未來三個月」 calendar of the milestone list. The shipped 2017 plan has nothing due any more, so this
/// test loads a small cycle of its own whose deadlines fall around today.
/// </summary>
public sealed class MilestonePagesCalendarTests : IAsyncLifetime
{
    private PageHost _pages = null!;

    public async Task InitializeAsync() => _pages = await PageHost.StartAsync();

    public async Task DisposeAsync() => await _pages.DisposeAsync();

    [Fact]
    public async Task The_calendar_lists_open_items_due_in_each_of_the_next_three_months_under_roc_month_headings()
    {
        var today = TaipeiTime.DateOf(DateTimeOffset.UtcNow);
        var thisMonth = new DateOnly(today.Year, today.Month, 1);
        var nextMonthEnd = thisMonth.AddMonths(2).AddDays(-1);
        var farEnd = thisMonth.AddMonths(6).AddDays(-1);
        var catalog = new MilestoneCatalog("測試行動綱領", "tests", RocDate.ToRocYear(today.Year), RocDate.ToRocYear(today.Year), RocDate.ToRocYear(today.Year) + 1, [],
        [
            Item("planning-1-1", "下個月到期的項目", nextMonthEnd),
            Item("planning-1-2", "下個月到期但已完成的項目", nextMonthEnd),
            Item("planning-1-3", "半年後才到期的項目", farEnd),
        ]);
        var tracker = _pages.Factory.Services.GetRequiredService<MilestoneTracker>();
        await tracker.LoadCycleAsync("calendar", catalog, null, CancellationToken.None);
        await tracker.RecordProgressAsync("calendar", "planning-1-2", new ProgressUpdate("測試", MilestoneStatus.Done, null), CancellationToken.None);

        var response = await _pages.Http.GetAsync("/admin/milestones?cycle=calendar");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Blazor writes the Chinese text as character references; the test reads it as a browser would.
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        var calendar = html[html.IndexOf("id=\"calendar\"", StringComparison.Ordinal)..];
        for (var offset = 0; offset < 3; offset++)
        {
            var month = thisMonth.AddMonths(offset);
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"<h3>民國{RocDate.ToRocYear(month.Year)}年{month.Month}月</h3>"), calendar, StringComparison.Ordinal);
        }

        Assert.Contains("下個月到期的項目", calendar, StringComparison.Ordinal);
        Assert.Contains(RocDate.Format(nextMonthEnd), calendar, StringComparison.Ordinal);
        Assert.DoesNotContain("已完成的項目", calendar, StringComparison.Ordinal);
        Assert.DoesNotContain("半年後才到期的項目", calendar, StringComparison.Ordinal);

        // In the table the open item due next month comes before the one due in half a year, and nothing is overdue.
        var table = html[..html.IndexOf("id=\"calendar\"", StringComparison.Ordinal)];
        Assert.True(table.IndexOf("下個月到期的項目", StringComparison.Ordinal) < table.IndexOf("半年後才到期的項目", StringComparison.Ordinal));
        Assert.DoesNotContain("overdue-mark", table, StringComparison.Ordinal);
    }

    private static MilestoneItem Item(string id, string action, DateOnly due) =>
        new(id, "綜合規劃組", "綜合規劃", "（一）測試策略", "1", action,
            string.Create(CultureInfo.InvariantCulture, $"{RocDate.ToRocYear(due.Year)}年{due.Month}月底前"),
            [new RocScheduleStep(RocScheduleKind.Deadline, Due: TaipeiTime.EndOfDay(due))], ["法務部"], []);
}
