using System.Globalization;
using System.Net;
using System.Text;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Operations;

namespace AntiDrugFlow.Workflows.Milestones;

/// <summary>One row of the execution report: an item with its due dates, status and notes, as people read them.</summary>
public sealed record ExecutionReportRow(
    string ItemId, string Number, string Strategy, string Action, string LeadAgencies, string ScheduleText,
    string DueDates, string Status, string Notes);

/// <summary>
/// The skeleton of the 執行成果報告 (the plan's 附件) for a period: one section per working group, every
/// item whose schedule touches the period with its due dates in the ROC calendar, status and the notes
/// recorded in the period. Rendered as HTML and as Markdown.
/// </summary>
public sealed record ExecutionReport(string Title, string CycleId, DateOnly From, DateOnly Until, DateTimeOffset GeneratedAt, IReadOnlyList<(string Group, IReadOnlyList<ExecutionReportRow> Rows)> Sections)
{
    public const string ItemsStage = "整理各項目的辦理情形";

    public static Task<ExecutionReport> BuildAsync(PostgresMilestoneStore store, string cycleId, DateOnly from, DateOnly until, DateTimeOffset now, CancellationToken cancellationToken) =>
        BuildAsync(store, cycleId, from, until, now, null, cancellationToken);

    /// <summary>Builds the report, reporting progress once per item the period touches.</summary>
    public static async Task<ExecutionReport> BuildAsync(
        PostgresMilestoneStore store, string cycleId, DateOnly from, DateOnly until, DateTimeOffset now, IOperationProgress? operation, CancellationToken cancellationToken)
    {
        if (until < from)
        {
            throw new MilestoneRequestException("until", "報告期間的結束日期不可早於開始日期");
        }

        var cycle = await store.CycleAsync(cycleId, cancellationToken) ?? throw new KeyNotFoundException($"milestone cycle '{cycleId}' does not exist");
        var items = await store.ListAsync(new MilestoneFilter(cycleId), now, cancellationToken);
        var sections = new List<(string, IReadOnlyList<ExecutionReportRow>)>();
        var total = items.Count(i => MilestoneCatalog.Groups.Contains(i.Item.Group) && Touches(i.Item.Schedule, from, until));
        var done = 0;
        foreach (var group in MilestoneCatalog.Groups)
        {
            var rows = new List<ExecutionReportRow>();
            foreach (var item in items.Where(i => i.Item.Group == group && Touches(i.Item.Schedule, from, until)))
            {
                var progress = await store.ProgressAsync(cycleId, item.Item.Id, cancellationToken);
                var notes = progress
                    .Where(p => p.Note is not null && TaipeiTime.DateOf(p.RecordedAt) >= from && TaipeiTime.DateOf(p.RecordedAt) <= until)
                    .Select(p => $"{RocDate.Format(p.RecordedAt)} {p.Note}（{p.RecordedBy}）")
                    .ToList();
                if (item.StatusNote is not null && progress.Count == 0)
                {
                    notes.Add(item.StatusNote);
                }

                var years = MilestoneTracker.RecurringYears(item, cycle, progress)
                    .Where(y => y.RocYear >= RocDate.ToRocYear(from.Year) && y.RocYear <= RocDate.ToRocYear(until.Year))
                    .Select(y => string.Create(CultureInfo.InvariantCulture, $"{y.RocYear}年已辦理 {y.Recorded}／{y.Required} 次"));
                notes.AddRange(years);
                rows.Add(new ExecutionReportRow(
                    item.Item.Id,
                    item.Item.Number ?? string.Empty,
                    item.Item.Strategy,
                    item.Item.Action,
                    string.Join("、", item.Item.LeadAgencies),
                    item.Item.ScheduleText,
                    item.Deadlines.Count == 0 ? "—" : string.Join("；", item.Deadlines.Select(d => RocDate.Format(d.Due))),
                    StatusText(item, now),
                    string.Join("；", notes)));
                if (operation is not null)
                {
                    await operation.ReportAsync(ItemsStage, ++done, total, cancellationToken);
                }
            }

            sections.Add((group, rows));
        }

        return new ExecutionReport(cycle.Title, cycleId, from, until, now, sections);
    }

    public static string StatusText(TrackedMilestone item, DateTimeOffset now) => item.Status switch
    {
        MilestoneStatus.Done => "已完成",
        _ when item.IsOverdueAt(now) => "逾期未完成",
        MilestoneStatus.InProgress => "辦理中",
        _ => "尚未辦理",
    };

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.Append("# ").Append(Title).AppendLine(" 執行成果報告").AppendLine();
        text.Append("報告期間：").Append(RocDate.Format(From)).Append("至").AppendLine(RocDate.Format(Until)).AppendLine();
        text.Append("產製日期：").AppendLine(RocDate.Format(GeneratedAt)).AppendLine();
        foreach (var (group, rows) in Sections)
        {
            text.Append("## ").AppendLine(group).AppendLine();
            if (rows.Count == 0)
            {
                text.AppendLine("本期間無應辦理項目。").AppendLine();
                continue;
            }

            text.AppendLine("| 編號 | 策略 | 行動方案 | 主辦機關 | 辦理期程 | 期限 | 辦理情形 | 執行成果／說明 |");
            text.AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var row in rows)
            {
                text.Append("| ").AppendJoin(" | ", new[] { row.ItemId, row.Strategy, row.Action, row.LeadAgencies, row.ScheduleText, row.DueDates, row.Status, row.Notes }.Select(Cell)).AppendLine(" |");
            }

            text.AppendLine();
        }

        return text.ToString();

        static string Cell(string value) => value.Replace("|", "\\|", StringComparison.Ordinal).Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", "<br>", StringComparison.Ordinal);
    }

    public string ToHtml()
    {
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html>").AppendLine("<html lang=\"zh-Hant-TW\"><head><meta charset=\"utf-8\">");
        html.Append("<title>").Append(E(Title)).AppendLine(" 執行成果報告</title>");
        html.AppendLine("<style>body{font-family:sans-serif}table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:4px;vertical-align:top}td.action{white-space:pre-line}</style>");
        html.AppendLine("</head><body>");
        html.Append("<h1>").Append(E(Title)).AppendLine(" 執行成果報告</h1>");
        html.Append("<p>報告期間：").Append(E(RocDate.Format(From))).Append("至").Append(E(RocDate.Format(Until))).AppendLine("</p>");
        html.Append("<p>產製日期：").Append(E(RocDate.Format(GeneratedAt))).AppendLine("</p>");
        foreach (var (group, rows) in Sections)
        {
            html.Append("<section><h2>").Append(E(group)).AppendLine("</h2>");
            if (rows.Count == 0)
            {
                html.AppendLine("<p>本期間無應辦理項目。</p></section>");
                continue;
            }

            html.AppendLine("<table><thead><tr><th>編號</th><th>策略</th><th>行動方案</th><th>主辦機關</th><th>辦理期程</th><th>期限</th><th>辦理情形</th><th>執行成果／說明</th></tr></thead><tbody>");
            foreach (var row in rows)
            {
                html.Append("<tr><td>").Append(E(row.ItemId)).Append("</td><td>").Append(E(row.Strategy)).Append("</td><td class=\"action\">").Append(E(row.Action))
                    .Append("</td><td>").Append(E(row.LeadAgencies)).Append("</td><td>").Append(E(row.ScheduleText)).Append("</td><td>").Append(E(row.DueDates))
                    .Append("</td><td>").Append(E(row.Status)).Append("</td><td>").Append(E(row.Notes)).AppendLine("</td></tr>");
            }

            html.AppendLine("</tbody></table></section>");
        }

        html.AppendLine("</body></html>");
        return html.ToString();

        static string E(string value) => WebUtility.HtmlEncode(value);
    }

    /// <summary>Whether a schedule asks for anything within the period; undated work (ongoing, recurring, conditional) always does.</summary>
    public static bool Touches(IReadOnlyList<RocScheduleStep> schedule, DateOnly from, DateOnly until) => schedule.Any(step => step.Kind switch
    {
        RocScheduleKind.Deadline => step.Due is { } due && TaipeiTime.DateOf(due) >= from && (step.From ?? DateOnly.MinValue) <= until,
        RocScheduleKind.Start => step.From is not { } start || start <= until,
        RocScheduleKind.Period => (step.From ?? DateOnly.MinValue) <= until && (step.Until ?? DateOnly.MaxValue) >= from,
        RocScheduleKind.Done => step.DoneOn is { } on && on >= from && on <= until,
        RocScheduleKind.Recurring => step.From is not { } start || start <= until,
        _ => true,
    });
}
