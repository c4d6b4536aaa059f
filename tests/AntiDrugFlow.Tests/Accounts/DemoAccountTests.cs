using System.Net;
using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Tests.Agencies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AntiDrugFlow.Tests.Accounts;

/// <summary>The demo accounts the run command seeds: idempotent, one shared password, agencies from the shipped directory.</summary>
public sealed class DemoAccountTests
{
    [Fact]
    public async Task Seeding_again_creates_nothing_new_and_keeps_every_account()
    {
        await using var host = await AccountsHost.StartAsync();
        var seeder = host.Factory.Services.GetRequiredService<DemoAccountSeeder>();
        using var scope = host.Factory.Services.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<PostgresAccountStore>();
        var before = await store.ListAsync(null, null, CancellationToken.None);

        var again = await seeder.SeedAsync(CancellationToken.None);
        var after = await store.ListAsync(null, null, CancellationToken.None);

        Assert.Equal(DemoAccounts.All.Count, before.Count);
        Assert.Empty(again.Created);
        Assert.Empty(again.Skipped);
        Assert.Equal(DemoAccounts.All.Count, again.AlreadyThere.Count);
        Assert.Equal(before.Select(a => (a.Id, a.UserName)), after.Select(a => (a.Id, a.UserName)));
    }

    [Fact]
    public async Task Every_demo_account_signs_in_with_the_configured_password_and_is_not_asked_to_change_it()
    {
        await using var host = await AccountsHost.StartAsync();

        foreach (var demo in DemoAccounts.All)
        {
            using var client = host.Anonymous();
            var signIn = await AccountsHost.LoginAsync(client, demo.UserName, AccountsHost.Password);
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
            // They are for trying the system out with the documented password.
            Assert.False((await AccountsHost.BodyAsync(signIn))["mustChangePassword"]!.GetValue<bool>(), demo.UserName);
        }

        using var school = await host.SignedInAsync("school.kl-xinyi-jh");
        Assert.Equal(HttpStatusCode.OK, (await school.GetAsync("/api/inbox")).StatusCode);
    }

    [Fact]
    public async Task Seeding_is_off_when_configuration_says_so()
    {
        await using var host = await AccountsHost.StartAsync(new Dictionary<string, string> { ["Demo:SeedAccounts"] = "false" });
        using var scope = host.Factory.Services.CreateScope();

        Assert.Null(await scope.ServiceProvider.GetRequiredService<UserManager<Account>>().FindByNameAsync("admin"));
    }

    [Fact]
    public async Task Demo_accounts_cover_every_role_and_sit_in_agencies_of_the_shipped_directory()
    {
        var directory = await new AgencyDirectoryImporter().ImportFolderAsync(RepositoryPaths.AgencyData, CancellationToken.None);

        Assert.All(DemoAccounts.All, demo => Assert.True(directory.TryGet(demo.AgencyId, out _), demo.AgencyId));
        Assert.Equal(RoleNames.All.Order(StringComparer.Ordinal), DemoAccounts.All.Select(d => d.Role).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(DemoAccounts.All.Count, DemoAccounts.All.Select(d => d.UserName).Distinct().Count());
    }

    [Fact]
    public async Task Each_demo_school_has_a_demo_police_officer_at_its_station_and_a_liaison_in_its_county()
    {
        var directory = await new AgencyDirectoryImporter().ImportFolderAsync(RepositoryPaths.AgencyData, CancellationToken.None);
        var agencies = DemoAccounts.All.Select(d => d.AgencyId).ToHashSet(StringComparer.Ordinal);

        foreach (var school in DemoAccounts.All.Where(d => d.Role == RoleNames.SchoolStaff))
        {
            Assert.Contains(directory.PoliceStationFor(school.AgencyId).Id, agencies);
            Assert.Contains(directory.LiaisonOfficeFor(school.AgencyId).Id, agencies);
        }

        Assert.Contains(directory.MilitaryPoliceFor("mil-army-academy").Id, agencies);
    }
}
