namespace AntiDrugFlow.Workflows.Calendar;

/// <summary>A date typed by a user that <see cref="RocDate.Parse"/> will not read; the message quotes it.</summary>
public sealed class RocDateFormatException : FormatException
{
    public RocDateFormatException(string text, string reason)
        : base($"無法解讀日期「{text}」：{reason}")
    {
        Text = text;
        Reason = reason;
    }

    /// <summary>The text as typed.</summary>
    public string Text { get; }

    /// <summary>Why it was refused, without the quoted text.</summary>
    public string Reason { get; }
}
