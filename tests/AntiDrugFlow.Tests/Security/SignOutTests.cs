using System.Net;
using AntiDrugFlow.Tests.Accounts;
using Xunit;

namespace AntiDrugFlow.Tests.Security;

/// <summary>Signing out ends the session on the server: a copy of the cookie made before stops working.</summary>
public sealed class SignOutTests
{
    [Fact]
    public async Task A_cookie_copied_before_sign_out_stops_working_at_the_next_session_check_while_a_new_sign_in_works()
    {
        await using var host = await AccountsHost.StartAsync(new Dictionary<string, string> { ["Security:SessionCheckSeconds"] = "0" });
        using var browser = host.Anonymous();
        var signIn = await AccountsHost.LoginAsync(browser, "school.kl-xinyi-jh", AccountsHost.Password);
        var cookie = string.Join("; ", signIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        using var thief = host.Anonymous();
        thief.DefaultRequestHeaders.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.OK, (await thief.GetAsync("/api/account/me")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await browser.PostAsync("/api/account/logout", null)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await thief.GetAsync("/api/account/me")).StatusCode);
        using var again = await host.SignedInAsync("school.kl-xinyi-jh");
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/account/me")).StatusCode);
    }
}
