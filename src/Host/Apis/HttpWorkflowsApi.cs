using System.Net.Mime;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Workflows.Expressions;
using AntiDrugFlow.Workflows.Http;
using AntiDrugFlow.Workflows.Messages;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Microsoft.AspNetCore.Authorization;

namespace AntiDrugFlow.Host.Apis;

/// <summary>
/// <c>/workflows/{path}</c>: requests to the Elsa.HttpEndpoint activities of published definitions. A start
/// endpoint starts an instance, an endpoint inside a flow resumes the instance waiting on it; either way the
/// instance runs to its first wait within the request and the response is the one its step recorded
/// (Elsa.WriteHttpResponse), else 202 with the instance id.
/// </summary>
public static class HttpWorkflowsApi
{
    /// <summary>A request naming the instance to resume carries its correlation id here (or as a route value correlationId).</summary>
    public const string CorrelationHeader = "X-Correlation-Id";

    private const int MaxBodyBytes = 1024 * 1024;

    // Credentials and cookies never reach a workflow's variables.
    private static readonly HashSet<string> HiddenHeaders = new(["Authorization", "Cookie", "Proxy-Authorization", "X-Api-Key"], StringComparer.OrdinalIgnoreCase);

    public static IEndpointRouteBuilder MapHttpWorkflows(this IEndpointRouteBuilder app)
    {
        app.Map("/workflows/{**path}", HandleAsync).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> HandleAsync(
        HttpContext http, string? path, HttpEndpointIndex index, WorkflowRuntime runtime, IAuthorizationService authorization, CancellationToken cancellationToken)
    {
        var matches = await index.MatchAsync(path ?? string.Empty, cancellationToken);
        if (matches.Count == 0)
        {
            return TypedResults.Problem(title: "找不到這個工作流程端點", detail: $"沒有發布中的工作流程在「/workflows/{path}」接收要求。", statusCode: StatusCodes.Status404NotFound);
        }

        var method = http.Request.Method.ToUpperInvariant();
        var match = matches.FirstOrDefault(m => m.Route.Methods.Contains(method));
        if (match is null)
        {
            http.Response.Headers.Allow = string.Join(", ", matches.SelectMany(m => m.Route.Methods).Distinct());
            return TypedResults.Problem(title: "不支援這個 HTTP 方法", detail: $"「/workflows/{path}」不接受 {method}。", statusCode: StatusCodes.Status405MethodNotAllowed);
        }

        var route = match.Route;
        if (!route.AllowAnonymous && !(await authorization.AuthorizeAsync(http.User, route.Policy ?? Policies.EngineAdministration)).Succeeded)
        {
            return http.User.Identity?.IsAuthenticated == true
                ? TypedResults.Problem(title: "沒有權限", detail: "您沒有呼叫這個工作流程端點的權限。", statusCode: StatusCodes.Status403Forbidden)
                : TypedResults.Problem(title: "需要登入", detail: "這個工作流程端點只接受已登入且有權限的使用者。", statusCode: StatusCodes.Status401Unauthorized);
        }

        var (body, bodyProblem) = await ReadBodyAsync(http.Request, cancellationToken);
        if (bodyProblem is not null)
        {
            return bodyProblem;
        }

        var request = new JsonObject
        {
            ["method"] = method,
            ["path"] = "/" + (path ?? string.Empty).Trim('/'),
            ["routeValues"] = new JsonObject(match.RouteValues.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))),
            ["query"] = new JsonObject(http.Request.Query.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value.ToString())))),
            ["headers"] = new JsonObject(http.Request.Headers.Where(h => !HiddenHeaders.Contains(h.Key)).Select(h => KeyValuePair.Create(h.Key, (JsonNode?)JsonValue.Create(h.Value.ToString())))),
            ["body"] = body,
        };
        var correlationId = http.Request.Headers[CorrelationHeader].FirstOrDefault() is { Length: > 0 } header ? header
            : match.RouteValues.TryGetValue("correlationId", out var fromRoute) ? fromRoute : null;

        if (route.StartsInstances)
        {
            var trigger = new JsonObject { ["activityId"] = route.ActivityId, ["payload"] = request };
            var started = await runtime.StartStepAsync(route.DefinitionId, null, correlationId, new StartOptions(Trigger: trigger), cancellationToken);
            return Answer(started.Instance, started.Step);
        }

        foreach (var bookmark in await runtime.Store.FindEventBookmarksAsync(route.Template.BookmarkName, correlationId, cancellationToken))
        {
            var (result, step) = await runtime.ResumeStepAsync(bookmark.InstanceId, bookmark.BookmarkId, request, cancellationToken);
            if (result == ResumeResult.Resumed && step is not null)
            {
                return Answer(step.Instance, step);
            }
        }

        return TypedResults.Problem(title: "沒有等待中的工作流程", detail: $"沒有工作流程實例在「/workflows/{path}」等待這個要求。", statusCode: StatusCodes.Status404NotFound);
    }

    private static IResult Answer(WorkflowInstance instance, ExecutionStep? step)
    {
        if (step?.HttpResponse is not { } response)
        {
            return TypedResults.Accepted((string?)null, new { workflowInstanceId = instance.Id, status = instance.Status.ToString() });
        }

        return new RecordedResponse(response);
    }

    private static async Task<(JsonNode? Body, IResult? Problem)> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is 0 || (request.ContentLength is null && !request.Headers.ContainsKey("Transfer-Encoding")))
        {
            return (null, null);
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, TypedResults.Problem(title: "內容太大", detail: $"要求內容不能超過 {MaxBodyBytes} 位元組。", statusCode: StatusCodes.Status413PayloadTooLarge));
        }

        if (request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(cancellationToken);
            }
            catch (InvalidDataException)
            {
                // The framework's reader refuses an escaped NUL (and malformed forms) outright.
                return (null, TypedResults.Problem(title: "表單內容有誤", detail: "表單內容無法讀取（例如含 NUL 字元 %00）。", statusCode: StatusCodes.Status400BadRequest));
            }

            return (new JsonObject(form.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value.ToString())))), null);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return (null, TypedResults.Problem(title: "內容太大", detail: $"要求內容不能超過 {MaxBodyBytes} 位元組。", statusCode: StatusCodes.Status413PayloadTooLarge));
            }

            buffer.Write(chunk, 0, read);
        }

        if (request.ContentType is { } type && type.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            // Text the database cannot store (the shared rule) would fail the instance's save: a 400 naming where, as on the API.
            if (Infrastructure.ApiRequestGuard.FirstInvalidText(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)) is var (path, problem))
            {
                return (null, TypedResults.ValidationProblem(new Dictionary<string, string[]> { [path] = ["文字" + problem] }, title: "請求內容有誤"));
            }

            try
            {
                return (buffer.Length == 0 ? null : JsonNode.Parse(buffer.ToArray()), null);
            }
            catch (JsonException)
            {
                return (null, TypedResults.Problem(title: "內容不是有效的 JSON", statusCode: StatusCodes.Status400BadRequest));
            }
        }

        var text = Encoding.UTF8.GetString(buffer.ToArray());
        if (TextRules.Problem(text, TextShape.Storable) is { } textProblem)
        {
            return (null, TypedResults.Problem(title: "請求內容有誤", detail: "要求內容" + textProblem, statusCode: StatusCodes.Status400BadRequest));
        }

        return (JsonValue.Create(text), null);
    }

    /// <summary>Writes what an Elsa.WriteHttpResponse recorded: text as it is, any other JSON as JSON.</summary>
    private sealed class RecordedResponse(HttpResponseRecord response) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var http = httpContext.Response;
            http.StatusCode = response.StatusCode;
            foreach (var (name, header) in response.Headers)
            {
                http.Headers[name] = header;
            }

            if (response.Content is null)
            {
                return;
            }

            var isText = response.Content is JsonValue value && value.GetValueKind() == JsonValueKind.String;
            http.ContentType = response.ContentType ?? (isText ? MediaTypeNames.Text.Plain + "; charset=utf-8" : MediaTypeNames.Application.Json + "; charset=utf-8");
            var text = isText ? JsonValues.AsString(response.Content)! : response.Content.ToJsonString();
            await http.WriteAsync(text, Encoding.UTF8, httpContext.RequestAborted);
        }
    }
}
