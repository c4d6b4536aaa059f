using System.Net;
using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Tests.Accounts;
using AntiDrugFlow.Workflows.Access;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static AntiDrugFlow.Tests.WebPages.PageForm;

namespace AntiDrugFlow.Tests.WebPages;

/// <summary>
/// The page /account/password in-process, on a real database with the demo accounts: each message next to
/// its field, the change with its audit entry, the other sessions ending while this one stays, and a user
/// signed in with an administrator's password sent there from every page until they change it.
/// </summary>
public sealed class PasswordPageTests : IAsyncLifetime
{
    private const string Address = "/account/password";
    private const string FormName = "change-password";
    private const string OwnPassword = "MyOwnChoice2027";
    private AccountsHost _host = null!;

    public async Task InitializeAsync() =>
        // Sessions are checked against their account on every request, so a new security stamp shows at once.
        _host = await AccountsHost.StartAsync(new Dictionary<string, string> { ["Security:SessionCheckSeconds"] = "0" });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Every_page_header_links_to_the_password_page_which_states_the_policy()
    {
        using var school = await _host.SignedInAsync("school.kl-xinyi-jh", followRedirects: false);

        var inbox = await TextAsync(await school.GetAsync("/inbox"));
        var link = inbox.IndexOf("<a href=\"/account/password\" id=\"account-password\">變更密碼</a>", StringComparison.Ordinal);
        Assert.True(link > inbox.IndexOf("school.kl-xinyi-jh</span>", StringComparison.Ordinal) && link < inbox.IndexOf("id=\"sign-out\"", StringComparison.Ordinal), "the link is not between the user name and 登出");

        var response = await school.GetAsync(Address);
        var page = await TextAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<label for=\"current-password\">目前的密碼</label>", page, StringComparison.Ordinal);
        Assert.Contains("<label for=\"new-password\">新密碼</label>", page, StringComparison.Ordinal);
        Assert.Contains("<label for=\"confirm-password\">再輸入一次新密碼</label>", page, StringComparison.Ordinal);
        Assert.Contains("至少 12 個字元，至少 5 種不同的字元，不能是常見或容易猜到的密碼。不能與目前的密碼相同。", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"must-change\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_current_password_and_a_weak_new_one_get_their_messages_next_to_their_fields_and_nothing_changes()
    {
        using var school = await _host.SignedInAsync("school.kl-anle-sh", followRedirects: false);

        var response = await SubmitAsync(school, Address, FormName,
            ("CurrentPassword", "NotMyPassword1"), ("NewPassword", "short"), ("ConfirmPassword", "short"));

        var html = await TextAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, html);
        Assert.Contains("密碼沒有變更，請依欄位旁的說明修正。", html, StringComparison.Ordinal);
        AssertErrorAfter(html, "id=\"current-password\"", "currentPassword", "目前的密碼不正確。");
        AssertErrorAfter(html, "id=\"new-password\"", "newPassword", "密碼至少需要 12 個字元。");
        Assert.DoesNotContain("id=\"confirmPassword-error\"", html, StringComparison.Ordinal);
        // What was typed is never sent back.
        Assert.DoesNotContain("NotMyPassword1", html, StringComparison.Ordinal);

        using var anonymous = _host.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await AccountsHost.LoginAsync(anonymous, "school.kl-anle-sh", AccountsHost.Password)).StatusCode);
        var account = await FindAccountAsync("school.kl-anle-sh");
        var audit = await AuditOfAsync(account.Id);
        Assert.Contains(audit, e => e.Action == PostgresAuditLog.Actions.PasswordChangeFailed);
        Assert.DoesNotContain(audit, e => e.Action == PostgresAuditLog.Actions.PasswordChanged);
    }

    [Fact]
    public async Task A_different_confirmation_and_a_new_password_equal_to_the_current_one_are_refused_next_to_their_fields()
    {
        using var school = await _host.SignedInAsync("school.cy-beixing-jh", followRedirects: false);

        var mismatch = await TextAsync(await SubmitAsync(school, Address, FormName,
            ("CurrentPassword", AccountsHost.Password), ("NewPassword", OwnPassword), ("ConfirmPassword", OwnPassword + "x")));
        AssertErrorAfter(mismatch, "id=\"confirm-password\"", "confirmPassword", "兩次輸入的新密碼不一致，請重新輸入。");
        Assert.DoesNotContain("id=\"currentPassword-error\"", mismatch, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"newPassword-error\"", mismatch, StringComparison.Ordinal);

        var empty = await TextAsync(await SubmitAsync(school, Address, FormName,
            ("CurrentPassword", AccountsHost.Password), ("NewPassword", OwnPassword), ("ConfirmPassword", string.Empty)));
        AssertErrorAfter(empty, "id=\"confirm-password\"", "confirmPassword", "請再輸入一次新密碼。");

        var same = await TextAsync(await SubmitAsync(school, Address, FormName,
            ("CurrentPassword", AccountsHost.Password), ("NewPassword", AccountsHost.Password), ("ConfirmPassword", AccountsHost.Password)));
        AssertErrorAfter(same, "id=\"new-password\"", "newPassword", "新密碼不能與目前的密碼相同。");

        Assert.DoesNotContain(await AuditOfAsync((await FindAccountAsync("school.cy-beixing-jh")).Id), e => e.Action == PostgresAuditLog.Actions.PasswordChanged);
    }

    [Fact]
    public async Task A_change_on_the_page_keeps_this_session_ends_the_others_and_is_audited_with_the_change()
    {
        using var here = await _host.SignedInAsync("police.cy-beixing", followRedirects: false);
        using var elsewhere = await _host.SignedInAsync("police.cy-beixing", followRedirects: false);
        Assert.Equal(HttpStatusCode.OK, (await elsewhere.GetAsync("/inbox")).StatusCode);

        var response = await SubmitAsync(here, Address, FormName,
            ("CurrentPassword", AccountsHost.Password), ("NewPassword", OwnPassword), ("ConfirmPassword", OwnPassword));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/account/password?notice=changed", PathOf(response.Headers.Location!));
        // The session that made the change gets a cookie with the account's new security stamp.
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("AntiDrugFlow.Session=", StringComparison.Ordinal));
        var notice = await TextAsync(await here.GetAsync(response.Headers.Location));
        Assert.Contains("已變更密碼。您在其他瀏覽器或裝置上的登入會在下次檢查時結束", notice, StringComparison.Ordinal);
        Assert.Contains("<a href=\"/inbox\" id=\"continue\">繼續使用系統</a>", notice, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync("/inbox")).StatusCode);

        var ended = await elsewhere.GetAsync("/inbox");
        Assert.Equal(HttpStatusCode.Redirect, ended.StatusCode);
        Assert.StartsWith("/account/login", PathOf(ended.Headers.Location!), StringComparison.Ordinal);

        var account = await FindAccountAsync("police.cy-beixing");
        var changed = Assert.Single(await AuditOfAsync(account.Id), e => e.Action == PostgresAuditLog.Actions.PasswordChanged);
        Assert.Equal($"account={account.Id};userName=police.cy-beixing", changed.Details);
        using var anonymous = _host.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await AccountsHost.LoginAsync(anonymous, "police.cy-beixing", AccountsHost.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await AccountsHost.LoginAsync(anonymous, "police.cy-beixing", OwnPassword)).StatusCode);
    }

    [Fact]
    public async Task A_user_signed_in_with_an_administrators_password_is_sent_from_every_page_to_change_it_then_returns_to_the_page_asked_for()
    {
        using var admin = await _host.SignedInAsync("admin", followRedirects: false);
        var created = await SubmitAsync(admin, "/admin/users/new", "new-account",
            ("Form.UserName", "police.kl-badouzi"), ("Form.DisplayName", "八斗子派出所值班警員"), ("Form.Agency", "kee-p2-badouzi"),
            ("Form.Roles", RoleNames.PoliceOfficer), ("Form.Password", "GivenByAdmin42"));
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        using var officer = await _host.SignedInAsync("police.kl-badouzi", "GivenByAdmin42", followRedirects: false);

        foreach (var (page, expected) in new[]
        {
            ("/inbox", "/account/password?ReturnUrl=%2Finbox"),
            ("/cases?page=2", "/account/password?ReturnUrl=%2Fcases%3Fpage%3D2"),
            ("/notifications/new", "/account/password?ReturnUrl=%2Fnotifications%2Fnew"),
        })
        {
            var held = await officer.GetAsync(page);
            Assert.Equal(HttpStatusCode.Redirect, held.StatusCode);
            Assert.Equal(expected, PathOf(held.Headers.Location!));
        }

        // A form posted meanwhile is not repeated afterwards: the address to return to is left out.
        var posted = await officer.PostAsync("/notifications/new", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        Assert.Equal(Address, PathOf(posted.Headers.Location!));

        var form = await TextAsync(await officer.GetAsync("/account/password?ReturnUrl=%2Finbox"));
        Assert.Contains("您目前的密碼是系統管理者設定的", form, StringComparison.Ordinal);
        Assert.Contains("才能繼續使用系統", form, StringComparison.Ordinal);

        var changed = await SubmitAsync(officer, "/account/password?ReturnUrl=%2Finbox", FormName,
            ("CurrentPassword", "GivenByAdmin42"), ("NewPassword", OwnPassword), ("ConfirmPassword", OwnPassword));

        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        Assert.Equal("/account/password?notice=changed&ReturnUrl=%2Finbox", PathOf(changed.Headers.Location!));
        var notice = await TextAsync(await officer.GetAsync(changed.Headers.Location));
        Assert.Contains("<a href=\"/inbox\" id=\"continue\">繼續使用系統</a>", notice, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"must-change\"", notice, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await officer.GetAsync("/inbox")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await officer.GetAsync("/cases")).StatusCode);

        var account = await FindAccountAsync("police.kl-badouzi");
        Assert.False(account.MustChangePassword);
        Assert.Equal($"account={account.Id};userName=police.kl-badouzi;required",
            Assert.Single(await AuditOfAsync(account.Id), e => e.Action == PostgresAuditLog.Actions.PasswordChanged).Details);
        var adminView = await TextAsync(await admin.GetAsync($"/admin/users/{account.Id}"));
        Assert.Contains("<dd id=\"password-state\">不須變更</dd>", adminView, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_way_on_after_a_change_stays_on_this_site_and_suits_the_role()
    {
        using var school = await _host.SignedInAsync("school.cy-yushan-jh", followRedirects: false);
        var elsewhere = await TextAsync(await school.GetAsync("/account/password?notice=changed&ReturnUrl=%2F%2Fother.example%2Fphish"));
        Assert.Contains("<a href=\"/inbox\" id=\"continue\">", elsewhere, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"//other.example", elsewhere, StringComparison.Ordinal);
        // The sign-in page's default, the administrators' overview, is no place to send a school.
        var overview = await TextAsync(await school.GetAsync("/account/password?notice=changed&ReturnUrl=%2F"));
        Assert.Contains("<a href=\"/inbox\" id=\"continue\">", overview, StringComparison.Ordinal);

        using var admin = await _host.SignedInAsync("admin", followRedirects: false);
        var administrator = await TextAsync(await admin.GetAsync("/account/password?notice=changed"));
        Assert.Contains("<a href=\"/\" id=\"continue\">", administrator, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_password_page_needs_a_session()
    {
        using var anonymous = _host.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await anonymous.GetAsync(Address);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", PathOf(response.Headers.Location!), StringComparison.Ordinal);
    }

    /// <summary>The gate answers with a path, the pages and the cookie handler with an absolute address; the path is what matters.</summary>
    private static string PathOf(Uri location) => location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString;

    private async Task<Account> FindAccountAsync(string userName)
    {
        await using var scope = _host.Factory.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<PostgresAccountStore>().FindByNameAsync(userName.ToUpperInvariant(), CancellationToken.None))!;
    }

    private async Task<IReadOnlyList<AuditEntry>> AuditOfAsync(string userId) =>
        await _host.Factory.Services.GetRequiredService<PostgresAuditLog>().QueryAsync(new AuditQuery(UserId: userId), CancellationToken.None);
}
