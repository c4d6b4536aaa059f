namespace AntiDrugFlow.Workflows.Chains;

public sealed class ChainOptions
{
    /// <summary>The address people open from an email; links go to pages of the system, never carry personal data.</summary>
    public string BaseUrl { get; set; } = "http://localhost:5000";

    /// <summary>The address of a page of the system, <paramref name="path"/> starting with '/'.</summary>
    public string Link(string path) => BaseUrl.TrimEnd('/') + path;
}
