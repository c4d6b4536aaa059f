using System.Net;
using System.Net.Http.Json;
using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Workflows.Access;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static AntiDrugFlow.Tests.Accounts.AccountsHost;

namespace AntiDrugFlow.Tests.Accounts;

/// <summary>
/// Users change their own password through POST /api/account/password, and a password an administrator
/// set must be changed before the API does anything else; on a real database with the demo accounts.
/// </summary>
public sealed class PasswordChangeTests : IAsyncLifetime
{
    private const string OwnPassword = "MyOwnChoice2027";
    private AccountsHost _host = null!;

    public async Task InitializeAsync() =>
        // Sessions are checked against their account on every request, so a new security stamp shows at once.
        _host = await AccountsHost.StartAsync(new Dictionary<string, string> { ["Security:SessionCheckSeconds"] = "0" });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_user_changes_their_own_password_the_old_one_stops_working_and_the_change_is_audited_under_them()
    {
        using var officer = await _host.SignedInAsync("police.kl-xinyi");

        var response = await ChangePasswordAsync(officer, Password, OwnPassword);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        using var anonymous = _host.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(anonymous, "police.kl-xinyi", Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(anonymous, "police.kl-xinyi", OwnPassword)).StatusCode);
        var account = await FindAccountAsync("police.kl-xinyi");
        var changed = Assert.Single(await AuditOfAsync(account.Id), e => e.Action == PostgresAuditLog.Actions.PasswordChanged);
        Assert.Equal(account.AgencyId, changed.AgencyId);
        Assert.Equal($"account={account.Id};userName=police.kl-xinyi", changed.Details);
    }

    [Fact]
    public async Task Changing_the_password_ends_the_users_other_sessions_and_keeps_this_one()
    {
        using var here = await _host.SignedInAsync("liaison.kl");
        using var elsewhere = await _host.SignedInAsync("liaison.kl");
        Assert.Equal(HttpStatusCode.OK, (await elsewhere.GetAsync("/api/account/me")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await ChangePasswordAsync(here, Password, OwnPassword)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync("/api/account/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync("/api/inbox")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await elsewhere.GetAsync("/api/account/me")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_current_password_a_weak_new_one_and_a_different_confirmation_are_each_named_and_nothing_changes()
    {
        using var worker = await _host.SignedInAsync("social.kl");

        var response = await worker.PostAsJsonAsync("/api/account/password", new { currentPassword = "NotMyPassword1", newPassword = "weak", confirmPassword = "weaker" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await BodyAsync(response);
        Assert.Equal("密碼未變更", problem["title"]!.GetValue<string>());
        var errors = problem["errors"]!.AsObject();
        Assert.Equal(["$.confirmPassword", "$.currentPassword", "$.newPassword"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Equal("目前的密碼不正確。", errors["$.currentPassword"]![0]!.GetValue<string>());
        Assert.Contains(errors["$.newPassword"]!.AsArray(), m => m!.GetValue<string>() == "密碼至少需要 12 個字元。");
        Assert.Equal("兩次輸入的新密碼不一致，請重新輸入。", errors["$.confirmPassword"]![0]!.GetValue<string>());

        using var anonymous = _host.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(anonymous, "social.kl", Password)).StatusCode);
        var audit = await AuditOfAsync((await FindAccountAsync("social.kl")).Id);
        Assert.DoesNotContain(audit, e => e.Action == PostgresAuditLog.Actions.PasswordChanged);
        Assert.Contains(audit, e => e.Action == PostgresAuditLog.Actions.PasswordChangeFailed && e.Details!.EndsWith(";wrong current password", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Missing_fields_and_a_new_password_equal_to_the_current_one_are_refused_by_field()
    {
        using var worker = await _host.SignedInAsync("counselling.kl");

        var empty = (await BodyAsync(await worker.PostAsJsonAsync("/api/account/password", new { })))["errors"]!.AsObject();
        Assert.Equal("請輸入目前的密碼。", empty["$.currentPassword"]![0]!.GetValue<string>());
        Assert.Equal("請輸入新密碼。", empty["$.newPassword"]![0]!.GetValue<string>());

        var same = await ChangePasswordAsync(worker, Password, Password);
        Assert.Equal(HttpStatusCode.BadRequest, same.StatusCode);
        var errors = (await BodyAsync(same))["errors"]!.AsObject();
        Assert.Equal(["$.newPassword"], errors.Select(e => e.Key));
        Assert.Equal("新密碼不能與目前的密碼相同。", errors["$.newPassword"]![0]!.GetValue<string>());
        Assert.DoesNotContain(await AuditOfAsync((await FindAccountAsync("counselling.kl")).Id), e => e.Action == PostgresAuditLog.Actions.PasswordChanged);
    }

    [Fact]
    public async Task Wrong_current_passwords_count_towards_the_lockout_so_an_open_session_cannot_guess_the_password()
    {
        using var officer = await _host.SignedInAsync("juvenile-police.kl");
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var wrong = await ChangePasswordAsync(officer, "Guess" + attempt + "Password", OwnPassword);
            Assert.Equal("目前的密碼不正確。", (await BodyAsync(wrong))["errors"]!["$.currentPassword"]![0]!.GetValue<string>());
        }

        var fifth = await BodyAsync(await ChangePasswordAsync(officer, "Guess5Password", OwnPassword));
        Assert.Contains("帳號已暫時鎖定", fifth["errors"]!["$.currentPassword"]![0]!.GetValue<string>(), StringComparison.Ordinal);

        var account = await FindAccountAsync("juvenile-police.kl");
        Assert.Equal(AccountStatus.LockedOut, AccountStatuses.Of(account, DateTimeOffset.UtcNow));
        var audit = await AuditOfAsync(account.Id);
        Assert.Equal(5, audit.Count(e => e.Action == PostgresAuditLog.Actions.PasswordChangeFailed));
        Assert.Single(audit, e => e.Action == PostgresAuditLog.Actions.LockedOut);
        // Even the right password is refused until the lockout ends.
        var right = await BodyAsync(await ChangePasswordAsync(officer, Password, OwnPassword));
        Assert.StartsWith("密碼輸入錯誤次數過多，帳號已暫時鎖定", right["errors"]!["$.currentPassword"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        using var anonymous = _host.Anonymous();
        Assert.Equal("帳號已暫時鎖定", (await BodyAsync(await LoginAsync(anonymous, "juvenile-police.kl", Password)))["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_account_an_administrator_created_must_change_its_password_before_the_api_does_anything_else()
    {
        using var admin = await _host.SignedInAsync("admin");
        var created = await admin.PostAsJsonAsync("/api/admin/users", new
        {
            userName = "police.kl-badouzi", displayName = "八斗子派出所值班警員", agencyId = "kee-p2-badouzi",
            roles = new[] { RoleNames.PoliceOfficer }, password = "GivenByAdmin42",
        });
        Assert.True((await BodyAsync(created))["mustChangePassword"]!.GetValue<bool>());

        using var officer = _host.Anonymous();
        var signIn = await LoginAsync(officer, "police.kl-badouzi", "GivenByAdmin42");
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        Assert.True((await BodyAsync(signIn))["mustChangePassword"]!.GetValue<bool>());

        foreach (var address in new[] { "/api/inbox", "/api/cases", "/api/information-requests" })
        {
            var held = await officer.GetAsync(address);
            Assert.Equal(HttpStatusCode.Forbidden, held.StatusCode);
            Assert.Equal("application/problem+json", held.Content.Headers.ContentType!.MediaType);
            var problem = await BodyAsync(held);
            Assert.Equal("須先變更密碼", problem["title"]!.GetValue<string>());
            Assert.Contains("POST /api/account/password", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        var start = await officer.PostAsJsonAsync("/api/notifications", new { });
        Assert.Equal(HttpStatusCode.Forbidden, start.StatusCode);
        Assert.True((await BodyAsync(await officer.GetAsync("/api/account/me")))["mustChangePassword"]!.GetValue<bool>());

        Assert.Equal(HttpStatusCode.NoContent, (await ChangePasswordAsync(officer, "GivenByAdmin42", OwnPassword)).StatusCode);

        Assert.False((await BodyAsync(await officer.GetAsync("/api/account/me")))["mustChangePassword"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.OK, (await officer.GetAsync("/api/inbox")).StatusCode);
        var account = await FindAccountAsync("police.kl-badouzi");
        Assert.False(account.MustChangePassword);
        var changed = Assert.Single(await AuditOfAsync(account.Id), e => e.Action == PostgresAuditLog.Actions.PasswordChanged);
        Assert.Equal($"account={account.Id};userName=police.kl-badouzi;required", changed.Details);
        // Signing in again with the user's own password is not held back.
        using var later = _host.Anonymous();
        Assert.False((await BodyAsync(await LoginAsync(later, "police.kl-badouzi", OwnPassword)))["mustChangePassword"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.OK, (await later.GetAsync("/api/cases")).StatusCode);
    }

    [Fact]
    public async Task A_password_reset_by_an_administrator_marks_the_account_again()
    {
        using var admin = await _host.SignedInAsync("admin");
        var account = await FindAccountAsync("prosecutor.kl");
        Assert.False(account.MustChangePassword);

        var reset = await admin.PostAsJsonAsync($"/api/admin/users/{account.Id}/reset-password", new { generatePassword = true });
        var generated = (await BodyAsync(reset))["generatedPassword"]!.GetValue<string>();

        Assert.True((await FindAccountAsync("prosecutor.kl")).MustChangePassword);
        using var prosecutor = await _host.SignedInAsync("prosecutor.kl", generated);
        Assert.Equal(HttpStatusCode.Forbidden, (await prosecutor.GetAsync("/api/inbox")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ChangePasswordAsync(prosecutor, generated, OwnPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await prosecutor.GetAsync("/api/inbox")).StatusCode);
    }

    [Fact]
    public async Task A_user_held_back_by_an_administrators_password_can_still_sign_out()
    {
        using var admin = await _host.SignedInAsync("admin");
        var account = await FindAccountAsync("military.kl-mp");
        await admin.PostAsJsonAsync($"/api/admin/users/{account.Id}/reset-password", new { newPassword = "GivenByAdmin42" });
        using var liaison = await _host.SignedInAsync("military.kl-mp", "GivenByAdmin42");

        Assert.Equal(HttpStatusCode.NoContent, (await liaison.PostAsync("/api/account/logout", null)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await liaison.GetAsync("/api/account/me")).StatusCode);
        Assert.Contains(await AuditOfAsync(account.Id), e => e.Action == PostgresAuditLog.Actions.SignedOut);
    }

    [Fact]
    public async Task Changing_a_password_needs_a_session()
    {
        using var anonymous = _host.Anonymous();

        var response = await ChangePasswordAsync(anonymous, Password, OwnPassword);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("需要登入", (await BodyAsync(response))["title"]!.GetValue<string>());
    }

    private async Task<Account> FindAccountAsync(string userName)
    {
        await using var scope = _host.Factory.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<PostgresAccountStore>().FindByNameAsync(userName.ToUpperInvariant(), CancellationToken.None))!;
    }

    private async Task<IReadOnlyList<AuditEntry>> AuditOfAsync(string userId) =>
        await _host.Factory.Services.GetRequiredService<PostgresAuditLog>().QueryAsync(new AuditQuery(UserId: userId), CancellationToken.None);
}
