using System.Text;

namespace AntiDrugFlow.Workflows.Agencies;

/// <summary>One CSV record and the line it starts on (a quoted field may span lines).</summary>
internal sealed record CsvRecord(int Line, IReadOnlyList<string> Fields);

internal sealed class CsvFormatException(int line, string problem) : Exception(problem)
{
    public int Line { get; } = line;
}

/// <summary>
/// Reads RFC 4180 CSV: comma separated, fields optionally in double quotes, a doubled quote
/// inside quotes stands for one, quoted fields may hold commas and line breaks. The package
/// source has no CSV library, and the directory files need nothing more.
/// </summary>
internal static class CsvRecordReader
{
    public static IEnumerable<CsvRecord> Read(string text)
    {
        var position = 0;
        var line = 1;
        while (position < text.Length)
        {
            var startLine = line;
            var fields = ReadRecord(text, ref position, ref line, startLine);
            // A blank line is no record; it would otherwise read as one empty field.
            if (fields.Count == 1 && fields[0].Length == 0)
            {
                continue;
            }
            yield return new CsvRecord(startLine, fields);
        }
    }

    private static List<string> ReadRecord(string text, ref int position, ref int line, int startLine)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        while (true)
        {
            field.Clear();
            if (position < text.Length && text[position] == '"')
            {
                position++;
                while (true)
                {
                    if (position >= text.Length)
                    {
                        throw new CsvFormatException(startLine, "引號欄位沒有結束引號。");
                    }
                    var c = text[position++];
                    if (c == '"')
                    {
                        if (position < text.Length && text[position] == '"')
                        {
                            field.Append('"');
                            position++;
                            continue;
                        }
                        break;
                    }
                    // Line breaks inside a field read as \n whatever the file used, so the same
                    // data saved on another system compares equal.
                    if (c == '\r')
                    {
                        if (position < text.Length && text[position] == '\n')
                        {
                            continue;
                        }
                        c = '\n';
                    }
                    if (c == '\n')
                    {
                        line++;
                    }
                    field.Append(c);
                }
                if (position < text.Length && text[position] is not (',' or '\r' or '\n'))
                {
                    throw new CsvFormatException(line, $"第 {fields.Count + 1} 欄的結束引號後還有字元。");
                }
            }
            else
            {
                while (position < text.Length && text[position] is not (',' or '\r' or '\n'))
                {
                    if (text[position] == '"')
                    {
                        throw new CsvFormatException(line, $"第 {fields.Count + 1} 欄未加引號卻含有引號；含引號的欄位須整欄以引號包住，內部引號寫成兩個。");
                    }
                    field.Append(text[position++]);
                }
            }
            fields.Add(field.ToString());

            if (position >= text.Length)
            {
                return fields;
            }
            var separator = text[position++];
            if (separator == ',')
            {
                continue;
            }
            if (separator == '\r' && position < text.Length && text[position] == '\n')
            {
                position++;
            }
            line++;
            return fields;
        }
    }
}
