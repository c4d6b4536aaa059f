using System.Globalization;
using System.Text.RegularExpressions;

namespace AntiDrugFlow.Workflows.Calendar;

/// <summary>Dates as users read them: the ROC (民國) calendar, year 1 = 1912.</summary>
public static partial class RocDate
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

    /// <summary>
    /// A date as people type it: 「115年11月3日」, 「民國115年11月3日」, 「115/11/03」, 「115-11-3」 or 「115.11.03」,
    /// full-width digits and slashes included. Anything else is refused with a
    /// <see cref="RocDateFormatException"/> that quotes the text; nothing is guessed.
    /// </summary>
    public static DateOnly Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = RocSchedule.NormalizeDigits(text.Trim()).Replace('／', '/').Replace('－', '-').Replace('．', '.');
        if (normalized.Length == 0)
        {
            throw new RocDateFormatException(text, "內容是空的");
        }

        var match = TypedDate().Match(normalized);
        if (!match.Success && GregorianYear().IsMatch(normalized))
        {
            throw new RocDateFormatException(text, "年份像是西元年，請填民國年（例如 115年11月3日）");
        }

        if (!match.Success)
        {
            throw new RocDateFormatException(text, "請寫成「115年11月3日」或「115/11/03」（民國年）");
        }

        var rocYear = int.Parse(match.Groups["y"].Value, CultureInfo.InvariantCulture);
        var month = int.Parse(match.Groups["m"].Value, CultureInfo.InvariantCulture);
        var day = int.Parse(match.Groups["d"].Value, CultureInfo.InvariantCulture);
        if (rocYear < 1)
        {
            throw new RocDateFormatException(text, "民國年須為1年以後");
        }

        if (month is < 1 or > 12)
        {
            throw new RocDateFormatException(text, string.Create(CultureInfo.InvariantCulture, $"沒有{month}月"));
        }

        var year = ToGregorianYear(rocYear);
        if (day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            throw new RocDateFormatException(text, string.Create(CultureInfo.InvariantCulture, $"民國{rocYear}年{month}月沒有{day}日"));
        }

        return new DateOnly(year, month, day);
    }

    /// <summary>Reads a typed date; on refusal returns false with the message that quotes it.</summary>
    public static bool TryParse(string text, out DateOnly date, out string? error)
    {
        try
        {
            date = Parse(text);
            error = null;
            return true;
        }
        catch (RocDateFormatException refused)
        {
            date = default;
            error = refused.Message;
            return false;
        }
    }

    // Three numbers in one notation: 年月日 (日 optional at the end), or one separator used twice.
    [GeneratedRegex(@"^(?:民國\s*)?(?<y>[0-9]{1,3})\s*(?:年\s*(?<m>[0-9]{1,2})\s*月\s*(?<d>[0-9]{1,2})\s*日?|(?<sep>[/.-])\s*(?<m>[0-9]{1,2})\s*\k<sep>\s*(?<d>[0-9]{1,2}))$")]
    private static partial Regex TypedDate();

    [GeneratedRegex(@"^[0-9]{4}\s*[年/.-]")]
    private static partial Regex GregorianYear();
}
