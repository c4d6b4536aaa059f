using System.Text.Json.Nodes;

namespace AntiDrugFlow.Workflows.Chains;

/// <summary>A school's tip-off (藥頭情資、篩檢發現第一二級毒品、校園查獲疑似毒品) as tip-off-chain reads it.</summary>
/// <param name="StatutoryReport">The school must report within 24 h (兒少法 §53: a minor using drugs).</param>
public sealed record TipOffChainInput(
    string CaseId, string CaseNumber, string? County, string Kind, string? SchoolId, bool Urgent, int? DrugLevel, bool StatutoryReport) : IChainInput
{
    public const string Definition = "tip-off-chain";

    public string DefinitionId => Definition;

    public JsonObject ToJson() => new()
    {
        ["caseId"] = CaseId,
        ["caseNumber"] = CaseNumber,
        ["county"] = County,
        ["kind"] = Kind,
        ["schoolId"] = SchoolId,
        ["urgent"] = Urgent,
        ["drugLevel"] = DrugLevel,
        ["statutoryReport"] = StatutoryReport,
    };
}
