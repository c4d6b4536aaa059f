using System.Text.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>Queues an HTTP request in the step's outbox; a content that is not text is sent as JSON.</summary>
public sealed class SendHttpRequestActivity : IActivity
{
    public static readonly Input<string> Url = new("url", IsRequired: true, DisplayName: "網址");

    public static readonly Input<string> Method = new("method", DisplayName: "方法", Description: "GET、POST 等，預設 GET");

    public static readonly Input<JsonNode> Content = new("content", DisplayName: "內容");

    public static readonly Input<string> ContentType = new("contentType", DisplayName: "內容類型");

    public static readonly Input<JsonObject> RequestHeaders = new("requestHeaders", DisplayName: "標頭");

    public string TypeName => "Elsa.SendHttpRequest";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [Url, Method, Content, ContentType, RequestHeaders];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var url = context.Require(Url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ActivityFaultException(FaultKinds.HttpAddressInvalid, context.Where(Url));
        }

        var content = context.Get(Content);
        context.Enqueue(OutboxKinds.Http, new JsonObject
        {
            ["url"] = uri.ToString(),
            ["method"] = (context.Get(Method) ?? "GET").ToUpperInvariant(),
            ["content"] = content is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : content?.ToJsonString(),
            ["contentType"] = context.Get(ContentType) ?? (content is null ? null : "application/json"),
            ["headers"] = context.Get(RequestHeaders),
        });
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}
