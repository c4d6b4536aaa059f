using System.Globalization;

namespace AntiDrugFlow.Workflows.Scheduling;

/// <summary>
/// A cron expression: <c>minute hour day-of-month month day-of-week</c>, optionally preceded by seconds
/// (6 fields). Each field takes <c>*</c>, numbers, lists (<c>1,15</c>), ranges (<c>1-5</c>) and steps
/// (<c>*/15</c>, <c>0-30/10</c>); day-of-week counts 0 (or 7) as Sunday. When both day fields are restricted,
/// a day matching either one matches, as in classic cron. Occurrences are computed in a given time zone.
/// </summary>
public sealed class CronSchedule
{
    /// <summary>Taipei time, in which the engine's cron expressions are read.</summary>
    public static readonly TimeZoneInfo Taipei = TimeZoneInfo.FindSystemTimeZoneById("Asia/Taipei");

    private readonly bool[] _seconds;
    private readonly bool[] _minutes;
    private readonly bool[] _hours;
    private readonly bool[] _days;
    private readonly bool[] _months;
    private readonly bool[] _weekdays;
    private readonly bool _daysRestricted;
    private readonly bool _weekdaysRestricted;

    private CronSchedule(string text, bool[] seconds, bool[] minutes, bool[] hours, bool[] days, bool[] months, bool[] weekdays, bool daysRestricted, bool weekdaysRestricted)
    {
        Text = text;
        _seconds = seconds;
        _minutes = minutes;
        _hours = hours;
        _days = days;
        _months = months;
        _weekdays = weekdays;
        _daysRestricted = daysRestricted;
        _weekdaysRestricted = weekdaysRestricted;
    }

    public string Text { get; }

    /// <summary>Parses the expression; <paramref name="error"/> says in zh-TW what is wrong when it fails.</summary>
    public static bool TryParse(string? text, out CronSchedule schedule, out string error)
    {
        schedule = null!;
        error = string.Empty;
        var fields = (text ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (fields.Length is not (5 or 6))
        {
            error = $"應有 5 或 6 個欄位（分 時 日 月 星期，可在最前面加上秒），卻有 {fields.Length} 個";
            return false;
        }

        var offset = fields.Length - 5;
        var seconds = offset == 1 ? Field(fields[0], 0, 59, "秒", out error) : Only(0, 60);
        if (seconds is null)
        {
            return false;
        }

        var minutes = Field(fields[offset], 0, 59, "分", out error);
        var hours = minutes is null ? null : Field(fields[offset + 1], 0, 23, "時", out error);
        var days = hours is null ? null : Field(fields[offset + 2], 1, 31, "日", out error);
        var months = days is null ? null : Field(fields[offset + 3], 1, 12, "月", out error);
        var weekdays = months is null ? null : Field(fields[offset + 4], 0, 7, "星期", out error);
        if (weekdays is null)
        {
            return false;
        }

        weekdays[0] |= weekdays[7];
        schedule = new CronSchedule(string.Join(' ', fields), seconds, minutes!, hours!, days!, months!, weekdays, fields[offset + 2] != "*" && fields[offset + 2] != "?", fields[offset + 4] != "*" && fields[offset + 4] != "?");
        error = string.Empty;
        return true;
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, read in <paramref name="zone"/>; null when there is none within five years (e.g. 30 February).</summary>
    public DateTimeOffset? Next(DateTimeOffset after, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(after, zone);
        var candidate = new DateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, local.Second, DateTimeKind.Unspecified).AddSeconds(1);
        var limit = candidate.AddYears(5);
        while (candidate < limit)
        {
            if (!_months[candidate.Month] || !DayMatches(candidate))
            {
                candidate = candidate.Date.AddDays(1);
                continue;
            }

            if (!_hours[candidate.Hour])
            {
                candidate = candidate.Date.AddHours(candidate.Hour + 1);
                continue;
            }

            if (!_minutes[candidate.Minute])
            {
                candidate = candidate.Date.AddHours(candidate.Hour).AddMinutes(candidate.Minute + 1);
                continue;
            }

            if (!_seconds[candidate.Second])
            {
                candidate = candidate.AddSeconds(1);
                continue;
            }

            return new DateTimeOffset(candidate, zone.GetUtcOffset(candidate));
        }

        return null;
    }

    private bool DayMatches(DateTime day)
    {
        var byDate = _days[day.Day];
        var byWeekday = _weekdays[(int)day.DayOfWeek];
        return _daysRestricted && _weekdaysRestricted ? byDate || byWeekday : byDate && byWeekday;
    }

    private static bool[] Only(int value, int size)
    {
        var set = new bool[size];
        set[value] = true;
        return set;
    }

    private static bool[]? Field(string text, int min, int max, string name, out string error)
    {
        var set = new bool[max + 1];
        foreach (var part in text.Split(','))
        {
            var (range, stepText) = part.Split('/') switch
            {
                [var r] => (r, null),
                [var r, var s] => (r, s),
                _ => (string.Empty, null),
            };
            var step = 1;
            if (stepText is not null && (!int.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1))
            {
                error = $"「{name}」欄位的間隔「{part}」無效";
                return null;
            }

            int from, to;
            if (range is "*" or "?")
            {
                (from, to) = (min, max);
            }
            else if (range.Split('-') is [var low, var high] && Number(low, out from) && Number(high, out to))
            {
            }
            else if (Number(range, out from))
            {
                to = stepText is null ? from : max;
            }
            else
            {
                error = $"「{name}」欄位的「{part}」不是數字、範圍或 *";
                return null;
            }

            if (from < min || to > max || from > to)
            {
                error = $"「{name}」欄位的「{part}」超出 {min} 到 {max} 的範圍";
                return null;
            }

            for (var value = from; value <= to; value += step)
            {
                set[value] = true;
            }
        }

        error = string.Empty;
        return set;
    }

    private static bool Number(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
