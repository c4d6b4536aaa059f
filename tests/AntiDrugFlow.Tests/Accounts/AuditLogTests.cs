using System.Net;
using System.Text.Json.Nodes;
using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Workflows.Access;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static AntiDrugFlow.Tests.Accounts.AccountsHost;

namespace AntiDrugFlow.Tests.Accounts;

/// <summary>Sign-ins, failures, lockouts and case reads land in the audit log, which only administrators can query.</summary>
public sealed class AuditLogTests : IAsyncLifetime
{
    private AccountsHost _host = null!;

    public async Task InitializeAsync() => _host = await AccountsHost.StartAsync(new Dictionary<string, string> { ["Security:SignInThrottle:PairFreeFailures"] = "2" });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Sign_ins_failed_sign_ins_and_throttled_attempts_are_recorded_and_queryable_by_user()
    {
        using var client = _host.Anonymous();
        await LoginAsync(client, "police.cy-houhu", Password);
        await LoginAsync(client, "school.cy-chiayi-sh", "WrongPassword1");
        await LoginAsync(client, "school.cy-chiayi-sh", "WrongPassword2");
        await LoginAsync(client, "school.cy-chiayi-sh", Password);
        await LoginAsync(client, "no.such-user", Password);
        using var admin = await _host.SignedInAsync("admin");

        var police = await EntriesAsync(admin, $"/api/audit?userId={await IdOfAsync(admin, "police.cy-houhu")}");
        var school = await EntriesAsync(admin, $"/api/audit?userId={await IdOfAsync(admin, "school.cy-chiayi-sh")}");
        var unknown = await EntriesAsync(admin, "/api/audit?userId=(unknown)");

        Assert.Equal([PostgresAuditLog.Actions.SignedIn], police.Select(Action));
        Assert.Equal("cyi-p2-houhu", police[0]!["agencyId"]!.GetValue<string>());
        // Newest first.
        Assert.Equal(
            [PostgresAuditLog.Actions.SignInThrottled, PostgresAuditLog.Actions.SignInFailed, PostgresAuditLog.Actions.SignInFailed],
            school.Select(Action));
        Assert.Contains(unknown, e => Action(e) == PostgresAuditLog.Actions.SignInFailed && e!["details"]!.GetValue<string>() == "userName=no.such-user");
    }

    [Fact]
    public async Task Case_entries_are_found_by_case_and_time_window()
    {
        var audit = _host.Factory.Services.GetRequiredService<IAuditLog>();
        var at = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.FromHours(8));
        await audit.RecordAsync(new AuditEntry(at, "u-1", "kee-liaison", "case.read", "case-42", null), CancellationToken.None);
        await audit.RecordAsync(new AuditEntry(at.AddHours(2), "u-2", "kee-p2-xinyi", "case.changed", "case-42", "status=受理"), CancellationToken.None);
        await audit.RecordAsync(new AuditEntry(at.AddHours(1), "u-1", "kee-liaison", "case.read", "case-43", null), CancellationToken.None);
        using var admin = await _host.SignedInAsync("admin");

        var all = await EntriesAsync(admin, "/api/audit?caseId=case-42");
        var window = await EntriesAsync(admin, "/api/audit?caseId=case-42&from=2026-03-01T09:00:00%2B08:00&to=2026-03-01T11:00:00%2B08:00");

        Assert.Equal(["case.changed", "case.read"], all.Select(Action));
        Assert.Equal("case.changed", Action(Assert.Single(window)));
        Assert.Equal("u-2", window[0]!["userId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Reading_the_audit_log_is_itself_recorded()
    {
        using var admin = await _host.SignedInAsync("admin");
        await admin.GetAsync("/api/audit?caseId=case-7");

        var entries = await EntriesAsync(admin, "/api/audit?caseId=case-7");

        Assert.Contains(entries, e => Action(e) == PostgresAuditLog.Actions.AuditQueried);
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-45", "to")]
    [InlineData("limit=0", "limit")]
    [InlineData("caseNumber=TIP-115-999999", "caseNumber")]
    public async Task A_bad_query_names_the_parameter(string query, string field)
    {
        using var admin = await _host.SignedInAsync("admin");

        var response = await admin.GetAsync("/api/audit?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await BodyAsync(response))["errors"]!.AsObject().ContainsKey(field));
    }

    [Fact]
    public async Task A_reversed_range_is_a_problem_naming_both_ends_not_an_empty_answer()
    {
        using var admin = await _host.SignedInAsync("admin");

        var response = await admin.GetAsync("/api/audit?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await BodyAsync(response))["errors"]!.AsObject();
        Assert.Equal(["from", "to"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Contains("to=2026-03-01T00:00:00Z", errors["to"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_administrators_may_query_the_audit_log()
    {
        using var liaison = await _host.SignedInAsync("liaison.kl");
        using var anonymous = _host.Anonymous();

        Assert.Equal(HttpStatusCode.Forbidden, (await liaison.GetAsync("/api/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/audit")).StatusCode);
    }

    private static string Action(JsonNode? entry) => entry!["action"]!.GetValue<string>();

    private static async Task<JsonArray> EntriesAsync(HttpClient admin, string url)
    {
        var response = await admin.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await BodyAsync(response)).AsArray();
    }

    private static async Task<string> IdOfAsync(HttpClient admin, string userName)
    {
        var users = (await BodyAsync(await admin.GetAsync("/api/admin/users"))).AsArray();
        return users.Single(u => u!["userName"]!.GetValue<string>() == userName)!["id"]!.GetValue<string>();
    }
}
