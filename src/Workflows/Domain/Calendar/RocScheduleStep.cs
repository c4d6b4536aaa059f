using System.Text.Json.Serialization;

namespace AntiDrugFlow.Workflows.Calendar;

/// <summary>What one dated statement of a 辦理期程 means.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RocScheduleKind>))]
public enum RocScheduleKind
{
    /// <summary>Must be done by <see cref="RocScheduleStep.Due"/> (「106年8月底前」).</summary>
    [JsonStringEnumMemberName("deadline")] Deadline,

    /// <summary>Starts on <see cref="RocScheduleStep.From"/> and has no end (「106年10月起實施」).</summary>
    [JsonStringEnumMemberName("start")] Start,

    /// <summary>Runs from <see cref="RocScheduleStep.From"/> to <see cref="RocScheduleStep.Until"/> (「106-109年」).</summary>
    [JsonStringEnumMemberName("period")] Period,

    /// <summary>Already done on <see cref="RocScheduleStep.DoneOn"/> (「106年5月31日已完成」).</summary>
    [JsonStringEnumMemberName("done")] Done,

    /// <summary>Happens <see cref="RocScheduleStep.PerYear"/> times a year (「每年召開2次以上協調會議」).</summary>
    [JsonStringEnumMemberName("recurring")] Recurring,

    /// <summary>Continuous work with no date (「持續辦理」).</summary>
    [JsonStringEnumMemberName("ongoing")] Ongoing,

    /// <summary>Waits on an event rather than a date (「107年預算通過後補助」).</summary>
    [JsonStringEnumMemberName("condition")] Condition,
}

/// <summary>
/// One step of a schedule. Only the fields that apply to <see cref="Kind"/> are set; dates are
/// Taipei calendar dates and <see cref="Due"/> is the last second of the due day in Taipei.
/// </summary>
public sealed record RocScheduleStep(
    RocScheduleKind Kind,
    string? Label = null,
    DateTimeOffset? Due = null,
    DateOnly? From = null,
    DateOnly? Until = null,
    DateOnly? DoneOn = null,
    int? PerYear = null,
    string? Unit = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Ongoing = false,
    string? Condition = null)
{
    /// <summary>
    /// Record equality on <see cref="DateTimeOffset"/> compares instants only; a stored step must
    /// also keep the +08:00 offset it was written with.
    /// </summary>
    public bool Equals(RocScheduleStep? other) =>
        other is not null
        && Kind == other.Kind
        && Label == other.Label
        && Due == other.Due
        && Due?.Offset == other.Due?.Offset
        && From == other.From
        && Until == other.Until
        && DoneOn == other.DoneOn
        && PerYear == other.PerYear
        && Unit == other.Unit
        && Ongoing == other.Ongoing
        && Condition == other.Condition;

    public override int GetHashCode() => HashCode.Combine(Kind, Label, Due, From, Until, DoneOn, PerYear, Condition);
}
