namespace AntiDrugFlow.Workflows.Calendar;

/// <summary>Taiwan's civil time, which every deadline of the action plan is written in.</summary>
public static class TaipeiTime
{
    /// <summary>The IANA zone (Linux tz id); Taiwan has no daylight saving, but the offset still comes from the zone data.</summary>
    public static TimeZoneInfo Zone { get; } = TimeZoneInfo.FindSystemTimeZoneById("Asia/Taipei");

    /// <summary>The last second of a calendar day in Taipei, which is what 「…底前」 deadlines mean.</summary>
    public static DateTimeOffset EndOfDay(DateOnly date)
    {
        var local = date.ToDateTime(new TimeOnly(23, 59, 59), DateTimeKind.Unspecified);
        return new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }

    /// <summary>The calendar date in Taipei at the given instant.</summary>
    public static DateOnly DateOf(DateTimeOffset instant) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Zone).DateTime);
}
