using System.Globalization;
using System.Text.Json.Nodes;

namespace AntiDrugFlow.Workflows.Chains;

/// <summary>
/// The school recorded a 春暉 counselling session or a urine re-test: the event youth-case-followup waits for while a round
/// runs, read as getCounsellingRecord(). Only the kind, the date and the result: who led a session and its note stay with the case.
/// </summary>
/// <param name="Kind"><see cref="Session"/> or <see cref="Retest"/>.</param>
/// <param name="Result">A re-test's result: negative, positive or not-taken; null for a session.</param>
public sealed record CounsellingRecordEvent(string RecordId, string Kind, DateOnly OccurredOn, string? Result)
{
    public const string EventName = "counselling-record";
    public const string Session = "session";
    public const string Retest = "retest";

    public JsonObject ToJson() => new()
    {
        ["recordId"] = RecordId,
        ["kind"] = Kind,
        ["occurredOn"] = OccurredOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["result"] = Result,
    };
}
