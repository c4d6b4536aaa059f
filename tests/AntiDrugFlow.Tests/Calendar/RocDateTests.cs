using AntiDrugFlow.Workflows.Calendar;
using Xunit;

namespace AntiDrugFlow.Tests.Calendar;

public sealed class RocDateTests
{
    [Fact]
    public void Date_shows_in_the_roc_calendar()
    {
        Assert.Equal("民國106年8月31日", RocDate.Format(new DateOnly(2017, 8, 31)));
        Assert.Equal("民國115年1月5日", RocDate.Format(new DateOnly(2026, 1, 5)));
    }

    [Fact]
    public void Instant_shows_as_its_calendar_date_in_Taipei()
    {
        // 16:30 UTC on August 31 is already September 1 in Taipei.
        Assert.Equal("民國106年9月1日", RocDate.Format(new DateTimeOffset(2017, 8, 31, 16, 30, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Date_and_time_show_in_Taipei_to_the_minute()
    {
        var due = RocSchedule.Parse("106年8月底前").Steps[0].Due!.Value;

        Assert.Equal("民國106年8月31日 23:59", RocDate.FormatDateTime(due));
        Assert.Equal("民國106年9月1日 08:05", RocDate.FormatDateTime(new DateTimeOffset(2017, 9, 1, 0, 5, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void First_roc_year_is_1912_and_earlier_years_are_rejected()
    {
        Assert.Equal("民國1年1月1日", RocDate.Format(new DateOnly(1912, 1, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => RocDate.Format(new DateOnly(1911, 12, 31)));
    }

    [Theory]
    [InlineData("115年11月3日")]
    [InlineData("民國115年11月3日")]
    [InlineData("115年11月3")]
    [InlineData(" 115 年 11 月 03 日 ")]
    [InlineData("115/11/03")]
    [InlineData("115/11/3")]
    [InlineData("115-11-03")]
    [InlineData("115.11.03")]
    [InlineData("１１５／１１／０３")]
    public void A_typed_roc_date_reads_as_its_gregorian_day(string text)
    {
        Assert.Equal(new DateOnly(2026, 11, 3), RocDate.Parse(text));
        Assert.True(RocDate.TryParse(text, out var day, out var error));
        Assert.Equal((new DateOnly(2026, 11, 3), (string?)null), (day, error));
    }

    [Theory]
    [InlineData("115/13/01", "沒有13月")]
    [InlineData("115年2月29日", "民國115年2月沒有29日")]
    [InlineData("113年2月30日", "民國113年2月沒有30日")]
    [InlineData("0/1/1", "民國年須為1年以後")]
    [InlineData("2026/11/03", "西元年")]
    [InlineData("115/11-03", "請寫成")]
    [InlineData("十一月三日", "請寫成")]
    [InlineData("115年11月", "請寫成")]
    [InlineData("   ", "內容是空的")]
    public void A_date_that_cannot_be_read_is_refused_with_the_text_quoted(string text, string reason)
    {
        var refused = Assert.Throws<RocDateFormatException>(() => RocDate.Parse(text));

        Assert.StartsWith($"無法解讀日期「{text}」：", refused.Message, StringComparison.Ordinal);
        Assert.Contains(reason, refused.Reason, StringComparison.Ordinal);
        Assert.False(RocDate.TryParse(text, out _, out var error));
        Assert.Equal(refused.Message, error);
    }

    [Fact]
    public void A_leap_day_of_an_roc_leap_year_is_a_date()
    {
        // 民國113年 is 2024, a leap year.
        Assert.Equal(new DateOnly(2024, 2, 29), RocDate.Parse("113/02/29"));
    }
}
