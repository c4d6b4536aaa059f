using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>Publishes an event through the outbox, so waiting instances resume only once this step has committed.</summary>
public sealed class PublishEventActivity : IActivity
{
    public static readonly Input<string> EventName = new("eventName", IsRequired: true, DisplayName: "事件名稱");

    public static readonly Input<string> CorrelationId = new("correlationId", DisplayName: "關聯代碼");

    public static readonly Input<JsonNode> Payload = new("payload", DisplayName: "內容");

    public string TypeName => "Elsa.PublishEvent";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [EventName, CorrelationId, Payload];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        context.Enqueue(OutboxKinds.Event, new JsonObject
        {
            ["eventName"] = context.Require(EventName),
            ["correlationId"] = context.Get(CorrelationId),
            ["payload"] = context.Get(Payload),
        });
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}
