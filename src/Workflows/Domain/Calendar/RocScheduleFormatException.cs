namespace AntiDrugFlow.Workflows.Calendar;

/// <summary>A 辦理期程 text the parser will not read: it refuses rather than guess a date.</summary>
public sealed class RocScheduleFormatException : FormatException
{
    public RocScheduleFormatException(string text, string reason)
        : base($"無法解讀辦理期程「{text}」：{reason}")
    {
        Text = text;
        Reason = reason;
    }

    /// <summary>The whole text that was refused, as given.</summary>
    public string Text { get; }

    /// <summary>Why it was refused, without the quoted text.</summary>
    public string Reason { get; }
}
