using System.Text.Json.Nodes;

namespace AntiDrugFlow.Workflows.Chains;

/// <summary>
/// A student's case opened for 春暉 follow-up. tip-off-chain and first-time-offender build the same object in
/// JavaScript for AntiDrugFlow.StartWorkflow; ChainContractTests keeps the two in step.
/// </summary>
public sealed record YouthCaseFollowUpInput(string CaseId, string CaseNumber, string? County, string? SchoolId) : IChainInput
{
    public const string Definition = "youth-case-followup";

    public string DefinitionId => Definition;

    public JsonObject ToJson() => new()
    {
        ["caseId"] = CaseId,
        ["caseNumber"] = CaseNumber,
        ["county"] = County,
        ["schoolId"] = SchoolId,
    };
}
