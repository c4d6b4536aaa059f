using System.Globalization;

namespace AntiDrugFlow.Workflows.Calendar;

/// <summary>Dates as users read them: the ROC (民國) calendar, year 1 = 1912.</summary>
public static class RocDate
{
    /// <summary>The difference between a Gregorian year and its ROC year.</summary>
    public const int YearOffset = 1911;

    public static int ToRocYear(int gregorianYear)
    {
        // Years before 民國元年 would need 民前 notation, which nothing in this system produces.
        ArgumentOutOfRangeException.ThrowIfLessThan(gregorianYear, 1912);
        return gregorianYear - YearOffset;
    }

    public static int ToGregorianYear(int rocYear)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rocYear, 1);
        return rocYear + YearOffset;
    }

    /// <summary>「民國106年8月31日」.</summary>
    public static string Format(DateOnly date) =>
        string.Create(CultureInfo.InvariantCulture, $"民國{ToRocYear(date.Year)}年{date.Month}月{date.Day}日");

    /// <summary>「民國106年8月31日」 for the Taipei calendar date of an instant.</summary>
    public static string Format(DateTimeOffset instant) => Format(TaipeiTime.DateOf(instant));

    /// <summary>「民國106年8月31日 23:59」 in Taipei time.</summary>
    public static string FormatDateTime(DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, TaipeiTime.Zone);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{Format(DateOnly.FromDateTime(local.DateTime))} {local.Hour:00}:{local.Minute:00}");
    }
}
