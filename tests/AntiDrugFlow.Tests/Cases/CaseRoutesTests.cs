using System.Net;
using System.Net.Http.Json;
using AntiDrugFlow.Tests.Chains;
using AntiDrugFlow.Workflows.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AntiDrugFlow.Tests.Cases;

/// <summary>
/// The case list reads the cases routed to an agency from <c>case_routes</c> (0470_case_routes.sql), kept by triggers in
/// the transaction that writes the task or the case: a route exists exactly while a task of the case names the agency,
/// whether the task was written before its case (a notification's first step) or after (an escalation), until the last
/// such task is deleted; and the migration fills it from the tasks already written.
/// </summary>
public sealed class CaseRoutesTests : IAsyncLifetime
{
    private ChainsHost _host = null!;

    public async Task InitializeAsync() => _host = await ChainsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_route_is_kept_exactly_while_a_task_of_the_case_names_the_agency()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        var tipOff = (await ChainsHost.BodyAsync(await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", urgent = true, drugLevel = 2 })))["id"]!.GetValue<string>();
        // The first step routes it to the station, the school and the liaison office, written before the case.
        Assert.Equal(["kee-liaison", "kee-p1-zhong-er-rd", "kee-sch-chenggong-jh"], await RoutesAsync(tipOff));

        // Two hours later the escalation routes it to the precinct: a task written after its case.
        await _host.AdvanceAsync(TimeSpan.FromHours(2));
        var escalated = await RoutesAsync(tipOff);
        Assert.Contains("kee-p1", escalated);
        Assert.Contains("kee-p1-zhong-er-rd", escalated);
        await AssertRoutesAreTheTasksAsync();

        // A second task of the case for the precinct: the route is not written twice, and outlives the first task.
        var precinctTask = await _host.ScalarAsync<string>($"SELECT id FROM human_tasks WHERE payload->>'caseId' = '{tipOff}' AND payload->>'agencyId' = 'kee-p1'");
        await _host.ExecuteAsync($"""
            INSERT INTO human_tasks (id, instance_id, bookmark_id, activity_id, task_name, payload, status, created_at)
            SELECT id || '-again', instance_id, bookmark_id || '-again', activity_id, task_name, payload, status, created_at FROM human_tasks WHERE id = '{precinctTask}'
            """);
        Assert.Equal(1, await _host.ScalarAsync<long>($"SELECT count(*) FROM case_routes WHERE case_id = '{tipOff}' AND agency_id = 'kee-p1'"));
        await _host.ExecuteAsync($"DELETE FROM human_tasks WHERE id = '{precinctTask}'");
        Assert.Equal(escalated, await RoutesAsync(tipOff));

        // The station's only task goes: so do its route and, having no other reason, its sight of the case.
        var station = await _host.SignedInAsync("police.kl-zhong-er-rd");
        Assert.Equal(HttpStatusCode.OK, (await station.GetAsync($"/api/cases/{tipOff}")).StatusCode);
        await _host.ExecuteAsync($"DELETE FROM human_tasks WHERE payload->>'caseId' = '{tipOff}' AND payload->>'agencyId' = 'kee-p1-zhong-er-rd'");
        Assert.Equal(escalated.Where(a => a != "kee-p1-zhong-er-rd"), await RoutesAsync(tipOff));
        Assert.Equal(HttpStatusCode.NotFound, (await station.GetAsync($"/api/cases/{tipOff}")).StatusCode);
        Assert.DoesNotContain((await ChainsHost.BodyAsync(await station.GetAsync("/api/cases"))).AsArray(), c => c!["id"]!.GetValue<string>() == tipOff);

        await _host.ExecuteAsync($"DELETE FROM human_tasks WHERE id = '{precinctTask}-again'");
        Assert.Equal(escalated.Where(a => a is not "kee-p1-zhong-er-rd" and not "kee-p1"), await RoutesAsync(tipOff));
        await AssertRoutesAreTheTasksAsync();
    }

    [Fact]
    public async Task The_migration_fills_the_routes_of_the_tasks_written_before_it()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        foreach (var kind in new[] { "DrugSource", "CampusSeizure", "DrugSource" })
        {
            Assert.Equal(HttpStatusCode.Created, (await school.PostAsJsonAsync("/api/notifications", new { kind, drugLevel = 2 })).StatusCode);
        }

        await _host.AdvanceAsync(TimeSpan.FromHours(2));
        var before = await AllRoutesAsync();
        Assert.True(before.Count >= 3, $"{before.Count} routes");

        // The schema as it was before 0470, with the same tasks and cases; then the host's migrator applies 0470 again.
        await _host.ExecuteAsync("""
            DROP FUNCTION case_routes_of_new_tasks(), case_routes_of_deleted_tasks(), case_routes_of_new_cases() CASCADE;
            DROP TABLE case_routes;
            DELETE FROM schema_migrations WHERE name LIKE '0470%';
            """);
        var migrator = _host.Factory.Services.GetRequiredService<SchemaMigrator>();
        Assert.Equal(["0470_case_routes.sql"], (await migrator.PendingAsync(CancellationToken.None)).Select(Path.GetFileName));
        await migrator.MigrateAsync(CancellationToken.None);

        Assert.Equal(before, await AllRoutesAsync());
        await AssertRoutesAreTheTasksAsync();

        // And the triggers are back: a new notification's route is written with it.
        var tipOff = (await ChainsHost.BodyAsync(await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", drugLevel = 2 })))["id"]!.GetValue<string>();
        Assert.Equal(["kee-liaison", "kee-p1-zhong-er-rd", "kee-sch-chenggong-jh"], await RoutesAsync(tipOff));
    }

    private async Task<List<string>> RoutesAsync(string caseId) =>
        [.. (await _host.ScalarAsync<string[]>($"SELECT coalesce(array_agg(agency_id ORDER BY agency_id), '{{}}') FROM case_routes WHERE case_id = '{caseId}'"))];

    private async Task<List<string>> AllRoutesAsync() =>
        [.. await _host.ScalarAsync<string[]>("SELECT coalesce(array_agg(r ORDER BY r), '{}') FROM (SELECT agency_id || ' ' || case_id || ' ' || case_created_at::text AS r FROM case_routes) routes")];

    /// <summary>The routes are what the tasks say, each with its case's time: no route more, none fewer.</summary>
    private async Task AssertRoutesAreTheTasksAsync()
    {
        var fromTasks = await _host.ScalarAsync<string[]>("""
            SELECT coalesce(array_agg(r ORDER BY r), '{}') FROM (
                SELECT DISTINCT t.payload->>'agencyId' || ' ' || c.id || ' ' || c.created_at::text AS r
                FROM human_tasks t JOIN cases c ON c.id = t.payload->>'caseId' WHERE t.payload->>'agencyId' IS NOT NULL) routes
            """);
        Assert.NotEmpty(fromTasks);
        Assert.Equal(fromTasks, await AllRoutesAsync());
    }
}
