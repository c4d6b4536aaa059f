using System.Globalization;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Runtime;

namespace AntiDrugFlow.Workflows.Activities;

/// <summary>
/// Elsa.WriteHttpResponse: the answer to the request that runs this step. The response is recorded in the step
/// (nothing is written outside its transaction); the host writes it once the step has committed. In a step no
/// request runs (a timer's) it is only journaled.
/// </summary>
public sealed class WriteHttpResponseActivity : IActivity
{
    // Text, since Elsa writes the status as a number (201) or as its name (Created).
    public static readonly Input<string> StatusCode = new("statusCode", DisplayName: "狀態碼", Description: "數字或名稱（201、Created），未設定時為 200");
    public static readonly Input<JsonNode> Content = new("content", DisplayName: "內容");
    public static readonly Input<string> ContentType = new("contentType", DisplayName: "內容類型");
    public static readonly Input<JsonObject> ResponseHeaders = new("responseHeaders", DisplayName: "回應標頭");

    public string TypeName => "Elsa.WriteHttpResponse";

    public IReadOnlyList<InputDescriptor> Inputs { get; } = [StatusCode, Content, ContentType, ResponseHeaders];

    public ValueTask<ActivityOutcome> ExecuteAsync(ActivityExecutionContext context)
    {
        var status = 200;
        if (context.Has(StatusCode))
        {
            var text = context.Get(StatusCode);
            status = int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number
                : Enum.TryParse<System.Net.HttpStatusCode>(text, ignoreCase: true, out var named) ? (int)named
                : 200;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in context.Get(ResponseHeaders) ?? [])
        {
            if (JsonValues.AsString(value) is { } text)
            {
                headers[name] = text;
            }
        }

        var content = context.Evaluate(Content)?.DeepClone();
        context.Step.HttpResponse = new HttpResponseRecord(status, content, context.Get(ContentType), headers);
        context.Journal("HttpResponse", status.ToString(CultureInfo.InvariantCulture));
        return ValueTask.FromResult(ActivityOutcome.Done);
    }
}
