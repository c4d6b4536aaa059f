using System.Net;
using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Tests.Accounts;
using Xunit;

namespace AntiDrugFlow.Tests.Security;

/// <summary>A return address handed in through the query is followed only when the framework's local-URL check says it is this site.</summary>
public sealed class ReturnAddressTests
{
    [Theory]
    [InlineData("/%09/evil.example")]
    [InlineData("//evil.example")]
    [InlineData("/%5Cevil.example")]
    [InlineData("https://evil.example/")]
    [InlineData("/%0d%0a/evil.example")]
    public async Task A_return_address_to_another_site_sends_the_signed_in_user_home_from_the_login_and_the_password_page(string returnUrl)
    {
        await using var host = await AccountsHost.StartAsync();
        using var anonymous = host.Anonymous();
        using var signedIn = await host.SignedInAsync("school.kl-xinyi-jh");

        var login = await (await anonymous.GetAsync($"/account/login?ReturnUrl={returnUrl}")).Content.ReadAsStringAsync();
        var password = await signedIn.GetAsync($"/account/password?notice=changed&ReturnUrl={returnUrl}");

        Assert.Contains("data-return=\"/\"", login, StringComparison.Ordinal);
        Assert.DoesNotContain("evil.example", login, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, password.StatusCode);
        var page = await password.Content.ReadAsStringAsync();
        var continueLink = System.Text.RegularExpressions.Regex.Match(page, "<a href=\"([^\"]*)\" id=\"continue\"");
        Assert.True(continueLink.Success);
        Assert.Equal("/inbox", continueLink.Groups[1].Value);
    }

    [Fact]
    public async Task A_path_of_this_site_is_kept_for_after_sign_in()
    {
        await using var host = await AccountsHost.StartAsync();
        using var anonymous = host.Anonymous();

        var login = await (await anonymous.GetAsync("/account/login?ReturnUrl=%2Fcases%3Fpage%3D2")).Content.ReadAsStringAsync();

        Assert.Contains("data-return=\"/cases?page=2\"", login, StringComparison.Ordinal);
        Assert.Null(PasswordChangeGate.LocalReturnPath("/\t/evil.example"));
    }
}
