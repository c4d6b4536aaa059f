using System.Security.Claims;
using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Workflows.Access;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AntiDrugFlow.Tests.Accounts;

/// <summary>The policies by role and agency, and the way from a signed-in principal to an <see cref="Actor"/>.</summary>
public sealed class PolicyTests : IAsyncLifetime
{
    private AccountsHost _host = null!;

    public async Task InitializeAsync() => _host = await AccountsHost.StartAsync(new Dictionary<string, string> { ["Demo:SeedAccounts"] = "false" });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData(Policies.CentralAgency, "moe-sse", RoleNames.LiaisonOfficer, true)]
    [InlineData(Policies.CentralAgency, "npa", RoleNames.PoliceOfficer, true)]
    [InlineData(Policies.CentralAgency, "kee-liaison", RoleNames.LiaisonOfficer, false)]
    [InlineData(Policies.CentralAgency, "kee-liaison", RoleNames.Administrator, true)]
    [InlineData(Policies.CaseWorker, "kee-sch-xinyi-jh", RoleNames.SchoolStaff, true)]
    [InlineData(Policies.CaseWorker, "moe-sse", RoleNames.Administrator, false)]
    [InlineData(Policies.NotificationStarter, "kee-social", RoleNames.SocialWorker, true)]
    [InlineData(Policies.NotificationStarter, "kee-liaison", RoleNames.LiaisonOfficer, false)]
    [InlineData(Policies.Administrator, "kee-p2-xinyi", RoleNames.PoliceOfficer, false)]
    [InlineData(Policies.EngineAdministration, "kee-p2-xinyi", RoleNames.PoliceOfficer, false)]
    [InlineData(Policies.EngineAdministration, "moe-sse", RoleNames.Administrator, true)]
    public async Task A_policy_admits_users_by_role_and_agency(string policy, string agencyId, string role, bool admitted)
    {
        var authorization = _host.Factory.Services.GetRequiredService<IAuthorizationService>();

        var result = await authorization.AuthorizeAsync(Principal("u-1", agencyId, role), policy);

        Assert.Equal(admitted, result.Succeeded);
    }

    [Fact]
    public async Task Nobody_signed_in_passes_any_policy()
    {
        var authorization = _host.Factory.Services.GetRequiredService<IAuthorizationService>();

        foreach (var policy in new[] { Policies.Administrator, Policies.CaseWorker, Policies.NotificationStarter, Policies.SignedIn, Policies.CentralAgency, Policies.EngineAdministration })
        {
            Assert.False((await authorization.AuthorizeAsync(new ClaimsPrincipal(new ClaimsIdentity()), policy)).Succeeded, policy);
        }
    }

    [Fact]
    public void A_signed_in_principal_becomes_an_actor_with_its_agency_and_roles()
    {
        var actor = Principal("u-7", "cyi-liaison", RoleNames.LiaisonOfficer).ToActor();

        Assert.NotNull(actor);
        Assert.Equal("u-7", actor.UserId);
        Assert.Equal("user u-7", actor.UserName);
        Assert.Equal("cyi-liaison", actor.AgencyId);
        Assert.True(actor.IsIn(RoleNames.LiaisonOfficer));
        Assert.False(actor.IsIn(RoleNames.Administrator));
    }

    [Fact]
    public void An_anonymous_principal_is_no_actor() =>
        Assert.Null(new ClaimsPrincipal(new ClaimsIdentity()).ToActor());

    private static ClaimsPrincipal Principal(string userId, string agencyId, string role) =>
        new(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, userId), new Claim(ClaimTypes.Name, "user " + userId), new Claim(AccountClaims.AgencyId, agencyId), new Claim(ClaimTypes.Role, role)],
            authenticationType: "test"));
}
