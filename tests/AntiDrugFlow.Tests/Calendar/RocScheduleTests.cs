using AntiDrugFlow.Workflows.Calendar;
using Xunit;
using static AntiDrugFlow.Tests.Calendar.Expect;

namespace AntiDrugFlow.Tests.Calendar;

public sealed class RocScheduleTests
{
    [Theory]
    [MemberData(nameof(SeedSchedules.All), MemberType = typeof(SeedSchedules))]
    public void Every_schedule_text_of_the_seed_reads_as_its_meaning(string text, RocScheduleStep[] expected)
    {
        var schedule = RocSchedule.Parse(text, SeedSchedules.DocumentRocYear);

        Assert.Equal(text, schedule.Text);
        Assert.Equal(expected, schedule.Steps);
    }

    public static TheoryData<string, RocScheduleStep[]> DomainForms { get; } = new()
    {
        { "106年年底前", [Due("2017-12-31")] },
        { "106年7月前", [Due("2017-06-30")] },
        { "108年6月底完成系統建置", [Due("2019-06-30", "完成系統建置")] },
        { "107年12月底完成", [Due("2018-12-31", "完成")] },
        { "107年6底委託建物修繕", [Due("2018-06-30", "委託建物修繕")] },
        { "106年12底建立聯繫平臺", [Due("2017-12-31", "建立聯繫平臺")] },
        { "106年6月底已完意願調查", [Done("2017-06-30", "已完意願調查")] },
        { "107年1-2月：交接準備期", [Period("2018-01-01", "2018-02-28", "交接準備期")] },
        { "107年3月-6月：完成交接", [Period("2018-03-01", "2018-06-30", "完成交接")] },
        { "107年4月至107年10月陸續完成", [Period("2018-04-01", "2018-10-31", "陸續完成")] },
        { "108年：試辦及建置期", [Period("2019-01-01", "2019-12-31", "試辦及建置期")] },
        { "106年7月起每年展開至少2次", [Every(2, "次", "每年展開至少2次", from: "2017-07-01")] },
        { "每年召開2次以上協調會議", [Every(2, "次", "每年召開2次以上協調會議")] },
        { "每年抽查50家", [Every(50, "家", "每年抽查50家")] },
        { "107年預算通過後補助", [Condition("107年預算通過後補助")] },
        {
            "106年下半年：規劃期；107至108年：試辦及建置期；109年起：推廣期",
            [Period("2017-07-01", "2017-12-31", "規劃期"), Period("2018-01-01", "2019-12-31", "試辦及建置期"), Start("2020-01-01", "推廣期")]
        },
    };

    [Theory]
    [MemberData(nameof(DomainForms))]
    public void Every_form_listed_in_the_domain_notes_reads_as_its_meaning(string text, RocScheduleStep[] expected)
    {
        Assert.Equal(expected, RocSchedule.Parse(text).Steps);
    }

    [Fact]
    public void Month_end_deadline_is_the_last_second_of_that_month_in_Taipei()
    {
        var due = Assert.Single(RocSchedule.Parse("106年8月底前").Steps).Due!.Value;

        Assert.Equal(TimeSpan.FromHours(8), due.Offset);
        Assert.Equal(new DateTimeOffset(2017, 8, 31, 15, 59, 59, TimeSpan.Zero), due.ToUniversalTime());
    }

    [Theory]
    [InlineData("107年2月底前", "2018-02-28")]
    [InlineData("109年2月底前", "2020-02-29")]
    [InlineData("106年4月底前", "2017-04-30")]
    public void Month_end_deadline_follows_the_length_of_the_month(string text, string lastDay)
    {
        Assert.Equal(EndOf(lastDay), RocSchedule.Parse(text).Steps[0].Due);
    }

    [Theory]
    [InlineData("106年7月前", "2017-06-30")]
    [InlineData("107年1月前", "2017-12-31")]
    public void Deadline_before_a_month_ends_with_the_previous_month(string text, string lastDay)
    {
        Assert.Equal(EndOf(lastDay), RocSchedule.Parse(text).Steps[0].Due);
    }

    [Fact]
    public void Year_end_deadline_reads_the_same_with_or_without_the_repeated_year()
    {
        var expected = Due("2017-12-31");

        Assert.Equal(expected, RocSchedule.Parse("106年底前").Steps[0]);
        Assert.Equal(expected, RocSchedule.Parse("106年年底前").Steps[0]);
    }

    [Fact]
    public void Month_left_out_before_end_reads_as_that_month_end()
    {
        Assert.Equal(RocSchedule.Parse("107年6月底委託建物修繕").Steps, RocSchedule.Parse("107年6底委託建物修繕").Steps);
        Assert.Equal(RocSchedule.Parse("106年12月底建立聯繫平臺").Steps, RocSchedule.Parse("106年12底建立聯繫平臺").Steps);
    }

    [Fact]
    public void Done_statement_with_a_clipped_verb_is_still_done_at_the_month_end()
    {
        var step = Assert.Single(RocSchedule.Parse("106年6月底已完意願調查").Steps);

        Assert.Equal(RocScheduleKind.Done, step.Kind);
        Assert.Equal(new DateOnly(2017, 6, 30), step.DoneOn);
        Assert.Null(step.Due);
    }

    [Fact]
    public void Range_start_year_that_lost_its_first_digit_takes_it_from_the_range_end()
    {
        var step = Assert.Single(RocSchedule.Parse("持續辦理06-109年").Steps);

        Assert.Equal(Period("2017-01-01", "2020-12-31", ongoing: true), step);
    }

    [Fact]
    public void Academic_year_start_is_the_first_of_August()
    {
        Assert.Equal(new DateOnly(2017, 8, 1), RocSchedule.Parse("106學年度起實施").Steps[0].From);
        Assert.Equal(new DateOnly(2018, 8, 1), RocSchedule.Parse("107學年度起實施").Steps[0].From);
    }

    [Fact]
    public void Academic_year_on_its_own_runs_from_August_to_the_end_of_July()
    {
        Assert.Equal(Period("2018-08-01", "2019-07-31"), Assert.Single(RocSchedule.Parse("107學年度").Steps));
    }

    [Fact]
    public void This_year_is_read_from_the_document_year()
    {
        var step = RocSchedule.Parse("業於本年6月14日公布實施", documentRocYear: 106).Steps[0];

        Assert.Equal(new DateOnly(2017, 6, 14), step.DoneOn);
    }

    [Fact]
    public void Full_width_digits_read_like_ascii_digits()
    {
        Assert.Equal(RocSchedule.Parse("106年8月底前").Steps, RocSchedule.Parse("１０６年８月底前").Steps);
    }

    [Fact]
    public void Several_dated_steps_keep_their_order_and_labels()
    {
        var steps = RocSchedule.Parse("106年下半年：規劃期；107至108年：試辦及建置期；109年起：推廣期").Steps;

        Assert.Equal(["規劃期", "試辦及建置期", "推廣期"], steps.Select(s => s.Label));
        Assert.Equal([RocScheduleKind.Period, RocScheduleKind.Period, RocScheduleKind.Start], steps.Select(s => s.Kind));
    }

    [Theory]
    [InlineData("", "內容是空的")]
    [InlineData("明年", "找不到開頭的日期")]
    [InlineData("106年8月辦理", "看不出是期限還是起始")]
    [InlineData("06年底前", "以0開頭")]
    [InlineData("106年13月底前", "沒有13月")]
    [InlineData("106年2月30日已完成", "2月沒有30日")]
    [InlineData("本年6月14日已完成", "本年")]
    [InlineData("每年辦理", "沒有次數")]
    [InlineData("110-109年", "結束早於開始")]
    [InlineData("106年已完成", "不知道是哪一天")]
    [InlineData("106年5月1日邀集各部會", "看不出是期限、起始還是已完成")]
    public void Unreadable_text_is_refused_with_the_text_quoted(string text, string reason)
    {
        var refused = Assert.Throws<RocScheduleFormatException>(() => RocSchedule.Parse(text));

        Assert.Equal(text, refused.Text);
        Assert.Contains($"「{text}」", refused.Message, StringComparison.Ordinal);
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_unreadable_step_refuses_the_whole_text_and_names_the_step()
    {
        const string text = "106年8月底前；明年再議";

        var refused = Assert.Throws<RocScheduleFormatException>(() => RocSchedule.Parse(text));

        Assert.Contains($"「{text}」", refused.Message, StringComparison.Ordinal);
        Assert.Contains("「明年再議」", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Try_parse_reports_a_refusal_instead_of_throwing()
    {
        Assert.False(RocSchedule.TryParse("明年", null, out var schedule, out var error));
        Assert.Null(schedule);
        Assert.Contains("「明年」", error, StringComparison.Ordinal);

        Assert.True(RocSchedule.TryParse("106年8月底前", null, out schedule, out error));
        Assert.Null(error);
        Assert.Equal(EndOf("2017-08-31"), schedule!.Steps[0].Due);
    }
}
