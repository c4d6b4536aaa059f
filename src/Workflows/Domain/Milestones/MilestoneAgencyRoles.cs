namespace AntiDrugFlow.Workflows.Milestones;

public static class MilestoneAgencyRoles
{
    /// <summary>The agency role of a filter as written in a query string: <c>lead</c>, or <c>leadOrCo</c> (the default); null when neither.</summary>
    public static MilestoneAgencyRole? Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "leadorco" => MilestoneAgencyRole.LeadOrCo,
        "lead" => MilestoneAgencyRole.Lead,
        _ => null,
    };
}
