using System.Text.Json.Nodes;

namespace AntiDrugFlow.Workflows.Chains;

/// <summary>A first-time young offender as the police report it to first-time-offender.</summary>
/// <param name="SchoolId">The school the youth attends; null when out of school.</param>
public sealed record FirstTimeOffenderInput(string CaseId, string CaseNumber, string? County, string PoliceAgencyId, string? SchoolId) : IChainInput
{
    public const string Definition = "first-time-offender";

    public string DefinitionId => Definition;

    public JsonObject ToJson() => new()
    {
        ["caseId"] = CaseId,
        ["caseNumber"] = CaseNumber,
        ["county"] = County,
        ["policeAgencyId"] = PoliceAgencyId,
        ["schoolId"] = SchoolId,
    };
}
