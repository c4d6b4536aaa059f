using AntiDrugFlow.Workflows.Calendar;

namespace AntiDrugFlow.Tests.Calendar;

/// <summary>
/// Expected steps written without the production time-zone code: Taipei is +08:00, and a
/// deadline day ends at 23:59:59, so a wrong zone or a wrong day shows up as a different value.
/// </summary>
internal static class Expect
{
    private static readonly TimeSpan Taipei = TimeSpan.FromHours(8);

    public static DateTimeOffset EndOf(string date) =>
        new(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture).ToDateTime(new TimeOnly(23, 59, 59)), Taipei);

    private static DateOnly Day(string date) => DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture);

    public static RocScheduleStep Due(string date, string? label = null, bool ongoing = false) =>
        new(RocScheduleKind.Deadline, label, Due: EndOf(date), Ongoing: ongoing);

    public static RocScheduleStep Start(string from, string? label = null, bool ongoing = false) =>
        new(RocScheduleKind.Start, label, From: Day(from), Ongoing: ongoing);

    public static RocScheduleStep Period(string from, string until, string? label = null, bool ongoing = false) =>
        new(RocScheduleKind.Period, label, From: Day(from), Until: Day(until), Ongoing: ongoing);

    public static RocScheduleStep Done(string on, string? label = null, bool ongoing = false) =>
        new(RocScheduleKind.Done, label, DoneOn: Day(on), Ongoing: ongoing);

    public static RocScheduleStep Every(int perYear, string unit, string label, string? from = null) =>
        new(RocScheduleKind.Recurring, label, From: from is null ? null : Day(from), PerYear: perYear, Unit: unit);

    public static RocScheduleStep Ongoing(string? label = null) =>
        new(RocScheduleKind.Ongoing, label, Ongoing: true);

    public static RocScheduleStep Condition(string text) =>
        new(RocScheduleKind.Condition, Condition: text);
}
