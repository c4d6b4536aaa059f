using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using AntiDrugFlow.Workflows.Access;
using Xunit;
using static AntiDrugFlow.Tests.Accounts.AccountsHost;

namespace AntiDrugFlow.Tests.Accounts;

/// <summary>Sign-in, sign-out, who am I, lockout and the 401/403 answers, through HTTP on a real database.</summary>
public sealed class SignInTests : IAsyncLifetime
{
    private AccountsHost _host = null!;

    public async Task InitializeAsync() => _host = await AccountsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_user_signs_in_sees_their_agency_and_roles_and_signs_out()
    {
        using var client = _host.Anonymous();

        var login = await LoginAsync(client, "school.kl-xinyi-jh", Password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("AntiDrugFlow.Session=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));

        var me = await BodyAsync(await client.GetAsync("/api/account/me"));
        Assert.Equal("school.kl-xinyi-jh", me["userName"]!.GetValue<string>());
        Assert.Equal("kee-sch-xinyi-jh", me["agencyId"]!.GetValue<string>());
        Assert.Equal("基隆市立信義國民中學", me["agencyName"]!.GetValue<string>());
        Assert.Equal("TW-KEE", me["countyCode"]!.GetValue<string>());
        Assert.Equal(RoleNames.SchoolStaff, me["roles"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("學校承辦人", me["roles"]![0]!["displayName"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/api/account/logout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/account/me")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_a_problem_and_no_session()
    {
        using var client = _host.Anonymous();

        var login = await LoginAsync(client, "police.kl-xinyi", "WrongPassword1");

        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
        Assert.Equal("application/problem+json", login.Content.Headers.ContentType!.MediaType);
        Assert.Equal("帳號或密碼不正確", (await BodyAsync(login))["title"]!.GetValue<string>());
        Assert.False(login.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/account/me")).StatusCode);
    }

    [Fact]
    public async Task An_unknown_user_name_gets_the_same_answer_as_a_wrong_password()
    {
        using var client = _host.Anonymous();

        var login = await LoginAsync(client, "nobody.here", Password);

        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
        Assert.Equal("帳號或密碼不正確", (await BodyAsync(login))["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_login_without_user_name_or_password_names_the_missing_fields()
    {
        using var client = _host.Anonymous();

        var login = await client.PostAsJsonAsync("/api/account/login", new { userName = " " });

        Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
        var errors = (await BodyAsync(login))["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("$.userName"));
        Assert.True(errors.ContainsKey("$.password"));
    }

    [Fact]
    public async Task Five_wrong_passwords_make_the_next_attempt_wait_without_locking_the_account()
    {
        using var client = _host.Anonymous();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            Assert.Equal("帳號或密碼不正確", (await BodyAsync(await LoginAsync(client, "social.cy", "WrongPassword" + attempt)))["title"]!.GetValue<string>());
        }

        var afterwards = await LoginAsync(client, "social.cy", Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, afterwards.StatusCode);
        Assert.Equal("嘗試次數過多", (await BodyAsync(afterwards))["title"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/account/me")).StatusCode);
        using var admin = await _host.SignedInAsync("admin");
        var account = (await BodyAsync(await admin.GetAsync("/api/admin/users?name=social.cy"))).AsArray().Single(u => u!["userName"]!.GetValue<string>() == "social.cy")!;
        Assert.Equal("active", account["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unknown_names_and_disabled_accounts_with_a_wrong_password_get_the_same_answer()
    {
        using var admin = await _host.SignedInAsync("admin");
        var id = (await BodyAsync(await admin.GetAsync("/api/admin/users?name=police.cy-beixing"))).AsArray().Single()!["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/admin/users/{id}/lock", null)).StatusCode);
        using var client = _host.Anonymous();

        var unknown = await LoginAsync(client, "nobody.anywhere", "WrongPassword9");
        var disabled = await LoginAsync(client, "police.cy-beixing", "WrongPassword9");

        Assert.Equal(unknown.StatusCode, disabled.StatusCode);
        var (a, b) = (await BodyAsync(unknown), await BodyAsync(disabled));
        Assert.Equal(a["title"]!.GetValue<string>(), b["title"]!.GetValue<string>());
        Assert.Equal(a["detail"]!.GetValue<string>(), b["detail"]!.GetValue<string>());
        Assert.Equal("帳號已停用", (await BodyAsync(await LoginAsync(client, "police.cy-beixing", Password)))["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_right_password_before_the_limit_clears_the_failed_attempts()
    {
        using var client = _host.Anonymous();
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await LoginAsync(client, "liaison.cy", "WrongPassword" + attempt);
        }

        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, "liaison.cy", Password)).StatusCode);
        // The count of this name from this address starts again, so four more do not make it wait.
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await LoginAsync(client, "liaison.cy", "WrongPassword" + attempt);
        }

        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, "liaison.cy", Password)).StatusCode);
    }

    [Theory]
    [InlineData("/api/account/me")]
    [InlineData("/api/workflow-definitions")]
    [InlineData("/api/workflow-instances")]
    [InlineData("/api/tasks")]
    [InlineData("/api/admin/users")]
    [InlineData("/api/audit")]
    [InlineData("/api/outbox/dead-letters")]
    public async Task An_api_call_without_login_gets_a_401_problem_instead_of_a_redirect(string url)
    {
        using var client = _host.Factory.CreateClient(new() { AllowAutoRedirect = false });

        var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("需要登入", (await BodyAsync(response))["title"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("GET", "/api/workflow-definitions")]
    [InlineData("GET", "/api/tasks")]
    [InlineData("POST", "/api/events/anything/trigger")]
    [InlineData("GET", "/api/admin/users")]
    [InlineData("POST", "/api/admin/users")]
    [InlineData("GET", "/api/audit")]
    [InlineData("GET", "/api/outbox/dead-letters")]
    public async Task A_user_who_is_not_an_administrator_gets_a_403_on_administrator_endpoints(string method, string url)
    {
        using var client = await _host.SignedInAsync("police.kl-xinyi");

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url) { Content = JsonContent.Create(new { }) });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("沒有權限", (await BodyAsync(response))["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_agency_system_callback_needs_its_signature_not_a_session()
    {
        using var client = _host.Anonymous();

        var response = await client.PostAsync("/api/agency-callbacks/no-such-agency", JsonContent.Create(new { }));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("找不到機關、個案或交辦事項", (await BodyAsync(response))["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_administrator_reaches_the_engine_endpoints_when_login_is_required()
    {
        using var client = await _host.SignedInAsync("admin");

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/workflow-definitions")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/tasks")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/outbox/dead-letters")).StatusCode);
    }

    [Fact]
    public async Task The_login_page_is_served_to_a_signed_out_browser()
    {
        using var client = _host.Anonymous();

        var page = await client.GetAsync("/account/login");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("/api/account/login", html, StringComparison.Ordinal);
        Assert.Contains("密碼", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_account_endpoints_without_login()
    {
        using var client = _host.Anonymous();

        var document = await client.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        var paths = (await BodyAsync(document))["paths"]!.AsObject();
        Assert.True(paths.ContainsKey("/api/account/login"));
        Assert.True(paths.ContainsKey("/api/admin/users"));
        Assert.True(paths.ContainsKey("/api/audit"));
    }

    [Fact]
    public async Task A_signed_out_browser_asking_for_a_page_is_sent_to_the_login_page_and_a_refused_one_to_access_denied()
    {
        await using var factory = _host.Factory.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<IStartupFilter, GuardedPages>()));
        using var client = factory.CreateClient(new() { AllowAutoRedirect = false });

        var challenged = await client.GetAsync("/admin-page");
        var forbidden = await client.GetAsync("/forbidden-page");

        Assert.Equal(HttpStatusCode.Redirect, challenged.StatusCode);
        Assert.Equal("/account/login", challenged.Headers.Location!.AbsolutePath);
        Assert.Equal("?ReturnUrl=%2Fadmin-page", challenged.Headers.Location.Query);
        Assert.Equal("/account/access-denied", forbidden.Headers.Location!.AbsolutePath);
    }

    [Fact]
    public async Task Too_many_sign_in_attempts_from_one_address_get_a_429_problem()
    {
        await using var limited = await AccountsHost.StartAsync(new Dictionary<string, string> { ["Security:LoginAttemptsPerMinute"] = "3", ["Demo:SeedAccounts"] = "false" });
        using var client = limited.Anonymous();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(client, "user" + attempt, Password)).StatusCode);
        }

        var fourth = await LoginAsync(client, "user4", Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, fourth.StatusCode);
        Assert.Equal("嘗試次數過多", (await BodyAsync(fourth))["title"]!.GetValue<string>());
    }

    /// <summary>Two pages in front of the host's pipeline that ask for a login or refuse, as protected pages do.</summary>
    private sealed class GuardedPages : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) => context.Request.Path.Value switch
            {
                "/admin-page" => context.ChallengeAsync(),
                "/forbidden-page" => context.ForbidAsync(),
                _ => nextMiddleware(context),
            });
            next(app);
        };
    }
}
