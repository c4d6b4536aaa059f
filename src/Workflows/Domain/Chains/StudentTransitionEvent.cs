using System.Text.Json.Nodes;

namespace AntiDrugFlow.Workflows.Chains;

/// <summary>The student graduated, transferred or left (轉銜): the event youth-case-followup waits for, read as getTransition().</summary>
/// <param name="ReceivingSchoolId">The school the student goes to, when known.</param>
public sealed record StudentTransitionEvent(string? ReceivingSchoolId)
{
    public const string EventName = "student-transition";

    public JsonObject ToJson() => new() { ["receivingSchoolId"] = ReceivingSchoolId };
}
