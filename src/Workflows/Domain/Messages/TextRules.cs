namespace AntiDrugFlow.Workflows.Messages;

/// <summary>How much of the control-character range a kind of text may hold.</summary>
public enum TextShape
{
    /// <summary>Any text the database can store: no NUL and no unpaired surrogate (a JSON body, a definition).</summary>
    Storable,

    /// <summary>A note or other free text: storable, and no control characters but line breaks and tabs.</summary>
    MultiLine,

    /// <summary>A name, a title, a display name: storable, and no control characters at all.</summary>
    SingleLine,
}

/// <summary>
/// The one rule for control characters in text people or systems send in: PostgreSQL stores no NUL character and UTF-8
/// no unpaired surrogate, so both are refused everywhere (else a 500); free text may also hold line breaks and tabs, a
/// one-line value nothing of the control range. The API's JSON guard, a task's note and an account's display name use it;
/// the messages are zh-TW and never quote the value.
/// </summary>
public static class TextRules
{
    /// <summary>Why <paramref name="text"/> may not be taken as <paramref name="shape"/>, in zh-TW; null when it may.</summary>
    public static string? Problem(string? text, TextShape shape)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return "不可含 NUL 字元（\\u0000）。";
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                return "不可含不成對的代理字元（無效的 Unicode 文字）。";
            }

            if (char.IsControl(c) && (shape == TextShape.SingleLine || (shape == TextShape.MultiLine && c is not ('\n' or '\r' or '\t'))))
            {
                return shape == TextShape.SingleLine ? "不可含換行、定位字元或其他控制字元。" : "不可含控制字元（換行與定位字元除外）。";
            }
        }

        return null;
    }

    public static bool Allows(string? text, TextShape shape) => Problem(text, shape) is null;
}
