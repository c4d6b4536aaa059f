using System.Text.Json.Nodes;

namespace AntiDrugFlow.Workflows.Chains;

/// <summary>An out-of-school youth using level 3 or 4 drugs, reported by the police or a social worker.</summary>
public sealed record OutOfSchoolYouthInput(string CaseId, string CaseNumber, string? County, string ReporterAgencyId, int? DrugLevel) : IChainInput
{
    public const string Definition = "out-of-school-youth";

    public string DefinitionId => Definition;

    public JsonObject ToJson() => new()
    {
        ["caseId"] = CaseId,
        ["caseNumber"] = CaseNumber,
        ["county"] = County,
        ["reporterAgencyId"] = ReporterAgencyId,
        ["drugLevel"] = DrugLevel,
    };
}
