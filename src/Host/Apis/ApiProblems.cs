using System.Text.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Cases;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Messages;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AntiDrugFlow.Host.Apis;

/// <summary>Turns the engine's exceptions into RFC 9457 problem details, so bad input never becomes a 500.</summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, errors) = exception switch
        {
            DefinitionValidationException v => (StatusCodes.Status400BadRequest, "工作流程定義有誤", ApiProblems.ErrorMap(v.Errors)),
            CaseRequestException c => (StatusCodes.Status400BadRequest, "請求內容有誤", new Dictionary<string, string[]> { [c.Field] = [c.Message] }),
            CaseForbiddenException => (StatusCodes.Status403Forbidden, "沒有權限", null),
            CaseConflictException => (StatusCodes.Status409Conflict, "與目前狀態衝突", null),
            CaseUnavailableException => (StatusCodes.Status503ServiceUnavailable, "通報流程暫停受理", null),
            KeyNotFoundException => (StatusCodes.Status404NotFound, "找不到資料", null),
            UnauthorizedAccessException => (StatusCodes.Status401Unauthorized, "需要登入", null),
            ArgumentException or JsonException or BadHttpRequestException => (StatusCodes.Status400BadRequest, "請求內容有誤", null),
            _ => (0, null, null),
        };
        if (status == 0)
        {
            return false;
        }

        httpContext.Response.StatusCode = status;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = exception.Message };
        if (errors is not null)
        {
            problem.Extensions["errors"] = errors;
        }

        if (exception is DefinitionValidationException invalid)
        {
            // The exception's own message is English codes for logs; the client reads zh-TW and gets each error's code.
            problem.Detail = $"工作流程定義有 {invalid.Errors.Count} 個錯誤。";
            problem.Extensions[ApiProblems.ValidationErrors] = invalid.Errors;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }
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
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "請求內容有誤");

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
