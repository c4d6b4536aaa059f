using System.Text;
using System.Text.RegularExpressions;

namespace AntiDrugFlow.Workflows.Messages;

/// <summary>Refused message content: a value could carry personal data, or the kind is unknown. The message names the field, never the value.</summary>
public sealed class MessageContentException(string message) : Exception(message);

/// <summary>
/// The rules every outgoing message's values pass before they are written into a text (DOMAIN.md §5):
/// identifiers and links of a narrow ASCII shape, so a name cannot hide in them; free text (definition
/// and catalog phrases) without anything that looks like personal data; and every value on one line,
/// so a value cannot add lines of its own to a message.
/// </summary>
public static partial class MessageContent
{
    /// <summary>A case number (or an action-plan item id): ASCII letters, digits and hyphens, at most 40.</summary>
    public static string CaseNumber(string? value, string field = "案號")
    {
        if (value is null || value.Length is 0 or > 40 || !value.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            throw new MessageContentException($"{field}只能由英文字母、數字與連字號組成，最多 40 個字元");
        }

        return value;
    }

    /// <summary>A complete http(s) address of plain ASCII without percent escapes, so no text can travel in it.</summary>
    public static string Link(string? value)
    {
        if (value is null || !Uri.TryCreate(value, UriKind.Absolute, out var link) || link.Scheme is not ("http" or "https") || !value.All(c => char.IsAscii(c) && !char.IsControl(c)) || value.Contains('%', StringComparison.Ordinal))
        {
            throw new MessageContentException("連結必須是完整的 http 或 https 網址，且只含 ASCII 字元");
        }

        return value;
    }

    /// <summary>A phrase written by an administrator (a task name, a status line, catalog text): one line, nothing that looks like personal data.</summary>
    public static string Text(string? value, string field)
    {
        var text = Inline(value);
        if (LooksPersonal().IsMatch(text))
        {
            throw new MessageContentException($"{field}看似含有個人資料（姓名、身分證統一編號、電話、電子郵件或住址），不得寄出");
        }

        return text;
    }

    /// <summary>
    /// Whether free text looks like it carries personal data (a masked name, a labelled personal field, an ID, a phone
    /// number, an email address): the check messages pass, and that free text people type into a case passes too.
    /// </summary>
    public static bool LooksLikePersonalData(string? value) => !string.IsNullOrEmpty(value) && LooksPersonal().IsMatch(value);

    /// <summary>The value on one line: control characters (line breaks, tabs) become spaces.</summary>
    public static string Inline(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        var text = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            text.Append(char.IsControl(c) || c is '\u2028' or '\u2029' ? ' ' : c);
        }

        return text.ToString().Trim();
    }

    // A masked name (王○○), a labelled personal field, a national ID or resident certificate number, a phone number, an email address.
    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}○|(?:姓名|名字|生日|出生|身分證|身份證|住址|地址|電話|手機|班級|家長)\s*[:：]|(?<![A-Za-z0-9])[A-Za-z][1289A-Da-d]\d{8}(?!\d)|(?<!\d)09\d{2}[- ]?\d{3}[- ]?\d{3}(?!\d)|(?<!\d)0\d{1,2}[- ]\d{6,8}(?!\d)|[^\s@]+@[^\s@]+\.[A-Za-z]{2,}")]
    private static partial Regex LooksPersonal();
}
