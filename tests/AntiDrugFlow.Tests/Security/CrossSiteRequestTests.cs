using System.Net;
using System.Net.Http.Json;
using System.Text;
using AntiDrugFlow.Tests.Chains;
using AntiDrugFlow.Tests.WebPages;
using Xunit;

namespace AntiDrugFlow.Tests.Security;

/// <summary>
/// Another site cannot make a signed-in browser act: state-changing API calls take JSON only and refuse a foreign Origin,
/// and the pages' sign-out needs the antiforgery token.
/// </summary>
public sealed class CrossSiteRequestTests : IAsyncLifetime
{
    private ChainsHost _host = null!;

    public async Task InitializeAsync() => _host = await ChainsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_text_plain_body_is_415_a_foreign_origin_is_403_and_neither_starts_a_case()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        const string body = """{"kind":"CampusSeizure","drugLevel":3}""";

        // What a form on another site can post without a preflight.
        using var plain = new HttpRequestMessage(HttpMethod.Post, "/api/notifications") { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
        var plainResponse = await school.SendAsync(plain);
        using var foreign = new HttpRequestMessage(HttpMethod.Post, "/api/notifications") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreign.Headers.Add("Origin", "https://evil.example");
        var foreignResponse = await school.SendAsync(foreign);
        using var foreignLogout = new HttpRequestMessage(HttpMethod.Post, "/api/account/logout");
        foreignLogout.Headers.Add("Origin", "https://evil.example");
        var foreignLogoutResponse = await school.SendAsync(foreignLogout);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, plainResponse.StatusCode);
        Assert.Equal("application/problem+json", plainResponse.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Forbidden, foreignResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, foreignLogoutResponse.StatusCode);
        Assert.Empty((await ChainsHost.BodyAsync(await school.GetAsync("/api/cases"))).AsArray());

        // The site's own pages send JSON with their own Origin, or none.
        using var own = new HttpRequestMessage(HttpMethod.Post, "/api/notifications") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        own.Headers.Add("Origin", school.BaseAddress!.GetLeftPart(UriPartial.Authority));
        Assert.Equal(HttpStatusCode.Created, (await school.SendAsync(own)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await school.PostAsJsonAsync("/api/notifications", new { kind = "CampusSeizure", drugLevel = 3 })).StatusCode);
    }

    [Fact]
    public async Task The_pages_sign_out_needs_the_antiforgery_token()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh", followRedirects: false);

        var forged = await school.PostAsync("/account/logout", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await school.GetAsync("/api/account/me")).StatusCode);

        var token = await PageForm.AntiforgeryTokenAsync(school, "/inbox");
        var signedOut = await school.PostAsync("/account/logout", new FormUrlEncodedContent([new("__RequestVerificationToken", token)]));
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal("/account/login", signedOut.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, (await school.GetAsync("/api/account/me")).StatusCode);
    }
}
