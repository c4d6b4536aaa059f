using System.Text.Json.Nodes;

namespace AntiDrugFlow.Workflows.Chains;

/// <summary>
/// What an agency answers on a routed task: the result AntiDrugFlow.RouteTask hands to the chain, which reads
/// <c>.outcome</c> (e.g. getPoliceOutcome().outcome) and passes only the status on. The result becomes a workflow
/// variable, which administrators browse, so it carries no free text: an agency's note is kept with the case,
/// encrypted, for that agency only (<see cref="Cases.CaseNotes"/>).
/// </summary>
/// <param name="Action"><see cref="Acknowledge"/> (受理) or <see cref="Complete"/>.</param>
public sealed record RoutedTaskResult(string Action, string? Outcome, string? By = null, string? AgencyId = null)
{
    public const string Acknowledge = "acknowledge";
    public const string Complete = "complete";

    /// <summary>The outcome an acknowledgement records.</summary>
    public const string Acknowledged = "已確認收到";

    public JsonObject ToJson() => new()
    {
        ["action"] = Action,
        ["outcome"] = Outcome,
        ["by"] = By,
        ["agencyId"] = AgencyId,
    };
}
