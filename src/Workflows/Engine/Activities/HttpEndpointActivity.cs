using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Http;
using AntiDrugFlow.Workflows.Models;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>
/// Elsa.HttpEndpoint: a request to <c>/workflows/{path}</c>. As a definition's start activity it starts an
/// instance per matching request; inside a flow it waits for one. Its outputs are the request's parsed body,
/// route values, query string and headers (without cookies and credentials). Path, methods and access are read
/// as literals, since the host indexes them from the published definition before any instance exists.
/// </summary>
public sealed class HttpEndpointActivity : IActivity
{
    public static readonly Input<string> Path = new("path", IsRequired: true, DisplayName: "路徑", Description: "相對於 /workflows 的路徑，例如 orders/{id}");
    public static readonly Input<JsonArray> SupportedMethods = new("supportedMethods", DisplayName: "HTTP 方法", Description: "例如 [\"GET\",\"POST\"]；未設定時為 GET");
    public static readonly Input<bool> Authorize = new("authorize", DisplayName: "需要登入");
    public static readonly Input<string> Policy = new("policy", DisplayName: "授權原則");
    public static readonly Input<bool> AllowAnonymous = new("allowAnonymous", DisplayName: "允許匿名", Description: "true 時不需登入即可呼叫");

    public string TypeName => "Elsa.HttpEndpoint";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [Path, SupportedMethods, Authorize, Policy, AllowAnonymous];

    public bool CanWait => true;

    /// <summary>True for an endpoint marked as Elsa marks a trigger (<c>customProperties.canStartWorkflow</c>): requests start instances there.</summary>
    public static bool IsTrigger(ActivityNode node) =>
        node.Type == "Elsa.HttpEndpoint"
        && node.Json["customProperties"] is JsonObject properties
        && string.Equals(JsonValues.AsString(properties["canStartWorkflow"]), "true", StringComparison.OrdinalIgnoreCase);

    public void Validate(ActivityNode node, DefinitionValidationContext context)
    {
        // The template must be a literal the host can index; a bad one would never match.
        if (node.Input(Path.Name) is { Type: "Literal" } spec && !HttpRouteTemplate.TryParse(JsonValues.AsString(spec.Value), out _))
        {
            context.Error(DefinitionErrorKinds.HttpPathInvalid, spec.JsonPath, JsonValues.AsString(spec.Value) ?? string.Empty);
        }
    }

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var state = context.Instance.State;
        if (state.Trigger is { } trigger && JsonValues.AsString(trigger["activityId"]) == context.Node.Id)
        {
            state.Trigger = null;
            WriteOutputs(context, trigger["payload"]);
            return ValueTask.FromResult(ActivityOutcome.Done);
        }

        if (!HttpRouteTemplate.TryParse(context.Require(Path), out var template))
        {
            throw new ActivityFaultException(DefinitionErrorKinds.HttpPathInvalid, context.Where(Path), context.Require(Path));
        }

        context.CreateBookmark(BookmarkKind.Event, template.BookmarkName, context.Instance.CorrelationId);
        return ValueTask.FromResult(ActivityOutcome.Suspended);
    }

    public ValueTask<ActivityOutcome> ResumeAsync(ActivityExecutionContext context, Bookmark bookmark, JsonNode? input)
    {
        WriteOutputs(context, input);
        return ValueTask.FromResult(ActivityOutcome.Done);
    }

    private static void WriteOutputs(ActivityExecutionContext context, JsonNode? request)
    {
        context.SetOutput("parsedContent", request?["body"]);
        context.SetOutput("routeData", request?["routeValues"]);
        context.SetOutput("queryStringData", request?["query"]);
        context.SetOutput("headers", request?["headers"]);
        context.SetOutput("result", request);
    }
}
