using System.Text.Json.Nodes;

namespace AntiDrugFlow.Workflows.Chains;

/// <summary>
/// What a chain is started with: the definition it starts and the workflow input, whose keys are the inputs that
/// definition declares in workflows-json/chains (ChainContractTests compares them).
/// </summary>
public interface IChainInput
{
    /// <summary>The chain's definition id.</summary>
    string DefinitionId { get; }

    /// <summary>The workflow input, as the definition's expressions read it with getX().</summary>
    JsonObject ToJson();
}
