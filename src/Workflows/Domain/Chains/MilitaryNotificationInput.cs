using System.Text.Json.Nodes;

namespace AntiDrugFlow.Workflows.Chains;

/// <summary>A drug case that crosses between civilian and military agencies.</summary>
/// <param name="Direction">One of <see cref="MilitaryDirections"/>: which way the notification goes.</param>
/// <param name="MilitarySchoolId">The military school concerned, when 憲兵隊 and a military school notify each other.</param>
public sealed record MilitaryNotificationInput(
    string CaseId, string CaseNumber, string? County, string Direction, string OriginAgencyId, string? MilitarySchoolId) : IChainInput
{
    public const string Definition = "military-notification";

    public string DefinitionId => Definition;

    public JsonObject ToJson() => new()
    {
        ["caseId"] = CaseId,
        ["caseNumber"] = CaseNumber,
        ["county"] = County,
        ["direction"] = Direction,
        ["originAgencyId"] = OriginAgencyId,
        ["militarySchoolId"] = MilitarySchoolId,
    };
}

/// <summary>The directions military-notification branches on.</summary>
public static class MilitaryDirections
{
    public const string ToMilitary = "to-military";
    public const string FromMilitary = "from-military";
    public const string SchoolToMilitaryPolice = "school-to-military-police";
    public const string MilitaryPoliceToSchool = "military-police-to-school";

    public static readonly IReadOnlyList<string> All = [ToMilitary, FromMilitary, SchoolToMilitaryPolice, MilitaryPoliceToSchool];
}
