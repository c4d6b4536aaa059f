using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AntiDrugFlow.Workflows.Definitions;

/// <summary>
/// Says in zh-TW why System.Text.Json refused a text and where: the line, and the character in it
/// (the parser counts bytes, which is not where a reader looks in a line of Chinese).
/// </summary>
public static partial class JsonSyntaxErrors
{
    private static readonly (Regex Pattern, string Reason)[] Reasons =
    [
        (DepthNotZero(), "物件或陣列沒有結束（缺少「}」或「]」）"),
        (StringNotEnded(), "字串沒有結束（缺少右邊的雙引號）"),
        (TrailingComma(), "最後一個項目後面多了逗號"),
        (InvalidStartOfValue(), "「{0}」不能當作值的開頭"),
        (InvalidAfterValue(), "值的後面出現「{0}」，應為「,」、「}」或「]」"),
        (InvalidStartOfPropertyName(), "「{0}」不能當作屬性名稱的開頭（屬性名稱要加雙引號）"),
        (InvalidAfterPropertyName(), "屬性名稱後面應為「:」，卻是「{0}」"),
        (EndOfDataWhereValueExpected(), "內容在需要值的地方就結束了"),
        (NoTokens(), "內容是空的，沒有任何 JSON"),
        (AfterSingleValue(), "JSON 值結束之後還有多餘的「{0}」"),
        (InvalidLiteral(), "「{0}」不是有效的 JSON 常值（應為 true、false 或 null）"),
        (UnescapedInString(), "字串中有未跳脫的字元「{0}」"),
        (InvalidEscape(), "字串中的跳脫字元「\\{0}」無效"),
        (InvalidNumber(), "數字格式有誤（「{0}」）"),
    ];

    /// <summary>The error for text that is not JSON, at <paramref name="path"/> (the whole document: <c>$</c>).</summary>
    public static DefinitionError At(string path, string text, JsonException exception)
    {
        var line = exception.LineNumber ?? 0;
        var column = Column(text, line, exception.BytePositionInLine ?? 0);
        return DefinitionErrorKinds.MalformedJson.At(
            path,
            (line + 1).ToString(CultureInfo.InvariantCulture),
            column.ToString(CultureInfo.InvariantCulture),
            Reason(exception));
    }

    /// <summary>The parser's reason in zh-TW; one it has no words for is quoted as the parser gave it.</summary>
    public static string Reason(JsonException exception)
    {
        var reason = FirstSentences(exception.Message);
        foreach (var (pattern, text) in Reasons)
        {
            if (pattern.Match(reason) is { Success: true } match)
            {
                return text.Replace("{0}", match.Groups.Count > 1 ? match.Groups[1].Value : string.Empty, StringComparison.Ordinal);
            }
        }

        return $"解析器的說明：{reason}";
    }

    /// <summary>One-based character position of a zero-based byte position in a zero-based line.</summary>
    private static long Column(string text, long line, long bytePosition)
    {
        var lines = text.Split('\n');
        if (line >= lines.Length)
        {
            return bytePosition + 1;
        }

        var bytes = Encoding.UTF8.GetBytes(lines[line]);
        return Encoding.UTF8.GetCharCount(bytes, 0, (int)Math.Min(bytePosition, bytes.Length)) + 1;
    }

    private static string FirstSentences(string message)
    {
        // The parser appends its own position ("LineNumber: 0 | BytePositionInLine: 9"); ours is said already.
        var cuts = new[] { message.IndexOf(" Path:", StringComparison.Ordinal), message.IndexOf(" LineNumber:", StringComparison.Ordinal) }.Where(i => i > 0).ToList();
        return (cuts.Count > 0 ? message[..cuts.Min()] : message).Trim();
    }

    [GeneratedRegex("^Expected depth to be zero at the end of the JSON payload")]
    private static partial Regex DepthNotZero();

    [GeneratedRegex("^Expected end of string, but instead reached end of data")]
    private static partial Regex StringNotEnded();

    [GeneratedRegex("^The JSON (?:object|array) contains a trailing comma")]
    private static partial Regex TrailingComma();

    [GeneratedRegex("^'(.+?)' is an invalid start of a value")]
    private static partial Regex InvalidStartOfValue();

    [GeneratedRegex("^'(.+?)' is invalid after a value")]
    private static partial Regex InvalidAfterValue();

    [GeneratedRegex("^'(.+?)' is an invalid start of a property name")]
    private static partial Regex InvalidStartOfPropertyName();

    [GeneratedRegex("^'(.+?)' is invalid after a property name")]
    private static partial Regex InvalidAfterPropertyName();

    [GeneratedRegex("^Expected (?:a value|start of a property name or value|a digit.*), but instead reached end of data")]
    private static partial Regex EndOfDataWhereValueExpected();

    [GeneratedRegex("^The input does not contain any (?:complete )?JSON tokens")]
    private static partial Regex NoTokens();

    [GeneratedRegex("^'(.+?)' is invalid after a single JSON value")]
    private static partial Regex AfterSingleValue();

    [GeneratedRegex("^'(.+?)' is an invalid JSON literal")]
    private static partial Regex InvalidLiteral();

    [GeneratedRegex("^'(.+?)' is invalid within a JSON string")]
    private static partial Regex UnescapedInString();

    [GeneratedRegex("^'(.+?)' is an invalid escapable character within a JSON string")]
    private static partial Regex InvalidEscape();

    [GeneratedRegex("^'(.+?)' is (?:an invalid end of a number|invalid within a number)")]
    private static partial Regex InvalidNumber();
}
