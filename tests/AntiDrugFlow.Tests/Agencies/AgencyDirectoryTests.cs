using AntiDrugFlow.Workflows.Agencies;
using Xunit;

namespace AntiDrugFlow.Tests.Agencies;

/// <summary>Queries over a small directory built in code, for the cases the shipped data does not show.</summary>
public sealed class AgencyDirectoryTests
{
    private static Agency A(string id, AgencyKind kind, string? county = null, string? parent = null, string? station = null, string? militaryPolice = null) =>
        new(id, id, kind, kind.Level(), county, parent, [$"{id}@agencies.invalid"], station, militaryPolice);

    private static List<Agency> PenghuWithoutJuvenilePolice() =>
    [
        A("moe", AgencyKind.MinistryOfEducation),
        A("npa", AgencyKind.NationalPoliceAgency),
        A("mnd", AgencyKind.MinistryOfNationalDefense),
        A("mp-command", AgencyKind.MilitaryPoliceCommand, parent: "mnd"),
        A("mp-penghu", AgencyKind.MilitaryPolice, "TW-PEN", "mp-command"),
        A("pen-liaison", AgencyKind.LiaisonOffice, "TW-PEN", "moe"),
        A("pen-police", AgencyKind.PoliceBureau, "TW-PEN", "npa"),
        A("pen-p1", AgencyKind.PolicePrecinct, "TW-PEN", "pen-police"),
        A("pen-p1-s1", AgencyKind.PoliceStation, "TW-PEN", "pen-p1"),
        A("pen-school", AgencyKind.School, "TW-PEN", station: "pen-p1-s1"),
        A("pen-military-school", AgencyKind.MilitarySchool, "TW-PEN", "mnd", militaryPolice: "mp-penghu"),
    ];

    [Fact]
    public void Unknown_id_gives_an_error_naming_the_id()
    {
        var directory = AgencyDirectory.Create(PenghuWithoutJuvenilePolice());

        var error = Assert.Throws<UnknownAgencyException>(() => directory.PoliceStationFor("no-such-school"));
        Assert.Equal("no-such-school", error.AgencyId);
        Assert.Contains("no-such-school", error.Message);
        Assert.Contains("no-such-school", Assert.Throws<UnknownAgencyException>(() => directory.EscalationTarget("no-such-school")).Message);
        Assert.Contains("no-such-school", Assert.Throws<UnknownAgencyException>(() => directory.LiaisonOfficeFor("no-such-school")).Message);
        Assert.Contains("no-such-mp", Assert.Throws<UnknownAgencyException>(() => directory.MilitarySchoolsFor("no-such-mp")).Message);
    }

    [Fact]
    public void Asking_for_the_police_station_of_an_agency_that_is_not_a_school_names_that_agency()
    {
        var directory = AgencyDirectory.Create(PenghuWithoutJuvenilePolice());

        var error = Assert.Throws<ArgumentException>(() => directory.PoliceStationFor("pen-p1"));
        Assert.Contains("pen-p1", error.Message);
        Assert.Contains("分局", error.Message);
    }

    [Fact]
    public void Precinct_escalates_to_the_police_bureau_where_the_county_has_no_juvenile_police()
    {
        var directory = AgencyDirectory.Create(PenghuWithoutJuvenilePolice());

        Assert.Equal(["pen-p1-s1", "pen-p1", "pen-police", "npa"], directory.EscalationChain("pen-p1-s1").Select(a => a.Id));
    }

    [Fact]
    public void County_without_an_agency_of_a_kind_gives_an_error_naming_the_county_and_the_kind()
    {
        var directory = AgencyDirectory.Create(PenghuWithoutJuvenilePolice());

        var error = Assert.Throws<MissingAgencyException>(() => directory.JuvenilePoliceFor("TW-PEN"));
        Assert.Contains("澎湖縣", error.Message);
        Assert.Contains("少年警察隊", error.Message);
    }

    [Fact]
    public void Counties_are_found_by_code_by_name_and_by_the_common_variant_of_the_name()
    {
        var directory = AgencyDirectory.Create(PenghuWithoutJuvenilePolice());

        Assert.Equal("pen-liaison", directory.LiaisonOfficeFor("TW-PEN").Id);
        Assert.Equal("pen-liaison", directory.LiaisonOfficeFor("澎湖縣").Id);
        Assert.Equal("pen-liaison", directory.LiaisonOfficeFor("pen-school").Id);
        Assert.Equal("臺東縣", Counties.Get("台東縣").Name);
        Assert.Throws<UnknownCountyException>(() => directory.SocialAffairsFor("東京都"));
    }

    [Fact]
    public void Military_school_and_military_police_of_the_area_find_each_other()
    {
        var directory = AgencyDirectory.Create(PenghuWithoutJuvenilePolice());

        Assert.Equal("mp-penghu", directory.MilitaryPoliceFor("pen-military-school").Id);
        Assert.Equal(["pen-military-school"], directory.MilitarySchoolsFor("mp-penghu").Select(a => a.Id));
        Assert.Equal("mnd", directory.EscalationTarget("mp-penghu")!.Id);
    }

    [Fact]
    public void Agencies_built_in_code_are_validated_like_imported_ones()
    {
        var agencies = PenghuWithoutJuvenilePolice();
        agencies.Add(A("pen-school-2", AgencyKind.School, "TW-PEN"));

        var error = Assert.Throws<AgencyImportException>(() => AgencyDirectory.Create(agencies));
        Assert.Equal("policeStation", error.Field);
        Assert.Equal($"第{agencies.Count}筆", error.Position);
    }

    [Fact]
    public void Agencies_with_the_same_content_are_equal_even_with_distinct_lists()
    {
        var left = A("x", AgencyKind.MinistryOfEducation) with { Endpoints = new Dictionary<string, string> { ["http"] = "https://x.invalid" } };
        var right = A("x", AgencyKind.MinistryOfEducation) with { Endpoints = new Dictionary<string, string> { ["http"] = "https://x.invalid" } };

        Assert.Equal(left, right);
        Assert.NotEqual(left, right with { ContactEmails = ["other@agencies.invalid"] });
        Assert.NotEqual(left, right with { Endpoints = new Dictionary<string, string> { ["http"] = "https://y.invalid" } });
    }

    [Fact]
    public void A_school_is_found_by_its_id_its_full_name_or_part_of_it_with_tai_written_either_way()
    {
        var agencies = PenghuWithoutJuvenilePolice();
        agencies.Add(A("pen-tai-jh", AgencyKind.School, "TW-PEN", station: "pen-p1-s1") with { Name = "澎湖縣立臺澎國民中學" });
        agencies.Add(A("pen-tai-sh", AgencyKind.School, "TW-PEN", station: "pen-p1-s1") with { Name = "國立台澎高級中學" });
        var directory = AgencyDirectory.Create(agencies);

        Assert.Equal("pen-tai-jh", Assert.Single(directory.FindSchools("pen-tai-jh")).Id);
        Assert.Equal("pen-tai-jh", Assert.Single(directory.FindSchools("澎湖縣立台澎國民中學")).Id);
        Assert.Equal("pen-tai-sh", Assert.Single(directory.FindSchools(" 國立臺澎 高級中學")).Id);
        Assert.Equal("pen-tai-jh", Assert.Single(directory.FindSchools("台澎國民中學")).Id);
        Assert.Equal(2, directory.FindSchools("臺澎").Count);
        Assert.Empty(directory.FindSchools("不存在的學校"));
        Assert.Empty(directory.FindSchools("pen-p1"));
    }
}
