using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Milestones;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AntiDrugFlow.Host.Apis;

/// <summary>An item as the API shows it: dates in ISO 8601; the ROC calendar is for pages and emails.</summary>
public sealed record MilestoneView(
    string CycleId, string Id, string Group, string Section, string Strategy, string? Number, string Action,
    string ScheduleText, IReadOnlyList<RocScheduleStep> Schedule, IReadOnlyList<MilestoneDeadline> Deadlines,
    IReadOnlyList<string> LeadAgencies, IReadOnlyList<string> CoAgencies, string? Note,
    MilestoneStatus Status, bool Overdue, string? StatusNote, string? StatusBy, DateTimeOffset? StatusAt)
{
    public static MilestoneView From(TrackedMilestone m, DateTimeOffset now) => new(
        m.CycleId, m.Item.Id, m.Item.Group, m.Item.Section, m.Item.Strategy, m.Item.Number, m.Item.Action,
        m.Item.ScheduleText, m.Item.Schedule, m.Deadlines, m.Item.LeadAgencies, m.Item.CoAgencies, m.Item.Note,
        m.Status, m.IsOverdueAt(now), m.StatusNote, m.StatusBy, m.StatusAt);
}

public sealed record MilestoneDetailView(MilestoneView Item, IReadOnlyList<MilestoneProgress> Progress, IReadOnlyList<RecurringYear> Years, IReadOnlyList<SentReminder> Reminders);

public sealed record ShiftCycleRequest(string FromCycle, int Years, string? Id);

/// <summary>The action plan's milestones: cycles, items (filtered), progress and the execution report (執行成果報告).</summary>
public static class MilestonesApi
{
    public static IEndpointRouteBuilder MapMilestonesApi(this IEndpointRouteBuilder app)
    {
        var milestones = app.MapGroup("/api/milestones").WithTags("Milestones");
        milestones.MapGet("/cycles", CyclesAsync);
        milestones.MapPost("/cycles", ShiftCycleAsync);
        milestones.MapGet("/{cycleId}/items", ListAsync);
        milestones.MapGet("/{cycleId}/items/{itemId}", GetAsync);
        milestones.MapPost("/{cycleId}/items/{itemId}/progress", RecordProgressAsync);
        milestones.MapGet("/{cycleId}/report", ReportAsync);
        return app;
    }

    public static async Task<Ok<IReadOnlyList<MilestoneCycle>>> CyclesAsync(PostgresMilestoneStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.CyclesAsync(cancellationToken));

    public static async Task<Results<Created<MilestoneCycle>, NotFound, ValidationProblem>> ShiftCycleAsync(
        ShiftCycleRequest request, HttpContext http, MilestoneTracker tracker, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.FromCycle))
        {
            return ApiProblems.Field("fromCycle", "請指定要平移的期別");
        }

        try
        {
            var cycle = await tracker.ShiftCycleAsync(request.FromCycle, request.Years, request.Id, cancellationToken);
            await MilestoneAudit.RecordShiftAsync(audit, http.TryGetActor() ?? Actor.System, cycle, request.Years, time, cancellationToken);
            return TypedResults.Created($"/api/milestones/{Uri.EscapeDataString(cycle.Id)}/items", cycle);
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.NotFound();
        }
        catch (MilestoneRequestException ex)
        {
            return ApiProblems.Field(ex.Field, ex.Reason);
        }
    }

    /// <summary>Items of a cycle; <paramref name="agency"/> is part of a name, looked for among the lead agencies only when <paramref name="agencyRole"/> is "lead".</summary>
    public static async Task<Results<Ok<IReadOnlyList<MilestoneView>>, NotFound, ValidationProblem>> ListAsync(
        string cycleId, string? group, string? agency, string? agencyRole, DateTimeOffset? dueFrom, DateTimeOffset? dueUntil, bool? overdue,
        MilestoneTracker tracker, TimeProvider time, CancellationToken cancellationToken)
    {
        if (group is not null && !MilestoneCatalog.Groups.Contains(group))
        {
            return ApiProblems.Field("group", $"工作分組須為 {string.Join("、", MilestoneCatalog.Groups)} 之一");
        }

        if (MilestoneAgencyRoles.Parse(agencyRole) is not { } role)
        {
            return ApiProblems.Field("agencyRole", "機關角色須為 lead（主辦）或 leadOrCo（主辦或協辦）");
        }

        if (dueFrom > dueUntil)
        {
            return ApiProblems.Field("dueUntil", "到期區間的結束不可早於開始");
        }

        if (await tracker.Store.CycleAsync(cycleId, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        var now = time.GetUtcNow();
        var items = await tracker.ListAsync(new MilestoneFilter(cycleId, group, agency, dueFrom, dueUntil, overdue, role), cancellationToken);
        return TypedResults.Ok<IReadOnlyList<MilestoneView>>([.. items.Select(i => MilestoneView.From(i, now))]);
    }

    public static async Task<Results<Ok<MilestoneDetailView>, NotFound>> GetAsync(string cycleId, string itemId, MilestoneTracker tracker, TimeProvider time, CancellationToken cancellationToken) =>
        await tracker.GetAsync(cycleId, itemId, cancellationToken) is { } detail ? TypedResults.Ok(View(detail, time.GetUtcNow())) : TypedResults.NotFound();

    public static async Task<Results<Ok<MilestoneDetailView>, NotFound, ValidationProblem>> RecordProgressAsync(
        string cycleId, string itemId, ProgressUpdate update, HttpContext http, MilestoneTracker tracker, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        // Who marked it is the signed-in account; the body's name counts only where login is switched off.
        if (http.TryGetActor() is { } actor)
        {
            update = update with { By = $"{actor.UserName} ({actor.UserId})" };
        }

        try
        {
            var detail = await tracker.RecordProgressAsync(cycleId, itemId, update, cancellationToken);
            await MilestoneAudit.RecordProgressAsync(audit, http.TryGetActor() ?? Actor.System, cycleId, itemId, update, time, cancellationToken);
            return TypedResults.Ok(View(detail, time.GetUtcNow()));
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.NotFound();
        }
        catch (MilestoneRequestException ex)
        {
            return ApiProblems.Field(ex.Field, ex.Reason);
        }
    }

    /// <summary>The report for a period (ISO dates, both inclusive), as HTML (default) or Markdown (format=markdown).</summary>
    public static async Task<Results<ContentHttpResult, NotFound, ValidationProblem>> ReportAsync(
        string cycleId, DateOnly from, DateOnly until, string? format, PostgresMilestoneStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var markdown = string.Equals(format, "markdown", StringComparison.OrdinalIgnoreCase) || string.Equals(format, "md", StringComparison.OrdinalIgnoreCase);
        if (format is not null && !markdown && !string.Equals(format, "html", StringComparison.OrdinalIgnoreCase))
        {
            return ApiProblems.Field("format", "格式須為 html 或 markdown");
        }

        try
        {
            var report = await ExecutionReport.BuildAsync(store, cycleId, from, until, time.GetUtcNow(), cancellationToken);
            return markdown
                ? TypedResults.Text(report.ToMarkdown(), "text/markdown; charset=utf-8")
                : TypedResults.Text(report.ToHtml(), "text/html; charset=utf-8");
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.NotFound();
        }
        catch (MilestoneRequestException ex)
        {
            return ApiProblems.Field(ex.Field, ex.Reason);
        }
    }

    /// <summary>"lead" or "leadOrCo" (the default when absent), in any case; null for anything else.</summary>
    private static MilestoneDetailView View(MilestoneDetail detail, DateTimeOffset now) =>
        new(MilestoneView.From(detail.Milestone, now), detail.Progress, detail.Years, detail.Reminders);
}
