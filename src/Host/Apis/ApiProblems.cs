using System.Text.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Cases;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Messages;
using AntiDrugFlow.Workflows.Milestones;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AntiDrugFlow.Host.Apis;

/// <summary>
/// Turns the project's own refusals into RFC 9457 problem details naming what and where, so bad input never becomes a 500; any
/// other exception is a server fault: a 500 whose problem details reveal nothing of it, logged by type and stack without its
/// message (messages may quote what a person typed, a minor's data among it). A framework <see cref="ArgumentException"/> is
/// such a fault too: input is refused at the API boundary, by the endpoints and the project's exceptions, never by an
/// argument check deep inside.
/// </summary>
public sealed partial class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, errors) = exception switch
        {
            DefinitionValidationException v => (StatusCodes.Status400BadRequest, "工作流程定義有誤", ApiProblems.ErrorMap(v.Errors)),
            CaseRequestException c => (StatusCodes.Status400BadRequest, "請求內容有誤", ApiProblems.FieldMap(c.Field, c.Message)),
            MilestoneRequestException m => (StatusCodes.Status400BadRequest, "請求內容有誤", ApiProblems.FieldMap(m.Field, m.Reason)),
            CaseForbiddenException => (StatusCodes.Status403Forbidden, "沒有權限", null),
            CaseConflictException => (StatusCodes.Status409Conflict, "與目前狀態衝突", null),
            CaseUnavailableException => (StatusCodes.Status503ServiceUnavailable, "通報流程暫停受理", null),
            KeyNotFoundException => (StatusCodes.Status404NotFound, "找不到資料", null),
            UnauthorizedAccessException => (StatusCodes.Status401Unauthorized, "需要登入", null),
            // The framework's own refusal of a request it could not bind or read (a malformed body, a missing or unparsable
            // parameter): input parsing at the boundary, with its own status (400, 413, ...).
            BadHttpRequestException b => (b.StatusCode, "請求內容有誤", null),
            _ => (0, null, null),
        };
        if (status == 0)
        {
            return await ServerFaultAsync(httpContext, exception);
        }

        httpContext.Response.StatusCode = status;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = exception.Message };
        if (errors is not null)
        {
            problem.Extensions["errors"] = errors;
        }

        switch (exception)
        {
            case DefinitionValidationException invalid:
                // The exception's own message is English codes for logs; the client reads zh-TW and gets each error's code.
                problem.Detail = $"工作流程定義有 {invalid.Errors.Count} 個錯誤。";
                problem.Extensions[ApiProblems.ValidationErrors] = invalid.Errors;
                break;
            case MilestoneRequestException milestone:
                problem.Detail = milestone.Reason;
                break;
            case BadHttpRequestException:
                // The framework's message is English and may quote the request; the status says enough.
                problem.Detail = "無法讀取請求：請檢查參數與請求內容的格式。";
                break;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>A server fault: logged by type and stack (never the message), answered with a 500 that says only where to look.</summary>
    private async ValueTask<bool> ServerFaultAsync(HttpContext httpContext, Exception exception)
    {
        // The trace id the problem details give the client (their traceId), so an operator finds this line by it.
        var traceId = System.Diagnostics.Activity.Current?.Id ?? httpContext.TraceIdentifier;
        LogServerFault(logger, httpContext.Request.Method, (httpContext.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no endpoint)", traceId, Describe(exception));
        httpContext.Response.StatusCode = StatusCodes.Status500InternalServerError;
        // Handled even when the client accepts no problem details (an empty 500 then): it is logged above, and a fault left
        // to the framework would be logged again with its message.
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "系統發生錯誤",
                Detail = "伺服器處理這個請求時發生錯誤，已記錄下來；請稍後再試，或將追蹤代碼告知系統管理者。",
            },
        });
        return true;
    }

    /// <summary>Each exception of the chain by type and stack; messages are left out, as they may quote personal data.</summary>
    internal static string Describe(Exception exception)
    {
        var text = new System.Text.StringBuilder();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            text.Append(text.Length == 0 ? string.Empty : "\n ---> ").Append(e.GetType().FullName);
            if (e is Npgsql.PostgresException postgres)
            {
                // The SQL state and the constraint say what failed; the detail would quote the row.
                text.Append(" (SQLSTATE ").Append(postgres.SqlState).Append(postgres.ConstraintName is { } c ? ", constraint " + c : string.Empty).Append(')');
            }

            if (e.StackTrace is { } stack)
            {
                text.Append('\n').Append(stack);
            }
        }

        return text.ToString();
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Error, Message = "Unhandled exception answering {Method} {Route} (trace {TraceId}): {Exception}")]
    private static partial void LogServerFault(ILogger logger, string method, string route, string traceId, string exception);
}

public static class ApiProblems
{
    /// <summary>The problem details' list of definition errors, each with its path, code and zh-TW message.</summary>
    public const string ValidationErrors = "validationErrors";

    public static Dictionary<string, string[]> ErrorMap(IEnumerable<DefinitionError> errors) =>
        errors.GroupBy(e => e.Path).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());

    /// <summary>A 400 whose <c>errors</c> map paths to zh-TW messages, as ASP.NET Core's validation problems do, and whose <c>validationErrors</c> adds each error's code.</summary>
    public static ValidationProblem Invalid(IReadOnlyList<DefinitionError> errors, string title = "工作流程定義有誤") =>
        TypedResults.ValidationProblem(ErrorMap(errors), title: title, extensions: new Dictionary<string, object?> { [ValidationErrors] = errors });

    public static ValidationProblem Field(string field, string message) =>
        TypedResults.ValidationProblem(FieldMap(field, message), title: "請求內容有誤");

    public static Dictionary<string, string[]> FieldMap(string field, string message) => new() { [field] = [message] };

    /// <summary>
    /// A filter by case number (what people have; TIP-115-000001) turned into the case id the stores keep. Without a number the
    /// given id stands; an unknown number, or one naming another case than the id given as <paramref name="idParameter"/>, is a
    /// validation error on caseNumber.
    /// </summary>
    public static async Task<(string? CaseId, ValidationProblem? Problem)> CaseIdOfNumberAsync(
        PostgresCaseStore cases, string? caseNumber, string? caseId, string idParameter, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(caseNumber))
        {
            return (caseId, null);
        }

        var number = caseNumber.Trim();
        var numbered = await cases.IdOfNumberAsync(number, cancellationToken);
        if (numbered is null)
        {
            return (null, Field("caseNumber", $"案件編號「{number}」不存在。"));
        }

        return caseId is not null && caseId != numbered
            ? (null, Field("caseNumber", $"案件編號「{number}」與 {idParameter}「{caseId}」不是同一件案件；請只填其中一個。"))
            : (numbered, null);
    }

    /// <summary>Reads the body as a JSON object; a malformed body becomes a validation error that says where.</summary>
    public static async Task<(JsonObject? Body, ValidationProblem? Problem)> ReadObjectAsync(HttpRequest request, bool required, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(text))
        {
            return required ? (null, Field("$", "請求內容是空的：需要一個 JSON 物件。")) : ([], null);
        }

        var (document, errors) = DefinitionReader.ParseObject(text);
        if (document is null)
        {
            return (null, Invalid(errors, "請求內容有誤"));
        }

        // The API's guard scans bodies up to 8 MB before authentication; a larger one (a big definition, for administrators) is
        // checked here, after it, by the same rule, so text the database cannot store is a 400 and never a failed save.
        return FirstInvalidText(document, "$") is var (path, problem) ? (null, Field(path, "文字" + problem)) : (document, null);
    }

    /// <summary>The path of the first property name or string value the shared text rule refuses as <see cref="TextShape.Storable"/>.</summary>
    public static (string Path, string Problem)? FirstInvalidText(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    if (TextRules.Problem(name, TextShape.Storable) is { } nameProblem)
                    {
                        return (path + ".<name>", nameProblem);
                    }

                    if (FirstInvalidText(value, $"{path}.{name}") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (FirstInvalidText(array[i], $"{path}[{i}]") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                return TextRules.Problem(value.GetValue<string>(), TextShape.Storable) is { } problem ? (path, problem) : null;
            default:
                return null;
        }
    }
}
