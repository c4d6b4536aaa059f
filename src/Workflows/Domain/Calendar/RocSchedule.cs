using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AntiDrugFlow.Workflows.Calendar;

/// <summary>
/// What a 辦理期程 text of the action plan means, as one or more steps.
/// </summary>
/// <remarks>
/// Decisions the plan's wording leaves open, made once here:
/// <list type="bullet">
/// <item>「N年M月底前」, 「N年M月底」 and the typo 「N年M底」 are due at the last second of month M, Taipei time.</item>
/// <item>「N年底前」, 「N年年底前」, 「N年底」 are due on December 31.</item>
/// <item>「N年M月前」 means before month M begins: due at the end of month M-1.</item>
/// <item>「N年M月完成」 and 「N年完成」 name the month or year the work is done in, so they are due at its end.</item>
/// <item>「N年M月後」 starts on the first day of month M, like 「N年M月起」 (the plan uses both for the same thing).</item>
/// <item>「N年…」 with any other activity (「108年擴大辦理」) is a period covering that year.</item>
/// <item>A done statement with only a month (「106年6月底已完…」) is dated the last day of that month.</item>
/// <item>學年度 N runs from August 1 of N+1911 to July 31 of the next year.</item>
/// <item>A year written with a leading zero (「06-109年」) lost its first digit; it is repaired only from the
/// other end of a range, never on its own.</item>
/// <item>「本年」 needs the document's own year; without one the text is refused.</item>
/// </list>
/// </remarks>
public sealed partial record RocSchedule(string Text, IReadOnlyList<RocScheduleStep> Steps)
{
    private const string Year = @"(?:民國)?(?<y>本|\d{2,3})\s*年";

    /// <summary>Reads a schedule text or throws <see cref="RocScheduleFormatException"/> quoting it.</summary>
    /// <param name="text">The text as written in the plan.</param>
    /// <param name="documentRocYear">The ROC year the document was written in, for 「本年」.</param>
    public static RocSchedule Parse(string text, int? documentRocYear = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = NormalizeDigits(text);
        var segments = SegmentSeparator().Split(normalized)
            .Select(TrimSegment)
            .Where(s => s.Length > 0)
            .ToList();
        if (segments.Count == 0)
        {
            throw new RocScheduleFormatException(text, "內容是空的");
        }

        var steps = new List<RocScheduleStep>(segments.Count);
        foreach (var segment in segments)
        {
            try
            {
                steps.Add(ParseSegment(segment, documentRocYear));
            }
            catch (SegmentRefusedException refused)
            {
                var reason = segments.Count > 1 ? $"其中「{segment}」{refused.Message}" : refused.Message;
                throw new RocScheduleFormatException(text, reason);
            }
        }

        return new RocSchedule(text, steps);
    }

    /// <summary>Reads a schedule text; on refusal returns false with the message that quotes it.</summary>
    public static bool TryParse(string text, int? documentRocYear, out RocSchedule? schedule, out string? error)
    {
        try
        {
            schedule = Parse(text, documentRocYear);
            error = null;
            return true;
        }
        catch (RocScheduleFormatException refused)
        {
            schedule = null;
            error = refused.Message;
            return false;
        }
    }

    private static RocScheduleStep ParseSegment(string segment, int? documentRocYear)
    {
        var ongoing = segment.Contains("持續", StringComparison.Ordinal);
        var s = ItemReference().Replace(segment, string.Empty, 1).Trim();

        var continuing = ContinuingPrefix().Match(s);
        if (continuing.Success)
        {
            var rest = TrimLeading(continuing.Groups["rest"].Value);
            if (rest.Length == 0)
            {
                return new RocScheduleStep(RocScheduleKind.Ongoing, Ongoing: true);
            }

            // 「持續辦理06-109年」: the work is continuous within a dated span.
            return StartsWithDate(rest)
                ? ParseDated(rest, doneMarker: false, documentRocYear) with { Ongoing = true }
                : new RocScheduleStep(RocScheduleKind.Ongoing, Label: rest, Ongoing: true);
        }

        if (s.StartsWith("每年", StringComparison.Ordinal))
        {
            var (perYear, unit) = Recurrence(s)
                ?? throw new SegmentRefusedException("寫了「每年」卻沒有次數");
            return new RocScheduleStep(RocScheduleKind.Recurring, Label: s, PerYear: perYear, Unit: unit, Ongoing: ongoing);
        }

        var doneMarker = false;
        var prefix = LeadingPrefix().Match(s);
        if (prefix.Success)
        {
            doneMarker = prefix.Groups["done"].Success;
            s = s[prefix.Length..];
        }

        if (StartsWithDate(s))
        {
            return ParseDated(s, doneMarker, documentRocYear) with { Ongoing = ongoing };
        }

        // 「…修正草案業於本年6月14日公布實施」: a past event dated in the middle of a sentence.
        var doneInside = DoneInside().Match(s);
        if (doneInside.Success)
        {
            var date = ResolveDate(doneInside.Groups["y"].Value, doneInside.Groups["m"].Value, doneInside.Groups["d"].Value, documentRocYear);
            return new RocScheduleStep(RocScheduleKind.Done, Label: s, DoneOn: date, Ongoing: ongoing);
        }

        throw new SegmentRefusedException("找不到開頭的日期，也不是「持續辦理」或「每年…次」這類寫法");
    }

    private static bool StartsWithDate(string s) => LeadingDate().IsMatch(s);

    private static RocScheduleStep ParseDated(string s, bool doneMarker, int? documentRocYear)
    {
        Match m;

        if ((m = AcademicYear().Match(s)).Success)
        {
            var start = new DateOnly(ResolveYear(m.Groups["y"].Value, documentRocYear), 8, 1);
            var tail = m.Groups["tail"].Value;
            if (tail.StartsWith('起'))
            {
                return Started(start, tail[1..]);
            }

            return new RocScheduleStep(RocScheduleKind.Period, Label: LabelOf(tail), From: start, Until: start.AddYears(1).AddDays(-1));
        }

        if ((m = YearRange().Match(s)).Success)
        {
            var (first, last) = ResolveYearRange(m.Groups["y1"].Value, m.Groups["y2"].Value, documentRocYear);
            return new RocScheduleStep(RocScheduleKind.Period, Label: LabelOf(m.Groups["tail"].Value), From: new DateOnly(first, 1, 1), Until: new DateOnly(last, 12, 31));
        }

        if ((m = HalfYear().Match(s)).Success)
        {
            var year = ResolveYear(m.Groups["y"].Value, documentRocYear);
            var firstHalf = m.Groups["h"].Value == "上";
            return new RocScheduleStep(
                RocScheduleKind.Period,
                Label: LabelOf(m.Groups["tail"].Value),
                From: new DateOnly(year, firstHalf ? 1 : 7, 1),
                Until: new DateOnly(year, firstHalf ? 6 : 12, firstHalf ? 30 : 31));
        }

        if ((m = FullDate().Match(s)).Success)
        {
            var date = ResolveDate(m.Groups["y"].Value, m.Groups["m"].Value, m.Groups["d"].Value, documentRocYear);
            var tail = m.Groups["tail"].Value;
            if (doneMarker || IsDoneWord(tail))
            {
                return new RocScheduleStep(RocScheduleKind.Done, Label: LabelOf(tail), DoneOn: date);
            }

            if (tail.StartsWith('前'))
            {
                // 「…日前」 is read like 「…月前」: before that day begins.
                return new RocScheduleStep(RocScheduleKind.Deadline, Label: LabelOf(tail[1..]), Due: TaipeiTime.EndOfDay(date.AddDays(-1)));
            }

            if (StartWord().Match(tail) is { Success: true } startWord)
            {
                return Started(date, tail[startWord.Length..]);
            }

            throw new SegmentRefusedException("只有日期，看不出是期限、起始還是已完成");
        }

        if ((m = MonthRange().Match(s)).Success)
        {
            var year = ResolveYear(m.Groups["y"].Value, documentRocYear);
            var untilYear = m.Groups["y2"].Success ? ResolveYear(m.Groups["y2"].Value, documentRocYear) : year;
            var from = FirstOfMonth(year, m.Groups["m1"].Value);
            var until = EndOfMonth(untilYear, m.Groups["m2"].Value);
            if (until < from)
            {
                throw new SegmentRefusedException("期間的結束早於開始");
            }

            return new RocScheduleStep(RocScheduleKind.Period, Label: LabelOf(m.Groups["tail"].Value), From: from, Until: until);
        }

        if ((m = MonthEnd().Match(s)).Success)
        {
            var monthEnd = EndOfMonth(ResolveYear(m.Groups["y"].Value, documentRocYear), m.Groups["m"].Value);
            return DueOrDone(monthEnd, m.Groups["tail"].Value, doneMarker);
        }

        if ((m = Month().Match(s)).Success)
        {
            var year = ResolveYear(m.Groups["y"].Value, documentRocYear);
            var first = FirstOfMonth(year, m.Groups["m"].Value);
            var last = first.AddMonths(1).AddDays(-1);
            var tail = m.Groups["tail"].Value;
            if (doneMarker || IsDoneWord(tail))
            {
                return new RocScheduleStep(RocScheduleKind.Done, Label: LabelOf(tail), DoneOn: last);
            }

            if (tail.StartsWith('前'))
            {
                return new RocScheduleStep(RocScheduleKind.Deadline, Label: LabelOf(tail[1..]), Due: TaipeiTime.EndOfDay(first.AddDays(-1)));
            }

            if (StartWord().Match(tail) is { Success: true } startWord)
            {
                return Started(first, tail[startWord.Length..]);
            }

            if (tail.StartsWith('：') || tail.StartsWith(':'))
            {
                return new RocScheduleStep(RocScheduleKind.Period, Label: LabelOf(tail), From: first, Until: last);
            }

            if (tail.StartsWith("完成", StringComparison.Ordinal))
            {
                return new RocScheduleStep(RocScheduleKind.Deadline, Label: LabelOf(tail), Due: TaipeiTime.EndOfDay(last));
            }

            throw new SegmentRefusedException("月份後面沒有「底前」「前」「起」「完成」或「：」，看不出是期限還是起始");
        }

        if ((m = YearEnd().Match(s)).Success)
        {
            var yearEnd = new DateOnly(ResolveYear(m.Groups["y"].Value, documentRocYear), 12, 31);
            return DueOrDone(yearEnd, m.Groups["tail"].Value, doneMarker);
        }

        if ((m = YearOnly().Match(s)).Success)
        {
            var year = ResolveYear(m.Groups["y"].Value, documentRocYear);
            var tail = m.Groups["tail"].Value;
            if (doneMarker || IsDoneWord(tail))
            {
                throw new SegmentRefusedException("已完成的事只寫了年份，不知道是哪一天");
            }

            if (StartWord().Match(tail) is { Success: true } startWord)
            {
                return Started(new DateOnly(year, 1, 1), tail[startWord.Length..]);
            }

            if (tail.StartsWith('前'))
            {
                return new RocScheduleStep(RocScheduleKind.Deadline, Label: LabelOf(tail[1..]), Due: TaipeiTime.EndOfDay(new DateOnly(year - 1, 12, 31)));
            }

            if (tail.StartsWith("完成", StringComparison.Ordinal))
            {
                return new RocScheduleStep(RocScheduleKind.Deadline, Label: LabelOf(tail), Due: TaipeiTime.EndOfDay(new DateOnly(year, 12, 31)));
            }

            if (EventCondition().IsMatch(tail))
            {
                return new RocScheduleStep(RocScheduleKind.Condition, Condition: s);
            }

            return new RocScheduleStep(RocScheduleKind.Period, Label: LabelOf(tail), From: new DateOnly(year, 1, 1), Until: new DateOnly(year, 12, 31));
        }

        throw new SegmentRefusedException("開頭的日期寫法無法辨識");
    }

    private static RocScheduleStep DueOrDone(DateOnly day, string tail, bool doneMarker)
    {
        if (tail.StartsWith('前'))
        {
            tail = tail[1..];
        }

        return doneMarker || IsDoneWord(tail)
            ? new RocScheduleStep(RocScheduleKind.Done, Label: LabelOf(tail), DoneOn: day)
            : new RocScheduleStep(RocScheduleKind.Deadline, Label: LabelOf(tail), Due: TaipeiTime.EndOfDay(day));
    }

    private static RocScheduleStep Started(DateOnly from, string rest)
    {
        var label = LabelOf(rest);
        return Recurrence(rest) is { } recurrence
            ? new RocScheduleStep(RocScheduleKind.Recurring, Label: label, From: from, PerYear: recurrence.PerYear, Unit: recurrence.Unit)
            : new RocScheduleStep(RocScheduleKind.Start, Label: label, From: from);
    }

    private static (int PerYear, string Unit)? Recurrence(string s)
    {
        var m = PerYearCount().Match(s);
        return m.Success
            ? (int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture), m.Groups["unit"].Value)
            : null;
    }

    private static bool IsDoneWord(string tail) =>
        tail.StartsWith('已') || tail.StartsWith('業');

    private static int ResolveYear(string token, int? documentRocYear)
    {
        if (token == "本")
        {
            return documentRocYear is int year
                ? RocDate.ToGregorianYear(year)
                : throw new SegmentRefusedException("寫的是「本年」，需要文件本身的年度才能換算");
        }

        if (token.StartsWith('0'))
        {
            throw new SegmentRefusedException($"年份「{token}」以0開頭，像是少寫了一位數");
        }

        var roc = int.Parse(token, CultureInfo.InvariantCulture);
        return roc >= 1 ? RocDate.ToGregorianYear(roc) : throw new SegmentRefusedException($"年份「{token}」不是民國年");
    }

    private static (int First, int Last) ResolveYearRange(string firstToken, string lastToken, int? documentRocYear)
    {
        // 「06-109年」: a year that lost its leading digit takes it from the other end of the range.
        if (firstToken.StartsWith('0') && lastToken.Length == 3 && firstToken.Length == 2)
        {
            firstToken = lastToken[0] + firstToken;
        }

        var first = ResolveYear(firstToken, documentRocYear);
        var last = ResolveYear(lastToken, documentRocYear);
        return last >= first ? (first, last) : throw new SegmentRefusedException("期間的結束早於開始");
    }

    private static DateOnly ResolveDate(string yearToken, string monthToken, string dayToken, int? documentRocYear)
    {
        var year = ResolveYear(yearToken, documentRocYear);
        var month = MonthNumber(monthToken);
        var day = int.Parse(dayToken, CultureInfo.InvariantCulture);
        if (day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            throw new SegmentRefusedException($"{month}月沒有{day}日");
        }

        return new DateOnly(year, month, day);
    }

    private static int MonthNumber(string token)
    {
        var month = int.Parse(token, CultureInfo.InvariantCulture);
        return month is >= 1 and <= 12 ? month : throw new SegmentRefusedException($"沒有{month}月");
    }

    private static DateOnly FirstOfMonth(int year, string monthToken) => new(year, MonthNumber(monthToken), 1);

    private static DateOnly EndOfMonth(int year, string monthToken)
    {
        var month = MonthNumber(monthToken);
        return new DateOnly(year, month, DateTime.DaysInMonth(year, month));
    }

    private static string? LabelOf(string tail)
    {
        var label = TrimLeading(tail);
        return label.Length == 0 ? null : label;
    }

    private static string TrimLeading(string s) => s.TrimStart('：', ':', '，', ',', '、', ' ', '\t');

    private static string TrimSegment(string s) =>
        s.Trim().TrimEnd('。', '，', ',', '、', ' ', '\t').Trim();

    /// <summary>Full-width digits (０–９) made ASCII; shared with <see cref="RocDate.Parse"/>.</summary>
    internal static string NormalizeDigits(string text)
    {
        // Full-width digits (０–９) are common in documents typed with a Chinese input method.
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(c is >= '０' and <= '９' ? (char)('0' + (c - '０')) : c);
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"[\r\n；;]+")]
    private static partial Regex SegmentSeparator();

    // 「1-7部分，」「8、9部分，」「10部分於…」: which items of a list a clause is about.
    [GeneratedRegex(@"^\d+(?:\s*[-、,，]\s*\d+)*\s*部分[，,]?")]
    private static partial Regex ItemReference();

    [GeneratedRegex(@"^持續(?:辦理|推動|進行)?(?<rest>.*)$", RegexOptions.Singleline)]
    private static partial Regex ContinuingPrefix();

    [GeneratedRegex(@"^(?:(?<done>已於|業於)|於|自)(?=(?:民國)?(?:本|\d))")]
    private static partial Regex LeadingPrefix();

    [GeneratedRegex(@"^(?:民國)?(?:本|\d{2,3})\s*(?:年|學年度|\s*[-－~～至到]\s*\d{2,3}\s*年)")]
    private static partial Regex LeadingDate();

    [GeneratedRegex(@"^(?:民國)?(?<y>\d{2,3})\s*學年度(?<tail>.*)$", RegexOptions.Singleline)]
    private static partial Regex AcademicYear();

    [GeneratedRegex(@"^(?:民國)?(?<y1>\d{2,3})\s*(?:年)?\s*[-－~～至到]\s*(?<y2>\d{2,3})\s*年(?<tail>.*)$", RegexOptions.Singleline)]
    private static partial Regex YearRange();

    [GeneratedRegex($@"^{Year}(?<h>上|下)半年(?<tail>.*)$", RegexOptions.Singleline)]
    private static partial Regex HalfYear();

    [GeneratedRegex($@"^{Year}(?<m>\d{{1,2}})\s*月(?<d>\d{{1,2}})\s*日(?<tail>.*)$", RegexOptions.Singleline)]
    private static partial Regex FullDate();

    [GeneratedRegex($@"^{Year}(?<m1>\d{{1,2}})\s*月?\s*[-－~～至到]\s*(?:(?:民國)?(?<y2>本|\d{{2,3}})\s*年)?(?<m2>\d{{1,2}})\s*月(?<tail>.*)$", RegexOptions.Singleline)]
    private static partial Regex MonthRange();

    // 「6底」 (月 left out) is a typo of the plan itself and reads the same as 「6月底」.
    [GeneratedRegex($@"^{Year}(?<m>\d{{1,2}})\s*月?底(?<tail>.*)$", RegexOptions.Singleline)]
    private static partial Regex MonthEnd();

    [GeneratedRegex($@"^{Year}(?<m>\d{{1,2}})\s*月(?<tail>.*)$", RegexOptions.Singleline)]
    private static partial Regex Month();

    [GeneratedRegex($@"^{Year}年?底(?<tail>.*)$", RegexOptions.Singleline)]
    private static partial Regex YearEnd();

    [GeneratedRegex($@"^{Year}(?<tail>.*)$", RegexOptions.Singleline)]
    private static partial Regex YearOnly();

    [GeneratedRegex(@"^(?:起|後|以後|開始)")]
    private static partial Regex StartWord();

    // 「預算通過後」: an event, not a date, decides when the work starts.
    [GeneratedRegex(@"^[^\d，,；。：:]+?(?:通過|核定|完成|公告|發布)後")]
    private static partial Regex EventCondition();

    [GeneratedRegex(@"每年[^\d，,；。]*?(?:至少)?(?<n>\d+)\s*(?<unit>人次|場次|家次|次|家|場|件|人)")]
    private static partial Regex PerYearCount();

    [GeneratedRegex(@"(?:業|已)於(?:民國)?(?<y>本|\d{2,3})\s*年(?<m>\d{1,2})\s*月(?<d>\d{1,2})\s*日")]
    private static partial Regex DoneInside();

    /// <summary>A refusal of one segment, turned into <see cref="RocScheduleFormatException"/> with the whole text.</summary>
    private sealed class SegmentRefusedException(string message) : Exception(message);
}
