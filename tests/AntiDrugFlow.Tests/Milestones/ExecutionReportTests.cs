using AntiDrugFlow.Integrations;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows;
using AntiDrugFlow.Workflows.Milestones;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AntiDrugFlow.Tests.Milestones;

/// <summary>The 執行成果報告 skeleton: one section per working group, ROC dates, status and notes, as HTML and Markdown.</summary>
public sealed class ExecutionReportTests
{
    [Fact]
    public async Task The_report_has_a_section_per_group_and_every_item_with_its_ROC_due_date_status_and_notes()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var clock = new Scheduling.MovingClock(new DateTimeOffset(2017, 9, 15, 1, 0, 0, TimeSpan.Zero));
        await using var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(clock).AddWorkflowSystem(connectionString, TestConfiguration.Empty, await Infrastructure.ShippedDirectory.ProviderAsync())
            .AddSingleton<PostgresMilestoneStore>().AddSingleton<IMilestoneScheduler, NoMilestoneScheduler>().AddSingleton<MilestoneTracker>()
            .BuildServiceProvider();
        var tracker = services.GetRequiredService<MilestoneTracker>();
        var catalog = await MilestoneCatalog.LoadAsync(RepositoryFiles.ActionPlan2017, CancellationToken.None);
        await tracker.LoadCycleAsync("2017", catalog, null, CancellationToken.None);
        var dueItem = catalog.Items.First(i => i.ScheduleText == "106年8月底前");
        await tracker.RecordProgressAsync("2017", dueItem.Id, new ProgressUpdate("承辦科", MilestoneStatus.InProgress, "草案研議中"), CancellationToken.None);

        var report = await ExecutionReport.BuildAsync(tracker.Store, "2017", new DateOnly(2017, 1, 1), new DateOnly(2017, 12, 31), clock.GetUtcNow(), CancellationToken.None);

        Assert.Equal(MilestoneCatalog.Groups, report.Sections.Select(s => s.Group));
        Assert.Equal(catalog.Items.Count(i => ExecutionReport.Touches(i.Schedule, new DateOnly(2017, 1, 1), new DateOnly(2017, 12, 31))), report.Sections.Sum(s => s.Rows.Count));
        var row = report.Sections.SelectMany(s => s.Rows).Single(r => r.ItemId == dueItem.Id);
        Assert.Equal("民國106年8月31日", row.DueDates);
        Assert.Equal("逾期未完成", row.Status);
        Assert.Contains("民國106年9月15日 草案研議中（承辦科）", row.Notes, StringComparison.Ordinal);

        var markdown = report.ToMarkdown();
        Assert.Contains("報告期間：民國106年1月1日至民國106年12月31日", markdown, StringComparison.Ordinal);
        foreach (var group in MilestoneCatalog.Groups)
        {
            Assert.Contains($"## {group}", markdown, StringComparison.Ordinal);
        }

        Assert.Contains("| 民國106年8月31日 | 逾期未完成 | 民國106年9月15日 草案研議中（承辦科） |", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("2017-", markdown, StringComparison.Ordinal);

        var html = report.ToHtml();
        Assert.Contains("<html lang=\"zh-Hant-TW\">", html, StringComparison.Ordinal);
        Assert.Equal(5, html.Split("<section>").Length - 1);
        Assert.Contains("<td>民國106年8月31日</td><td>逾期未完成</td>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("2017-", html, StringComparison.Ordinal);
    }
}
