using System.Net.Http.Json;
using System.Net;
using System.Text.RegularExpressions;
using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Host.Components.Display;
using AntiDrugFlow.Tests.Accounts;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Access;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static AntiDrugFlow.Tests.WebPages.PageForm;

namespace AntiDrugFlow.Tests.WebPages;

/// <summary>
/// The account pages in-process, on a real database with the demo accounts: every form's effect in
/// the account store and in the audit log, and the messages a wrong form gets, next to its field.
/// </summary>
public sealed partial class AccountPagesTests : IAsyncLifetime
{
    private const string NewPassword = "PoliceStart2027";
    private AccountsHost _host = null!;
    private HttpClient _admin = null!;
    private string _adminId = null!;

    public async Task InitializeAsync()
    {
        _host = await AccountsHost.StartAsync();
        _admin = await _host.SignedInAsync("admin", followRedirects: false);
        _adminId = (await AccountsHost.BodyAsync(await _admin.GetAsync("/api/account/me")))["userId"]!.GetValue<string>();
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task A_new_account_with_bad_input_gets_each_message_next_to_its_field_and_nothing_is_saved()
    {
        var response = await SubmitAsync(_admin, "/admin/users/new", "new-account",
            ("Form.UserName", "Police Badou"), ("Form.DisplayName", " "), ("Form.Agency", "八斗子派出所"), ("Form.Password", "short"));

        var html = await TextAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, html);
        Assert.Contains("帳號資料有誤，請依欄位旁的說明修正。", html, StringComparison.Ordinal);
        AssertErrorAfter(html, "id=\"user-name\"", "userName", "帳號須為 3 到 64 個字元");
        AssertErrorAfter(html, "id=\"display-name\"", "displayName", "請輸入顯示名稱");
        AssertErrorAfter(html, "id=\"agency\"", "agencyId", "機關「八斗子派出所」不在機關名錄中；請填機關代碼或完整名稱。");
        AssertErrorAfter(html, "<legend>角色（可複選）</legend>", "roles", "請至少選擇一個角色。");
        AssertErrorAfter(html, "id=\"password\"", "password", "密碼至少需要 12 個字元。");
        // What was typed stays, except the password, which is never sent back.
        Assert.Contains("value=\"Police Badou\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("value=\"short\"", html, StringComparison.Ordinal);

        Assert.Null(await FindAccountAsync("police badou"));
        Assert.DoesNotContain(await AuditByAdminAsync(), e => e.Action == PostgresAuditLog.Actions.UserCreated);
    }

    [Theory]
    [InlineData("值班\0警員", "顯示名稱不可含 NUL 字元（\\u0000）。")]
    [InlineData("值班\n警員", "顯示名稱不可含換行、定位字元或其他控制字元。")]
    public async Task A_control_character_in_a_display_name_on_the_page_is_a_chinese_error_next_to_the_field_not_a_500(string displayName, string message)
    {
        var response = await SubmitAsync(_admin, "/admin/users/new", "new-account",
            ("Form.UserName", "police.kl-nul"), ("Form.DisplayName", displayName), ("Form.Agency", "kee-p2-badouzi"),
            ("Form.Roles", RoleNames.PoliceOfficer), ("Form.Password", NewPassword));

        var html = await TextAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, html);
        AssertErrorAfter(html, "id=\"display-name\"", "displayName", message);
        Assert.Null(await FindAccountAsync("police.kl-nul"));
    }

    [Fact]
    public async Task The_api_refuses_a_display_name_with_a_control_character_by_the_same_rule()
    {
        var response = await _admin.PostAsJsonAsync("/api/admin/users", new
        {
            userName = "police.kl-bell", displayName = "值班\u0007警員", agencyId = "kee-p2-badouzi", roles = new[] { RoleNames.PoliceOfficer }, password = NewPassword,
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("顯示名稱不可含換行、定位字元或其他控制字元。", (await AccountsHost.BodyAsync(response))["errors"]!["$.displayName"]![0]!.GetValue<string>());
        Assert.Null(await FindAccountAsync("police.kl-bell"));
    }

    [Fact]
    public async Task An_administrator_creates_a_police_account_with_the_agency_named_in_full_and_it_is_audited_under_them()
    {
        var response = await SubmitAsync(_admin, "/admin/users/new", "new-account",
            ("Form.UserName", "police.kl-badouzi"), ("Form.DisplayName", "八斗子派出所值班警員"), ("Form.Agency", "基隆市警察局第二分局八斗子派出所"),
            ("Form.Roles", RoleNames.PoliceOfficer), ("Form.Roles", RoleNames.LiaisonOfficer), ("Form.Password", NewPassword));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var account = await FindAccountAsync("police.kl-badouzi");
        Assert.NotNull(account);
        Assert.Equal($"/admin/users/{account.Id}?notice=created", response.Headers.Location!.PathAndQuery);
        Assert.Equal("八斗子派出所值班警員", account.DisplayName);
        Assert.Equal("kee-p2-badouzi", account.AgencyId);
        Assert.Equal([RoleNames.LiaisonOfficer, RoleNames.PoliceOfficer], account.Roles);

        var created = Assert.Single(await AuditByAdminAsync(), e => e.Action == PostgresAuditLog.Actions.UserCreated);
        Assert.Equal("moe-sse", created.AgencyId);
        Assert.Equal($"account={account.Id};userName=police.kl-badouzi;roles=liaison-officer,police-officer", created.Details);

        var page = await TextAsync(await _admin.GetAsync(response.Headers.Location));
        Assert.Contains("已建立帳號", page, StringComparison.Ordinal);
        Assert.Contains("基隆市警察局第二分局八斗子派出所", page, StringComparison.Ordinal);
        Assert.Contains("<dd id=\"password-state\">系統管理者設定，使用者登入後須先變更</dd>", page, StringComparison.Ordinal);
        Assert.True(account.MustChangePassword);
        using var officer = await _host.SignedInAsync("police.kl-badouzi", NewPassword, followRedirects: false);
    }

    [Fact]
    public async Task A_generated_password_is_shown_once_in_the_answer_and_not_kept_by_the_browser()
    {
        var response = await SubmitAsync(_admin, "/admin/users/new", "new-account",
            ("Form.UserName", "school.kl-badou-sh"), ("Form.DisplayName", "生輔組長"), ("Form.Agency", "kee-sch-badou-sh"),
            ("Form.Roles", RoleNames.SchoolStaff), ("Form.GeneratePassword", "true"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl!.NoStore);
        var password = GeneratedPassword().Match(await TextAsync(response)).Groups[1].Value;
        Assert.Matches("^[A-Za-z0-9]{16}$", password);
        using var teacher = await _host.SignedInAsync("school.kl-badou-sh", password, followRedirects: false);

        var account = await FindAccountAsync("school.kl-badou-sh");
        var later = await TextAsync(await _admin.GetAsync($"/admin/users/{account!.Id}"));
        Assert.DoesNotContain(password, later, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Locking_takes_a_confirmation_step_then_the_user_cannot_sign_in_and_the_audit_log_names_the_administrator()
    {
        var account = (await FindAccountAsync("prosecutor.kl"))!;
        var page = await TextAsync(await _admin.GetAsync($"/admin/users/{account.Id}"));
        Assert.Contains($"href=\"/admin/users/{account.Id}?confirm=lock\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("value=\"lock-account\"", page, StringComparison.Ordinal);

        var confirm = await TextAsync(await _admin.GetAsync($"/admin/users/{account.Id}?confirm=lock"));
        Assert.Contains("確定要停用帳號", confirm, StringComparison.Ordinal);
        var response = await SubmitAsync(_admin, $"/admin/users/{account.Id}?confirm=lock", "lock-account");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/admin/users/{account.Id}?notice=locked", response.Headers.Location!.PathAndQuery);
        Assert.Equal(AccountStatus.Disabled, AccountStatuses.Of((await FindAccountAsync("prosecutor.kl"))!, DateTimeOffset.UtcNow));
        var locked = Assert.Single(await AuditByAdminAsync(), e => e.Action == PostgresAuditLog.Actions.UserLocked);
        Assert.Equal($"account={account.Id};userName=prosecutor.kl", locked.Details);
        using var anonymous = _host.Anonymous();
        var signIn = await AccountsHost.LoginAsync(anonymous, "prosecutor.kl", AccountsHost.Password);
        Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);
        Assert.Equal("帳號已停用", (await AccountsHost.BodyAsync(signIn))["title"]!.GetValue<string>());

        var list = await TextAsync(await _admin.GetAsync("/admin/users?name=prosecutor.kl"));
        Assert.Contains("account-disabled\">停用</span>", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_administrator_cannot_lock_their_own_account_and_is_told_why()
    {
        var response = await SubmitAsync(_admin, $"/admin/users/{_adminId}?confirm=lock", "lock-account");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("不能停用自己正在使用的帳號；請由另一位系統管理者操作。", await TextAsync(response), StringComparison.Ordinal);
        Assert.Equal(AccountStatus.Active, AccountStatuses.Of((await FindAccountAsync("admin"))!, DateTimeOffset.UtcNow));
        Assert.DoesNotContain(await AuditByAdminAsync(), e => e.Action == PostgresAuditLog.Actions.UserLocked);
    }

    [Fact]
    public async Task Unlocking_from_the_page_lets_the_user_sign_in_again_and_is_audited()
    {
        var account = (await FindAccountAsync("social.kl"))!;
        await SubmitAsync(_admin, $"/admin/users/{account.Id}?confirm=lock", "lock-account");
        Assert.Contains("value=\"unlock-account\"", await TextAsync(await _admin.GetAsync($"/admin/users/{account.Id}")), StringComparison.Ordinal);

        var response = await SubmitAsync(_admin, $"/admin/users/{account.Id}", "unlock-account");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/admin/users/{account.Id}?notice=unlocked", response.Headers.Location!.PathAndQuery);
        Assert.Equal(AccountStatus.Active, AccountStatuses.Of((await FindAccountAsync("social.kl"))!, DateTimeOffset.UtcNow));
        var unlocked = Assert.Single(await AuditByAdminAsync(), e => e.Action == PostgresAuditLog.Actions.UserUnlocked);
        Assert.Equal($"account={account.Id};userName=social.kl", unlocked.Details);
        using var worker = await _host.SignedInAsync("social.kl", followRedirects: false);
    }

    [Fact]
    public async Task A_password_reset_from_the_page_must_meet_the_policy_and_replaces_the_old_password()
    {
        var account = (await FindAccountAsync("counselling.kl"))!;
        var address = $"/admin/users/{account.Id}";

        var weak = await SubmitAsync(_admin, address, "reset-password", ("NewPassword", "Password2026!"));
        Assert.Equal(HttpStatusCode.OK, weak.StatusCode);
        AssertErrorAfter(await TextAsync(weak), "id=\"new-password\"", "newPassword", CommonPasswordValidator.Message);
        Assert.DoesNotContain(await AuditByAdminAsync(), e => e.Action == PostgresAuditLog.Actions.PasswordReset);

        var response = await SubmitAsync(_admin, address, "reset-password", ("NewPassword", "ResetByAdmin77"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"{address}?notice=password-reset", response.Headers.Location!.PathAndQuery);
        var reset = Assert.Single(await AuditByAdminAsync(), e => e.Action == PostgresAuditLog.Actions.PasswordReset);
        Assert.Equal($"account={account.Id};userName=counselling.kl", reset.Details);
        using var anonymous = _host.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await AccountsHost.LoginAsync(anonymous, "counselling.kl", AccountsHost.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await AccountsHost.LoginAsync(anonymous, "counselling.kl", "ResetByAdmin77")).StatusCode);
    }

    [Fact]
    public async Task A_generated_password_reset_is_shown_once_and_signs_the_user_in()
    {
        var account = (await FindAccountAsync("liaison.kl"))!;

        var response = await SubmitAsync(_admin, $"/admin/users/{account.Id}", "reset-password", ("GeneratePassword", "true"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl!.NoStore);
        var password = GeneratedPassword().Match(await TextAsync(response)).Groups[1].Value;
        using var liaison = await _host.SignedInAsync("liaison.kl", password, followRedirects: false);
        Assert.Single(await AuditByAdminAsync(), e => e.Action == PostgresAuditLog.Actions.PasswordReset);
    }

    [Fact]
    public async Task The_list_shows_status_agency_roles_and_last_sign_in_and_filters_by_agency_and_by_name()
    {
        using var officer = await _host.SignedInAsync("police.kl-xinyi", followRedirects: false);
        // Guessing the current password in a session locks the account (wrong sign-ins only make the next one wait).
        using var guesser = await _host.SignedInAsync("school.kl-xinyi-jh", followRedirects: false);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await AccountsHost.ChangePasswordAsync(guesser, "WrongPassword1", "AnotherPassword2026");
        }

        var html = await TextAsync(await _admin.GetAsync("/admin/users?name=XINYI"));

        var rows = Rows(html);
        Assert.Equal(["police.kl-xinyi", "school.kl-xinyi-jh"], rows.Keys);
        Assert.Contains("基隆市警察局第二分局信義派出所", rows["police.kl-xinyi"], StringComparison.Ordinal);
        Assert.Contains("警察人員", rows["police.kl-xinyi"], StringComparison.Ordinal);
        Assert.Contains("account-active\">啟用</span>", rows["police.kl-xinyi"], StringComparison.Ordinal);
        var signedIn = (await _host.Factory.Services.GetRequiredService<PostgresAuditLog>().QueryAsync(new AuditQuery(UserId: (await FindAccountAsync("police.kl-xinyi"))!.Id), CancellationToken.None))
            .First(e => e.Action == PostgresAuditLog.Actions.SignedIn);
        Assert.Contains($">{Labels.DateTime(signedIn.At)}</time>", rows["police.kl-xinyi"], StringComparison.Ordinal);
        Assert.Contains("account-locked-out\">鎖定</span>", rows["school.kl-xinyi-jh"], StringComparison.Ordinal);

        var byAgency = Rows(await TextAsync(await _admin.GetAsync("/admin/users?agency=" + Uri.EscapeDataString("基隆市警察局第二分局信義派出所"))));
        Assert.Equal(["police.kl-xinyi"], byAgency.Keys);
        var byAgencyId = Rows(await TextAsync(await _admin.GetAsync("/admin/users?agency=kee-liaison&name=liaison")));
        Assert.Equal(["liaison.kl"], byAgencyId.Keys);
        Assert.Contains("尚無紀錄", byAgencyId["liaison.kl"], StringComparison.Ordinal);

        var unknown = await TextAsync(await _admin.GetAsync("/admin/users?agency=kee-nowhere"));
        AssertErrorAfter(unknown, "id=\"users-agency\"", "agencyId", "機關「kee-nowhere」不在機關名錄中");
        Assert.Empty(Rows(unknown));
    }

    [Fact]
    public async Task The_account_pages_are_for_signed_in_administrators_only()
    {
        using var officer = await _host.SignedInAsync("police.kl-xinyi", followRedirects: false);
        foreach (var address in new[] { "/admin/users", "/admin/users/new", $"/admin/users/{_adminId}" })
        {
            var refused = await officer.GetAsync(address);
            Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
            Assert.StartsWith("/account/access-denied", refused.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        }

        // Where login is switched off, the engine's pages open to anyone, but accounts still need an administrator to act as.
        await using var open = await ApiFactory.CreateAsync();
        using var anonymous = open.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/admin/definitions")).StatusCode);
        var users = await anonymous.GetAsync("/admin/users");
        Assert.Equal(HttpStatusCode.Redirect, users.StatusCode);
        Assert.StartsWith("/account/login", users.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_account_is_a_404_page()
    {
        var response = await _admin.GetAsync("/admin/users/no-such-account");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("找不到網頁或資料", await TextAsync(response), StringComparison.Ordinal);
    }

    /// <summary>The table rows by user name, each as its HTML.</summary>
    private static Dictionary<string, string> Rows(string html) =>
        UserRow().Matches(html).ToDictionary(m => m.Groups[1].Value, m => m.Value, StringComparer.Ordinal);

    private async Task<Account?> FindAccountAsync(string userName)
    {
        await using var scope = _host.Factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PostgresAccountStore>().FindByNameAsync(userName.ToUpperInvariant(), CancellationToken.None);
    }

    private async Task<IReadOnlyList<AuditEntry>> AuditByAdminAsync() =>
        await _host.Factory.Services.GetRequiredService<PostgresAuditLog>().QueryAsync(new AuditQuery(UserId: _adminId), CancellationToken.None);

    [GeneratedRegex("id=\"generated-password\">([^<]+)</code>")]
    private static partial Regex GeneratedPassword();

    [GeneratedRegex("<tr><th scope=\"row\"><a href=\"/admin/users/[^\"]+\">([^<]+)</a></th>.*?</tr>", RegexOptions.Singleline)]
    private static partial Regex UserRow();
}
