using AntiDrugFlow.Workflows.Chains;

namespace AntiDrugFlow.Tests.Chains;

/// <summary>One input for each shipped chain, naming agencies of the shipped directory (基隆市).</summary>
public static class ChainSamples
{
    public static readonly IReadOnlyList<IChainInput> Inputs =
    [
        new TipOffChainInput("case-1", "TIP-115-000001", "TW-KEE", "DrugSource", "kee-sch-chenggong-jh", Urgent: false, DrugLevel: 2, StatutoryReport: false),
        new FirstTimeOffenderInput("case-2", "FTO-115-000001", "TW-KEE", "kee-p1-zhong-er-rd", "kee-sch-chenggong-jh"),
        new YouthCaseFollowUpInput("case-3", "TIP-115-000002", "TW-KEE", "kee-sch-chenggong-jh"),
        new OutOfSchoolYouthInput("case-4", "OSY-115-000001", "TW-KEE", "kee-p1-zhong-er-rd", DrugLevel: 3),
        new MilitaryNotificationInput("case-5", "MIL-115-000001", "TW-KEE", MilitaryDirections.ToMilitary, "kee-p1-zhong-er-rd", MilitarySchoolId: null),
    ];

    public static IChainInput For(string definitionId) => Inputs.Single(i => i.DefinitionId == definitionId);
}
