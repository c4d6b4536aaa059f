using System.Net;
using System.Net.Http.Json;
using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Workflows.Access;
using Xunit;
using AntiDrugFlow.Tests.Accounts;
using static AntiDrugFlow.Tests.Accounts.AccountsHost;

namespace AntiDrugFlow.Tests.Security;

/// <summary>Passwords: at least 12 characters, no composition rules, and none from the shipped list of common passwords.</summary>
public sealed class PasswordPolicyTests : IAsyncLifetime
{
    private AccountsHost _host = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _host = await AccountsHost.StartAsync();
        _admin = await _host.SignedInAsync("admin");
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _host.DisposeAsync();
    }

    [Theory]
    [InlineData("Password12")]
    [InlineData("Passw0rd")]
    [InlineData("Aa123456789")]
    [InlineData("qwertyuiop123")]
    [InlineData("1qaz2wsx3edc")]
    [InlineData("P@ssw0rd2026!")]
    [InlineData("123456789012")]
    public void Common_passwords_and_their_patterns_with_digits_or_symbols_around_them_are_on_the_list(string password) =>
        Assert.True(CommonPasswordValidator.IsCommon(password));

    [Fact]
    public void The_demonstration_password_is_not_on_the_list() =>
        Assert.False(CommonPasswordValidator.IsCommon(DemoOptions.DefaultPassword));

    [Fact]
    public async Task A_common_password_is_refused_with_its_message_when_creating_resetting_or_changing_ones_own()
    {
        var created = await _admin.PostAsJsonAsync("/api/admin/users", new
        {
            userName = "school.kl-badou-sh",
            displayName = "生輔組長",
            agencyId = "kee-sch-badou-sh",
            roles = new[] { RoleNames.SchoolStaff },
            password = "Password123456",
        });
        Assert.Equal(HttpStatusCode.BadRequest, created.StatusCode);
        Assert.Contains((await BodyAsync(created))["errors"]!["$.password"]!.AsArray(), m => m!.GetValue<string>() == CommonPasswordValidator.Message);

        var id = (await BodyAsync(await _admin.GetAsync("/api/admin/users"))).AsArray()
            .Single(u => u!["userName"]!.GetValue<string>() == "social.kl")!["id"]!.GetValue<string>();
        var reset = await _admin.PostAsJsonAsync($"/api/admin/users/{id}/reset-password", new { newPassword = "Qwertyuiop12" });
        Assert.Equal(HttpStatusCode.BadRequest, reset.StatusCode);
        Assert.Contains((await BodyAsync(reset))["errors"]!["$.newPassword"]!.AsArray(), m => m!.GetValue<string>() == CommonPasswordValidator.Message);

        using var worker = await _host.SignedInAsync("police.kl-xinyi");
        var own = await ChangePasswordAsync(worker, Password, "Aa1234567890");
        Assert.Equal(HttpStatusCode.BadRequest, own.StatusCode);
        Assert.Contains((await BodyAsync(own))["errors"]!["$.newPassword"]!.AsArray(), m => m!.GetValue<string>() == CommonPasswordValidator.Message);

        using var anonymous = _host.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(anonymous, "police.kl-xinyi", Password)).StatusCode);
    }

    [Fact]
    public async Task A_long_passphrase_of_lower_case_words_is_accepted_without_digits_or_capitals()
    {
        using var worker = await _host.SignedInAsync("liaison.kl");

        Assert.Equal(HttpStatusCode.NoContent, (await ChangePasswordAsync(worker, Password, "harbour rain over keelung")).StatusCode);

        using var anonymous = _host.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(anonymous, "liaison.kl", "harbour rain over keelung")).StatusCode);
    }

    [Fact]
    public async Task Eleven_characters_are_too_short()
    {
        using var worker = await _host.SignedInAsync("social.kl");

        var response = await ChangePasswordAsync(worker, Password, "Kx9vT2mQ7wZ");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains((await BodyAsync(response))["errors"]!["$.newPassword"]!.AsArray(), m => m!.GetValue<string>() == "密碼至少需要 12 個字元。");
    }
}
