using System.Net;
using AntiDrugFlow.Tests.Chains;
using Xunit;

namespace AntiDrugFlow.Tests.WebPages;

/// <summary>The menu and the home page follow the signed-in user's policies, with the shipped demo accounts.</summary>
public sealed class NavigationByRoleTests : IAsyncLifetime
{
    private static readonly string[] AdministratorPages =
        ["/admin/definitions", "/admin/instances", "/admin/milestones", "/admin/dead-letters", "/admin/agencies", "/admin/operations", "/admin/users", "/admin/api-keys", "/admin/audit"];

    private ChainsHost _host = null!;

    public async Task InitializeAsync() => _host = await ChainsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task School_staff_are_offered_their_inbox_cases_and_the_notification_form_and_no_administrator_page()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh", followRedirects: false);

        var home = await school.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
        Assert.Equal("/inbox", home.Headers.Location!.AbsolutePath);

        var inbox = await school.GetStringAsync("/inbox");
        Assert.Contains("href=\"/inbox\"", inbox, StringComparison.Ordinal);
        Assert.Contains("href=\"/cases\"", inbox, StringComparison.Ordinal);
        Assert.Contains("href=\"/notifications/new\"", inbox, StringComparison.Ordinal);
        Assert.All(AdministratorPages, page => Assert.DoesNotContain($"href=\"{page}\"", inbox, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_liaison_office_that_starts_no_notification_is_not_offered_the_form()
    {
        var liaison = await _host.SignedInAsync("liaison.kl", followRedirects: false);

        var inbox = await liaison.GetStringAsync("/inbox");

        Assert.Contains("href=\"/cases\"", inbox, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"/notifications/new\"", inbox, StringComparison.Ordinal);
        // Typed in by hand, the form says why there is nothing to start.
        Assert.Contains("您的機關與角色不能發起通報", await liaison.GetStringAsync("/notifications/new"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_administrator_gets_the_overview_at_home_with_every_administrator_page_in_the_menu()
    {
        var admin = await _host.SignedInAsync("admin", followRedirects: false);

        var home = await admin.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        var html = await home.Content.ReadAsStringAsync();
        Assert.Contains("系統管理", html, StringComparison.Ordinal);
        Assert.All(AdministratorPages, page => Assert.Contains($"href=\"{page}\"", html, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_visitor_is_sent_from_home_to_the_sign_in_page()
    {
        using var visitor = _host.Factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var home = await visitor.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
        Assert.Equal("/account/login", home.Headers.Location!.AbsolutePath);
    }
}
