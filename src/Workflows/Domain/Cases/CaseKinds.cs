using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Agencies;

namespace AntiDrugFlow.Workflows.Cases;

/// <summary>What can be notified, who may start it, and which chain runs it.</summary>
public sealed record CaseKind(string Name, string DisplayName, string Chain, string NumberPrefix, IReadOnlyList<string> StartedBy, IReadOnlyList<AgencyKind> FromAgencies);

public static class CaseKinds
{
    public static readonly IReadOnlyList<CaseKind> All =
    [
        new("DrugSource", "藥頭情資", "tip-off-chain", "TIP", [RoleNames.SchoolStaff], [AgencyKind.School]),
        new("ScreeningPositive", "篩檢發現第一、二級毒品個案", "tip-off-chain", "TIP", [RoleNames.SchoolStaff], [AgencyKind.School]),
        new("CampusSeizure", "校園查獲疑似毒品或器具", "tip-off-chain", "TIP", [RoleNames.SchoolStaff], [AgencyKind.School]),
        new("FirstTimeOffender", "初犯涉毒少年", "first-time-offender", "FTO", [RoleNames.PoliceOfficer],
            [AgencyKind.PoliceStation, AgencyKind.PolicePrecinct, AgencyKind.PoliceBureau, AgencyKind.JuvenilePolice]),
        new("OutOfSchoolYouth", "非在學少年施用第三、四級毒品", "out-of-school-youth", "OSY", [RoleNames.PoliceOfficer, RoleNames.SocialWorker],
            [AgencyKind.PoliceStation, AgencyKind.PolicePrecinct, AgencyKind.PoliceBureau, AgencyKind.JuvenilePolice, AgencyKind.SocialAffairsBureau]),
        new("Military", "國軍毒品案件", "military-notification", "MIL", [RoleNames.PoliceOfficer, RoleNames.ProsecutorLiaison, RoleNames.MilitaryLiaison],
            [AgencyKind.PoliceStation, AgencyKind.PolicePrecinct, AgencyKind.PoliceBureau, AgencyKind.JuvenilePolice, AgencyKind.CriminalInvestigationBureau,
             AgencyKind.DistrictProsecutors, AgencyKind.MilitaryPolice, AgencyKind.MilitarySchool]),
    ];

    public static CaseKind? Find(string? name) => All.FirstOrDefault(k => k.Name == name);
}
