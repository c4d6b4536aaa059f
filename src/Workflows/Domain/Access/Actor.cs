namespace AntiDrugFlow.Workflows.Access;

/// <summary>Who is acting: a signed-in user of one agency, with roles. Every case read or change names one.</summary>
public sealed record Actor(string UserId, string UserName, string AgencyId, IReadOnlySet<string> Roles)
{
    /// <summary>The system itself (timers, start-up), for audit rows that no person caused.</summary>
    public static readonly Actor System = new("system", "system", "system", new HashSet<string>(StringComparer.Ordinal));

    public bool IsIn(string role) => Roles.Contains(role);
}

/// <summary>The roles a user can hold; each user belongs to exactly one agency.</summary>
public static class RoleNames
{
    public const string SchoolStaff = "school-staff";
    public const string PoliceOfficer = "police-officer";
    public const string LiaisonOfficer = "liaison-officer";
    public const string SocialWorker = "social-worker";
    public const string MilitaryLiaison = "military-liaison";
    public const string ProsecutorLiaison = "prosecutor-liaison";
    public const string Administrator = "administrator";

    public static readonly IReadOnlyList<string> All = [SchoolStaff, PoliceOfficer, LiaisonOfficer, SocialWorker, MilitaryLiaison, ProsecutorLiaison, Administrator];

    /// <summary>The names people see.</summary>
    public static string DisplayName(string role) => role switch
    {
        SchoolStaff => "學校承辦人",
        PoliceOfficer => "警察人員",
        LiaisonOfficer => "校外會／聯絡處人員",
        SocialWorker => "社工人員",
        MilitaryLiaison => "軍方聯絡人",
        ProsecutorLiaison => "地檢署聯絡人",
        Administrator => "系統管理者",
        _ => role,
    };
}
