using AntiDrugFlow.Workflows.Agencies;

namespace AntiDrugFlow.Workflows.Chains;

/// <summary>
/// How a definition names the agency a task goes to: a rule applied to an agency or county the
/// instance knows (e.g. <c>PoliceStationOfSchool</c> applied to the school's id).
/// </summary>
public static class Routes
{
    public const string Agency = "Agency";

    private static readonly Dictionary<string, Func<AgencyDirectory, string, Agency>> Rules = new(StringComparer.Ordinal)
    {
        [Agency] = (d, id) => d.Get(id),
        ["PoliceStationOfSchool"] = (d, id) => d.PoliceStationFor(id),
        ["LiaisonOfficeOf"] = (d, id) => d.LiaisonOfficeFor(id),
        ["JuvenilePoliceOf"] = (d, county) => d.JuvenilePoliceFor(CountyOf(d, county)),
        ["SocialAffairsOf"] = (d, county) => d.SocialAffairsFor(CountyOf(d, county)),
        ["JuvenileCounsellingOf"] = (d, county) => d.JuvenileCounsellingFor(CountyOf(d, county)),
        ["DrugPreventionCentreOf"] = (d, county) => d.DrugPreventionCentreFor(CountyOf(d, county)),
        ["ProsecutorsOf"] = (d, county) => d.ProsecutorsFor(CountyOf(d, county)),
        ["MilitaryPoliceOf"] = (d, id) => d.MilitaryPoliceFor(id),
        ["MilitaryPoliceOfArea"] = (d, county) => d.MilitaryPoliceOfArea(CountyOf(d, county)),
        ["PoliceBureauOf"] = (d, county) => d.PoliceBureauFor(CountyOf(d, county)),
        ["EscalationOf"] = (d, id) => d.EscalationTarget(id) ?? throw new ArgumentException($"「{d.Get(id).Name}」已是最高層級，無法再往上通報。"),
        ["MinistryOfEducation"] = (d, _) => d.OfKind(AgencyKind.MinistryOfEducation).First(),
        ["NationalPoliceAgency"] = (d, _) => d.OfKind(AgencyKind.NationalPoliceAgency).First(),
        ["MinistryOfNationalDefense"] = (d, _) => d.OfKind(AgencyKind.MinistryOfNationalDefense).First(),
    };

    public static IEnumerable<string> Names => Rules.Keys;

    public static bool IsKnown(string route) => Rules.ContainsKey(route);

    public static Agency Resolve(AgencyDirectory directory, string route, string from) =>
        Rules.TryGetValue(route, out var rule) ? rule(directory, from) : throw new ArgumentException($"路由規則「{route}」不存在。");

    /// <summary>A county code as given, or the county of the agency with that id.</summary>
    private static string CountyOf(AgencyDirectory directory, string countyOrAgency) =>
        directory.TryGet(countyOrAgency, out var agency)
            ? agency.CountyCode ?? throw new ArgumentException($"「{agency.Name}」不屬於任何縣市。")
            : countyOrAgency;
}
