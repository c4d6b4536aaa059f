using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Tests.Agencies;
using AntiDrugFlow.Workflows.Agencies;
using Xunit;

namespace AntiDrugFlow.Tests.Accounts;

/// <summary>In the demonstration somebody can watch an escalation arrive: every demo 派出所's 分局 has a demo account.</summary>
public sealed class DemoEscalationAccountTests
{
    [Fact]
    public async Task The_agency_each_demo_police_station_escalates_to_has_a_demo_account()
    {
        var directory = await new AgencyDirectoryImporter().ImportFolderAsync(RepositoryPaths.AgencyData, CancellationToken.None);
        var demoAgencies = DemoAccounts.All.Select(d => d.AgencyId).ToHashSet(StringComparer.Ordinal);

        var stations = DemoAccounts.All.Where(d => directory.Get(d.AgencyId).Kind == AgencyKind.PoliceStation).ToList();

        Assert.NotEmpty(stations);
        Assert.All(stations, station =>
        {
            var target = directory.EscalationTarget(station.AgencyId)!;
            Assert.True(demoAgencies.Contains(target.Id), $"{station.UserName} escalates to {target.Id} ({target.Name}), which has no demo account");
        });
        Assert.Contains(DemoAccounts.All, d => d.AgencyId == directory.EscalationTarget("kee-p2-xinyi")!.Id);
    }
}
