namespace AntiDrugFlow.Workflows.Agencies;

/// <summary>What an agency is in the notification chain. Stored by name in the data files.</summary>
public enum AgencyKind
{
    MinistryOfEducation,
    NationalPoliceAgency,
    CriminalInvestigationBureau,
    MinistryOfJustice,
    MinistryOfHealthAndWelfare,
    MinistryOfNationalDefense,
    MilitaryPoliceCommand,
    CountyGovernment,
    LiaisonOffice,
    PoliceBureau,
    JuvenilePolice,
    PolicePrecinct,
    PoliceStation,
    School,
    SocialAffairsBureau,
    JuvenileCounsellingCommittee,
    DrugPreventionCentre,
    DistrictProsecutors,
    MilitaryPolice,
    MilitarySchool,
}

public static class AgencyKindExtensions
{
    /// <summary>The kind as administrators and users read it.</summary>
    public static string DisplayName(this AgencyKind kind) => kind switch
    {
        AgencyKind.MinistryOfEducation => "教育部",
        AgencyKind.NationalPoliceAgency => "內政部警政署",
        AgencyKind.CriminalInvestigationBureau => "刑事警察局",
        AgencyKind.MinistryOfJustice => "法務部（綜合規劃組）",
        AgencyKind.MinistryOfHealthAndWelfare => "衛生福利部",
        AgencyKind.MinistryOfNationalDefense => "國防部",
        AgencyKind.MilitaryPoliceCommand => "憲兵指揮部",
        AgencyKind.CountyGovernment => "直轄市／縣市政府",
        AgencyKind.LiaisonOffice => "校外會／教育部聯絡處",
        AgencyKind.PoliceBureau => "警察局",
        AgencyKind.JuvenilePolice => "少年警察隊",
        AgencyKind.PolicePrecinct => "分局",
        AgencyKind.PoliceStation => "派出所／分駐所",
        AgencyKind.School => "學校",
        AgencyKind.SocialAffairsBureau => "社會局／處",
        AgencyKind.JuvenileCounsellingCommittee => "少年輔導委員會",
        AgencyKind.DrugPreventionCentre => "毒品危害防制中心",
        AgencyKind.DistrictProsecutors => "地方檢察署",
        AgencyKind.MilitaryPolice => "憲兵隊",
        AgencyKind.MilitarySchool => "軍事院校",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// The level of the three-level chain (1 中央, 2 地方, 3 基層) that every agency of this kind
    /// sits at; a 分局 counts as 基層 because the 派出所 reaches the school through it.
    /// </summary>
    public static int Level(this AgencyKind kind) => kind switch
    {
        AgencyKind.MinistryOfEducation or AgencyKind.NationalPoliceAgency
            or AgencyKind.CriminalInvestigationBureau or AgencyKind.MinistryOfJustice
            or AgencyKind.MinistryOfHealthAndWelfare or AgencyKind.MinistryOfNationalDefense
            or AgencyKind.MilitaryPoliceCommand => 1,
        AgencyKind.CountyGovernment or AgencyKind.LiaisonOffice or AgencyKind.PoliceBureau
            or AgencyKind.JuvenilePolice or AgencyKind.SocialAffairsBureau
            or AgencyKind.JuvenileCounsellingCommittee or AgencyKind.DrugPreventionCentre
            or AgencyKind.DistrictProsecutors or AgencyKind.MilitaryPolice => 2,
        AgencyKind.PolicePrecinct or AgencyKind.PoliceStation or AgencyKind.School
            or AgencyKind.MilitarySchool => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Central agencies have no county; every other agency belongs to one.</summary>
    public static bool IsCentral(this AgencyKind kind) => kind.Level() == 1;

    /// <summary>
    /// The kinds an agency of this kind may hang under. An empty list means it has no parent;
    /// a list containing null means the parent is optional.
    /// </summary>
    internal static IReadOnlyList<AgencyKind?> AllowedParentKinds(this AgencyKind kind) => kind switch
    {
        AgencyKind.CriminalInvestigationBureau => [AgencyKind.NationalPoliceAgency],
        AgencyKind.MilitaryPoliceCommand => [AgencyKind.MinistryOfNationalDefense],
        AgencyKind.LiaisonOffice => [AgencyKind.MinistryOfEducation],
        AgencyKind.PoliceBureau => [AgencyKind.NationalPoliceAgency],
        AgencyKind.JuvenilePolice => [AgencyKind.PoliceBureau],
        AgencyKind.PolicePrecinct => [AgencyKind.PoliceBureau],
        AgencyKind.PoliceStation => [AgencyKind.PolicePrecinct],
        // Schools answer to an education authority the directory does not model in detail.
        AgencyKind.School => [null, AgencyKind.CountyGovernment, AgencyKind.MinistryOfEducation],
        AgencyKind.SocialAffairsBureau => [AgencyKind.CountyGovernment],
        AgencyKind.JuvenileCounsellingCommittee => [AgencyKind.CountyGovernment],
        AgencyKind.DrugPreventionCentre => [AgencyKind.CountyGovernment],
        AgencyKind.DistrictProsecutors => [AgencyKind.MinistryOfJustice],
        AgencyKind.MilitaryPolice => [AgencyKind.MilitaryPoliceCommand],
        AgencyKind.MilitarySchool => [AgencyKind.MinistryOfNationalDefense],
        _ => [],
    };
}
