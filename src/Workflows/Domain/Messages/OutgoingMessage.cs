using System.Text.Json.Nodes;

namespace AntiDrugFlow.Workflows.Messages;

/// <summary>A rendered message: its kind, a one-line subject and a plain-text body.</summary>
public sealed record OutgoingMessage(string Kind, string Subject, string Body)
{
    /// <summary>The outbox's email payload (what the email channel sends), naming its kind so it can be told apart without reading its text.</summary>
    public JsonObject ToEmail(IReadOnlyList<string> to) => EmailPayload(to, Subject, Body, Kind);

    public static JsonObject EmailPayload(IReadOnlyList<string> to, string subject, string body, string? messageKind = null)
    {
        var payload = new JsonObject
        {
            ["to"] = new JsonArray([.. to.Select(a => JsonValue.Create(a))]),
            ["cc"] = new JsonArray(),
            ["bcc"] = new JsonArray(),
            ["subject"] = subject,
            ["body"] = body,
        };
        if (messageKind is not null)
        {
            payload[MessageKindField] = messageKind;
        }

        return payload;
    }

    /// <summary>The payload field holding a <see cref="MessageKinds"/> code.</summary>
    public const string MessageKindField = "messageKind";
}

/// <summary>One case's line in a notice: everything a notice may say about it.</summary>
/// <param name="CaseNumber">The system's case number (ASCII letters, digits and hyphens only).</param>
/// <param name="Task">A code of <see cref="NoticeTasks"/>.</param>
/// <param name="Link">Where to open the case in the system (an ASCII http(s) address).</param>
public sealed record NoticeItem(string CaseNumber, string Task, DateTimeOffset Deadline, string Link)
{
    /// <summary>Throws <see cref="MessageContentException"/> for anything a notice may not carry.</summary>
    public void Check()
    {
        MessageContent.CaseNumber(CaseNumber);
        MessageContent.Link(Link);
        NoticeTasks.Phrase(Task);
    }
}
