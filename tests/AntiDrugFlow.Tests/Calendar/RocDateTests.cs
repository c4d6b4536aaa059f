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
}
