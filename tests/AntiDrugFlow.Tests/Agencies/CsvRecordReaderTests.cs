using AntiDrugFlow.Workflows.Agencies;
using Xunit;

namespace AntiDrugFlow.Tests.Agencies;

public sealed class CsvRecordReaderTests
{
    [Fact]
    public void Quoted_fields_keep_commas_doubled_quotes_and_line_breaks()
    {
        var records = CsvRecordReader.Read("a,\"b, c\",\"say \"\"hi\"\"\"\r\n\"two\r\nlines\",,x\r\n").ToList();

        Assert.Equal(2, records.Count);
        Assert.Equal(["a", "b, c", "say \"hi\""], records[0].Fields);
        Assert.Equal(["two\nlines", "", "x"], records[1].Fields);
    }

    [Fact]
    public void Each_record_carries_the_line_it_starts_on_and_blank_lines_are_skipped()
    {
        var records = CsvRecordReader.Read("h1,h2\n\n\"x\ny\",1\nlast,2").ToList();

        Assert.Equal([1, 3, 5], records.Select(r => r.Line));
        Assert.Equal(["last", "2"], records[2].Fields);
    }

    [Fact]
    public void Empty_fields_at_the_end_of_a_line_are_kept()
    {
        Assert.Equal(["a", "", ""], CsvRecordReader.Read("a,,\n").Single().Fields);
    }

    [Fact]
    public void Unterminated_quote_is_reported_at_the_line_where_its_record_starts()
    {
        var error = Assert.Throws<CsvFormatException>(() => CsvRecordReader.Read("h\nok\n\"never\nclosed\n").ToList());

        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Text_after_a_closing_quote_is_refused()
    {
        var error = Assert.Throws<CsvFormatException>(() => CsvRecordReader.Read("h\n\"a\"b,c\n").ToList());

        Assert.Equal(2, error.Line);
    }
}
