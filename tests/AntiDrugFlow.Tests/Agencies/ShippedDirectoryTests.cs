using AntiDrugFlow.Workflows.Agencies;
using Xunit;

namespace AntiDrugFlow.Tests.Agencies;

public sealed class ShippedDirectoryTests(ShippedDirectoryFixture fixture) : IClassFixture<ShippedDirectoryFixture>
{
    private static readonly string[] DetailedCounties = ["TW-KEE", "TW-CYI"];

    private AgencyDirectory Directory => fixture.Directory;

    public static TheoryData<string> AllCounties() => [.. Counties.All.Select(c => c.Name)];

    public static TheoryData<string> DetailedCountyCodes() => [.. DetailedCounties];

    [Fact]
    public async Task Shipped_files_load_together_and_each_file_contributes_its_agencies()
    {
        var files = System.IO.Directory.GetFiles(RepositoryPaths.AgencyData).Where(f => f.EndsWith(".json") || f.EndsWith(".csv")).Order().ToList();
        Assert.Contains(files, f => f.EndsWith("national.json"));
        Assert.Contains(files, f => f.EndsWith(".csv"));

        var importer = new AgencyDirectoryImporter();
        var national = await importer.ImportAsync([Path.Combine(RepositoryPaths.AgencyData, "national.json")], CancellationToken.None);
        Assert.True(national.Count > 150);
        Assert.True(Directory.Count > national.Count + 50, $"only {Directory.Count} agencies in all files");
        Assert.All(national.Agencies, a => Assert.Equal(a, Directory.Get(a.Id)));
    }

    [Fact]
    public void There_are_twenty_two_counties_each_with_one_government()
    {
        Assert.Equal(22, Counties.All.Count);
        Assert.Equal(22, Directory.OfKind(AgencyKind.CountyGovernment).Select(a => a.CountyCode).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(AllCounties))]
    public void Every_county_has_each_county_level_agency(string countyName)
    {
        var county = Counties.Get(countyName);
        var expected = new (AgencyKind Kind, Func<string, Agency> Find)[]
        {
            (AgencyKind.CountyGovernment, Directory.CountyGovernmentFor),
            (AgencyKind.LiaisonOffice, Directory.LiaisonOfficeFor),
            (AgencyKind.PoliceBureau, Directory.PoliceBureauFor),
            (AgencyKind.JuvenilePolice, Directory.JuvenilePoliceFor),
            (AgencyKind.SocialAffairsBureau, Directory.SocialAffairsFor),
            (AgencyKind.JuvenileCounsellingCommittee, Directory.JuvenileCounsellingFor),
            (AgencyKind.DrugPreventionCentre, Directory.DrugPreventionCentreFor),
            (AgencyKind.DistrictProsecutors, Directory.ProsecutorsFor),
            (AgencyKind.MilitaryPolice, Directory.MilitaryPoliceOfArea),
        };
        foreach (var (kind, find) in expected)
        {
            var agency = find(county.Code);
            Assert.Equal(kind, agency.Kind);
            Assert.True(agency.Serves(county.Code), $"{agency.Name} does not serve {county.Name}");
            Assert.Equal(2, agency.Level);
        }
        Assert.Equal(county.Code, Directory.JuvenilePoliceFor(county.Code).CountyCode);
        Assert.Equal(Directory.PoliceBureauFor(county.Code).Id, Directory.JuvenilePoliceFor(county.Code).ParentId);
    }

    [Fact]
    public void Special_municipalities_have_a_liaison_committee_and_other_counties_a_ministry_liaison_office()
    {
        foreach (var county in Counties.All)
        {
            var name = Directory.LiaisonOfficeFor(county.Code).Name;
            Assert.True(county.IsSpecialMunicipality ? name.EndsWith("學生校外生活輔導委員會") : name.EndsWith("聯絡處"), name);
        }
    }

    [Fact]
    public void Chiayi_county_is_served_by_the_chiayi_district_prosecutors_office()
    {
        var prosecutors = Directory.ProsecutorsFor("嘉義縣");
        Assert.Equal("臺灣嘉義地方檢察署", prosecutors.Name);
        Assert.Same(prosecutors, Directory.ProsecutorsFor("嘉義市"));
        Assert.NotNull(prosecutors.Note);
    }

    [Theory]
    [MemberData(nameof(DetailedCountyCodes))]
    public void Detailed_county_has_its_schools_and_every_precinct_has_stations(string countyCode)
    {
        var schools = Directory.OfKind(AgencyKind.School).Where(s => s.CountyCode == countyCode).ToList();
        Assert.True(schools.Count >= 10, $"{schools.Count} schools in {countyCode}");
        Assert.Contains(schools, s => s.Name.Contains("國民中學"));
        Assert.Contains(schools, s => s.Name.Contains("高級"));

        var precincts = Directory.ChildrenOf(Directory.PoliceBureauFor(countyCode).Id).Where(a => a.Kind == AgencyKind.PolicePrecinct).ToList();
        Assert.True(precincts.Count >= 2);
        Assert.All(precincts, p => Assert.Contains(Directory.ChildrenOf(p.Id), c => c.Kind == AgencyKind.PoliceStation));
    }

    [Theory]
    [MemberData(nameof(DetailedCountyCodes))]
    public void School_routes_to_the_police_station_of_its_own_county(string countyCode)
    {
        foreach (var school in Directory.OfKind(AgencyKind.School).Where(s => s.CountyCode == countyCode))
        {
            var station = Directory.PoliceStationFor(school.Id);
            Assert.Equal(AgencyKind.PoliceStation, station.Kind);
            Assert.Equal(countyCode, station.CountyCode);
            var precinct = Directory.Get(station.ParentId!);
            Assert.Equal(Directory.PoliceBureauFor(countyCode).Id, precinct.ParentId);
        }
    }

    [Theory]
    [MemberData(nameof(DetailedCountyCodes))]
    public void School_routes_to_the_liaison_office_of_its_own_county(string countyCode)
    {
        var expected = Directory.LiaisonOfficeFor(countyCode);
        Assert.Equal(countyCode, expected.CountyCode);
        foreach (var school in Directory.OfKind(AgencyKind.School).Where(s => s.CountyCode == countyCode))
        {
            Assert.Same(expected, Directory.LiaisonOfficeFor(school.Id));
        }
    }

    [Theory]
    [MemberData(nameof(DetailedCountyCodes))]
    public void Police_station_escalates_to_its_precinct_then_the_juvenile_police_then_the_national_police_agency(string countyCode)
    {
        foreach (var station in Directory.OfKind(AgencyKind.PoliceStation).Where(s => s.CountyCode == countyCode))
        {
            var chain = Directory.EscalationChain(station.Id);
            Assert.Equal(
                [AgencyKind.PoliceStation, AgencyKind.PolicePrecinct, AgencyKind.JuvenilePolice, AgencyKind.NationalPoliceAgency],
                chain.Select(a => a.Kind));
            Assert.Equal(station.ParentId, chain[1].Id);
            Assert.Equal(countyCode, chain[2].CountyCode);
            Assert.Equal([3, 3, 2, 1], chain.Select(a => a.Level));
            Assert.Null(Directory.EscalationTarget(chain[^1].Id));
        }
    }

    [Fact]
    public void School_escalates_to_its_liaison_office_and_then_to_the_ministry_of_education()
    {
        var chain = Directory.EscalationChain("cyi-sch-chiayi-sh");
        Assert.Equal(["cyi-sch-chiayi-sh", "cyi-liaison", "moe-sse"], chain.Select(a => a.Id));
        Assert.Null(Directory.EscalationTarget("moe-sse"));
    }

    [Fact]
    public void Every_agency_escalation_chain_ends_at_a_central_agency_or_a_county_government()
    {
        foreach (var agency in Directory.Agencies)
        {
            var top = Directory.EscalationChain(agency.Id)[^1];
            Assert.True(top.Level == 1 || top.Kind == AgencyKind.CountyGovernment, $"{agency.Id} ends at {top.Id}");
            Assert.Null(Directory.EscalationTarget(top.Id));
        }
    }

    [Fact]
    public void Military_police_escalate_to_the_ministry_of_national_defense()
    {
        foreach (var police in Directory.OfKind(AgencyKind.MilitaryPolice))
        {
            Assert.Equal(AgencyKind.MinistryOfNationalDefense, Directory.EscalationTarget(police.Id)!.Kind);
        }
        Assert.Null(Directory.EscalationTarget("mnd"));
    }

    [Fact]
    public void Military_school_and_its_military_police_find_each_other()
    {
        var schools = Directory.OfKind(AgencyKind.MilitarySchool).ToList();
        Assert.NotEmpty(schools);
        foreach (var school in schools)
        {
            var police = Directory.MilitaryPoliceFor(school.Id);
            Assert.Equal(AgencyKind.MilitaryPolice, police.Kind);
            Assert.True(police.Serves(school.CountyCode!));
            Assert.Contains(school, Directory.MilitarySchoolsFor(police.Id));
        }
        Assert.Equal(
            ["mil-army-academy", "mil-cckps", "mil-naval-academy", "mil-air-force-academy", "mil-air-force-tech"],
            Directory.MilitarySchoolsFor("mp-kaohsiung").Select(s => s.Id));
        Assert.Empty(Directory.MilitarySchoolsFor("mp-penghu"));
    }

    [Fact]
    public void Shipped_contact_addresses_are_all_under_the_reserved_invalid_domain()
    {
        foreach (var agency in Directory.Agencies)
        {
            Assert.NotEmpty(agency.ContactEmails);
            Assert.All(agency.ContactEmails, e => Assert.EndsWith("@agencies.invalid", e));
            Assert.All(agency.Endpoints.Values, v => Assert.Contains(".invalid", v));
        }
    }

    [Fact]
    public void Agency_names_are_traditional_chinese_and_ids_are_lower_case_ascii()
    {
        foreach (var agency in Directory.Agencies)
        {
            Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", agency.Id);
            Assert.Matches(@"^[\p{IsCJKUnifiedIdeographs}（）、]+$", agency.Name);
            Assert.DoesNotContain("台", agency.Name);
        }
    }
}
