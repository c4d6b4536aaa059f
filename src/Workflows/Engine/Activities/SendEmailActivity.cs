using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>Queues an email in the step's outbox; an address list is a JSON array or text split at commas and semicolons.</summary>
public sealed class SendEmailActivity : IActivity
{
    public static readonly Input<JsonNode> To = new("to", IsRequired: true, DisplayName: "收件人");

    public static readonly Input<string> From = new("from", DisplayName: "寄件人");

    public static readonly Input<JsonNode> Cc = new("cc", DisplayName: "副本");

    public static readonly Input<JsonNode> Bcc = new("bcc", DisplayName: "密件副本");

    public static readonly Input<string> Subject = new("subject", DisplayName: "主旨");

    public static readonly Input<string> Body = new("body", DisplayName: "內文");

    public string TypeName => "Elsa.SendEmail";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [To, From, Cc, Bcc, Subject, Body];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var to = Addresses(context.Get(To));
        if (to.Count == 0)
        {
            throw new ActivityFaultException(FaultKinds.EmailNoRecipient, context.Where(To));
        }

        context.Enqueue(OutboxKinds.Email, new JsonObject
        {
            ["from"] = context.Get(From),
            ["to"] = new JsonArray([.. to.Select(a => JsonValue.Create(a))]),
            ["cc"] = new JsonArray([.. Addresses(context.Get(Cc)).Select(a => JsonValue.Create(a))]),
            ["bcc"] = new JsonArray([.. Addresses(context.Get(Bcc)).Select(a => JsonValue.Create(a))]),
            ["subject"] = context.Get(Subject) ?? string.Empty,
            ["body"] = context.Get(Body) ?? string.Empty,
        });
        return ValueTask.FromResult(ActivityOutcome.Done);
    }

    private static List<string> Addresses(JsonNode? value) => value switch
    {
        null => [],
        JsonArray array => [.. array.Select(JsonValues.AsString).OfType<string>().Where(a => a.Length > 0)],
        _ => [.. (JsonValues.AsString(value) ?? string.Empty).Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
    };
}
