namespace AntiDrugFlow.Workflows.Chains;

public sealed class ChainOptions
{
    /// <summary>The address people open from an email; links go to pages of the system, never carry personal data.</summary>
    public string BaseUrl { get; set; } = "http://localhost:5000";
}
