using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Workflows.Access;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AntiDrugFlow.Tests.WebPages;

/// <summary>The audit log page: filtered by user, case and ROC dates (whole Taipei days), in words, on a real database.</summary>
public sealed class AuditLogPageTests : IAsyncLifetime
{
    private static readonly TimeSpan Taipei = TimeSpan.FromHours(8);
    private PageHost _pages = null!;
    private string _xinyiId = null!;

    public async Task InitializeAsync()
    {
        _pages = await PageHost.StartAsync(followRedirects: true);
        var audit = _pages.Factory.Services.GetRequiredService<PostgresAuditLog>();
        // The log keeps account ids; the page shows and takes user names.
        using var scope = _pages.Factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<Account>>();
        var xinyi = new Account { UserName = "police.kl-xinyi", DisplayName = "信義派出所承辦人", AgencyId = "kee-p2-xinyi" };
        Assert.True((await users.CreateAsync(xinyi)).Succeeded);
        _xinyiId = xinyi.Id;
        // Around the Taipei midnights that open and close 民國115年11月1日–2日.
        foreach (var entry in new[]
        {
            new AuditEntry(new DateTimeOffset(2026, 10, 31, 23, 59, 0, Taipei), "police.kl-zhong-er-rd", "kee-p2-zhong-er-rd", "case.read", "case-before", null),
            new AuditEntry(new DateTimeOffset(2026, 11, 1, 0, 0, 30, Taipei), "police.kl-zhong-er-rd", "kee-p2-zhong-er-rd", "case.read", "case-first-day", null),
            new AuditEntry(new DateTimeOffset(2026, 11, 2, 23, 59, 30, Taipei), "school.kl-chenggong-jh", "kee-sch-chenggong-jh", "task.acknowledge", "case-last-day", null),
            new AuditEntry(new DateTimeOffset(2026, 11, 2, 23, 59, 45, Taipei), xinyi.Id, "kee-p2-xinyi", "case.read.denied", "case-last-day", null),
            new AuditEntry(new DateTimeOffset(2026, 11, 3, 0, 0, 10, Taipei), "police.kl-zhong-er-rd", "kee-p2-zhong-er-rd", "case.read", "case-after", null),
        })
        {
            await audit.RecordAsync(entry, CancellationToken.None);
        }
    }

    public async Task DisposeAsync() => await _pages.DisposeAsync();

    [Fact]
    public async Task Roc_dates_keep_whole_taipei_days_and_the_filters_combine()
    {
        var days = await _pages.PageAsync("/admin/audit?from=115年11月1日&to=115/11/02");
        Assert.Contains("case-first-day", days, StringComparison.Ordinal);
        Assert.Contains("case-last-day", days, StringComparison.Ordinal);
        Assert.DoesNotContain("case-before", days, StringComparison.Ordinal);
        Assert.DoesNotContain("case-after", days, StringComparison.Ordinal);

        var oneUser = await _pages.PageAsync("/admin/audit?from=115年11月1日&to=115/11/02&user=police.kl-xinyi");
        Assert.Contains("case-last-day", oneUser, StringComparison.Ordinal);
        Assert.DoesNotContain("case-first-day", oneUser, StringComparison.Ordinal);
        Assert.Contains(_xinyiId, oneUser, StringComparison.Ordinal);

        var oneCase = await _pages.PageAsync("/admin/audit?case=case-after");
        Assert.Contains("case-after", oneCase, StringComparison.Ordinal);
        Assert.DoesNotContain("case-first-day", oneCase, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Entries_name_the_agency_and_say_what_was_done_in_words()
    {
        var page = await _pages.PageAsync("/admin/audit?from=115/11/02&to=115/11/02");

        Assert.Contains("基隆市立成功國民中學", page, StringComparison.Ordinal);
        Assert.Contains("確認收到任務", page, StringComparison.Ordinal);
        Assert.Contains("查閱案件（遭拒）", page, StringComparison.Ordinal);
        Assert.Contains("police.kl-xinyi", page, StringComparison.Ordinal);
        Assert.Contains("民國115年11月2日 23:59:45", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_western_or_impossible_date_is_refused_quoting_it_and_nothing_is_listed()
    {
        var western = await _pages.PageAsync("/admin/audit?from=2026-11-01");
        Assert.Contains("起日：無法解讀日期「2026-11-01」", western, StringComparison.Ordinal);
        Assert.DoesNotContain("case-first-day", western, StringComparison.Ordinal);

        var impossible = await _pages.PageAsync("/admin/audit?to=115/02/30");
        Assert.Contains("迄日：無法解讀日期「115/02/30」：民國115年2月沒有30日", impossible, StringComparison.Ordinal);
    }
}
