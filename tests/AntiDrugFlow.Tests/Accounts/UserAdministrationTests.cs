using System.Net;
using System.Net.Http.Json;
using AntiDrugFlow.Workflows.Access;
using Xunit;
using static AntiDrugFlow.Tests.Accounts.AccountsHost;

namespace AntiDrugFlow.Tests.Accounts;

/// <summary>Administrators list, create, lock, unlock and reset accounts; bad input names the field.</summary>
public sealed class UserAdministrationTests : IAsyncLifetime
{
    private AccountsHost _host = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        // Sessions are checked against their account on every request, so a lock shows at once.
        _host = await AccountsHost.StartAsync(new Dictionary<string, string> { ["Security:SessionCheckSeconds"] = "0" });
        _admin = await _host.SignedInAsync("admin");
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task An_administrator_creates_a_user_who_can_then_sign_in_and_work_once_they_have_their_own_password()
    {
        var created = await _admin.PostAsJsonAsync("/api/admin/users", new
        {
            userName = "school.kl-badou-sh",
            displayName = "生輔組長",
            agencyId = "kee-sch-badou-sh",
            roles = new[] { RoleNames.SchoolStaff },
            password = "NewSchoolPass42",
        });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var user = await BodyAsync(created);
        Assert.Equal("基隆市立八斗高級中學", user["agencyName"]!.GetValue<string>());
        Assert.Equal("生輔組長", user["displayName"]!.GetValue<string>());
        Assert.Equal("active", user["status"]!.GetValue<string>());
        Assert.False(user["isLockedOut"]!.GetValue<bool>());
        Assert.True(user["mustChangePassword"]!.GetValue<bool>());
        using var client = await _host.SignedInWithOwnPasswordAsync("school.kl-badou-sh", "NewSchoolPass42", "SchoolOwnPass43");
        Assert.Equal("kee-sch-badou-sh", (await BodyAsync(await client.GetAsync("/api/account/me")))["agencyId"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/inbox")).StatusCode);
        var list = (await BodyAsync(await _admin.GetAsync("/api/admin/users?agencyId=kee-sch-badou-sh"))).AsArray();
        Assert.Equal("school.kl-badou-sh", Assert.Single(list)!["userName"]!.GetValue<string>());
        Assert.False(list[0]!["mustChangePassword"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Creating_a_user_with_bad_input_names_every_wrong_field()
    {
        var response = await _admin.PostAsJsonAsync("/api/admin/users", new
        {
            userName = "School Staff",
            displayName = "  ",
            agencyId = "kee-sch-nowhere",
            roles = new[] { RoleNames.SchoolStaff, "janitor" },
            password = "short",
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await BodyAsync(response))["errors"]!.AsObject();
        Assert.Equal(["$.agencyId", "$.displayName", "$.password", "$.roles[1]", "$.userName"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Contains("kee-sch-nowhere", errors["$.agencyId"]![0]!.GetValue<string>());
        Assert.Contains(errors["$.password"]!.AsArray(), m => m!.GetValue<string>() == "密碼至少需要 12 個字元。");
    }

    [Fact]
    public async Task A_taken_user_name_and_a_missing_role_are_refused()
    {
        var response = await _admin.PostAsJsonAsync("/api/admin/users", new { userName = "liaison.kl", displayName = "聯絡處承辦人", agencyId = "kee-liaison", roles = Array.Empty<string>(), password = "AnotherPass42" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await BodyAsync(response))["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("$.userName"));
        Assert.True(errors.ContainsKey("$.roles"));
    }

    [Fact]
    public async Task A_locked_user_cannot_sign_in_until_unlocked()
    {
        var id = await IdOfAsync("prosecutor.kl");

        var locked = await BodyAsync(await _admin.PostAsync($"/api/admin/users/{id}/lock", null));
        Assert.True(locked["isLockedOut"]!.GetValue<bool>());
        using var client = _host.Anonymous();
        // Locked by an administrator, not by wrong passwords: the message says so.
        Assert.Equal("帳號已停用", (await BodyAsync(await LoginAsync(client, "prosecutor.kl", Password)))["title"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync($"/api/admin/users/{id}/unlock", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, "prosecutor.kl", Password)).StatusCode);
    }

    [Fact]
    public async Task Locking_a_user_ends_the_session_they_already_have()
    {
        using var officer = await _host.SignedInAsync("juvenile-police.kl");
        Assert.Equal(HttpStatusCode.OK, (await officer.GetAsync("/api/account/me")).StatusCode);

        await _admin.PostAsync($"/api/admin/users/{await IdOfAsync("juvenile-police.kl")}/lock", null);

        Assert.Equal(HttpStatusCode.Unauthorized, (await officer.GetAsync("/api/account/me")).StatusCode);
    }

    [Fact]
    public async Task A_password_reset_ends_the_sessions_signed_in_with_the_old_password()
    {
        using var worker = await _host.SignedInAsync("social.kl");

        await _admin.PostAsJsonAsync($"/api/admin/users/{await IdOfAsync("social.kl")}/reset-password", new { newPassword = "FreshStart2027" });

        Assert.Equal(HttpStatusCode.Unauthorized, (await worker.GetAsync("/api/account/me")).StatusCode);
    }

    [Fact]
    public async Task An_administrator_cannot_lock_their_own_account()
    {
        var response = await _admin.PostAsync($"/api/admin/users/{await IdOfAsync("admin")}/lock", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await BodyAsync(response))["errors"]!.AsObject().ContainsKey("id"));
    }

    [Fact]
    public async Task A_reset_password_replaces_the_old_one_and_must_meet_the_policy()
    {
        var id = await IdOfAsync("counselling.kl");

        var weak = await _admin.PostAsJsonAsync($"/api/admin/users/{id}/reset-password", new { newPassword = "Passw0rd1234" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.True((await BodyAsync(weak))["errors"]!.AsObject().ContainsKey("$.newPassword"));

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.PostAsJsonAsync($"/api/admin/users/{id}/reset-password", new { newPassword = "ResetByAdmin77" })).StatusCode);
        using var client = _host.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(client, "counselling.kl", Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, "counselling.kl", "ResetByAdmin77")).StatusCode);
    }

    [Fact]
    public async Task A_generated_password_is_returned_once_and_signs_the_new_user_in()
    {
        var created = await _admin.PostAsJsonAsync("/api/admin/users", new
        {
            userName = "police.kl-badou",
            displayName = "八斗子派出所所長",
            agencyId = "kee-p1-zhong-er-rd",
            roles = new[] { RoleNames.PoliceOfficer },
            generatePassword = true,
        });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var password = (await BodyAsync(created))["generatedPassword"]!.GetValue<string>();
        Assert.True(password.Length >= 10);
        using var client = await _host.SignedInAsync("police.kl-badou", password);
        var listed = (await BodyAsync(await _admin.GetAsync("/api/admin/users?name=badou"))).AsArray();
        Assert.False(Assert.Single(listed)!.AsObject().ContainsKey("generatedPassword"));
    }

    [Fact]
    public async Task The_list_takes_an_agency_by_its_full_name_and_a_part_of_a_name()
    {
        var byAgencyName = (await BodyAsync(await _admin.GetAsync("/api/admin/users?agencyId=" + Uri.EscapeDataString("基隆市立信義國民中學")))).AsArray();
        Assert.Equal("school.kl-xinyi-jh", Assert.Single(byAgencyName)!["userName"]!.GetValue<string>());

        var byName = (await BodyAsync(await _admin.GetAsync("/api/admin/users?name=JUVENILE"))).AsArray();
        Assert.Equal(["juvenile-police.cy", "juvenile-police.kl"], byName.Select(u => u!["userName"]!.GetValue<string>()));

        var unknown = await _admin.GetAsync("/api/admin/users?agencyId=kee-nowhere");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("kee-nowhere", (await BodyAsync(unknown))["errors"]!["$.agencyId"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Locking_an_unknown_user_is_a_404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsync("/api/admin/users/no-such-id/lock", null)).StatusCode);
    }

    private async Task<string> IdOfAsync(string userName)
    {
        var users = (await BodyAsync(await _admin.GetAsync("/api/admin/users"))).AsArray();
        return users.Single(u => u!["userName"]!.GetValue<string>() == userName)!["id"]!.GetValue<string>();
    }
}
