using System.Text.Json;
using AntiDrugFlow.Workflows.Messages;
using Microsoft.AspNetCore.Mvc;

namespace AntiDrugFlow.Host.Infrastructure;

/// <summary>
/// What every state-changing call of the API must be before an endpoint sees it, so another site cannot make a signed-in
/// browser act (CSRF beyond SameSite) and text PostgreSQL cannot store never becomes a 500:
/// <list type="bullet">
/// <item>an <c>Origin</c> header, when present, names this site (or, on /elsa/api, an origin of <c>ElsaApi:Cors:Origins</c>): else 403;</item>
/// <item>a body is JSON (<c>application/json</c> or <c>+json</c>): else 415. A browser form can post text/plain or a form
/// across sites without a preflight, never JSON. The directory upload (multipart) and agency callbacks (signed, not cookie
/// sessions, checked before their body is read) are the exceptions;</item>
/// <item>on <c>/workflows/*</c> (workflows' HTTP endpoints, which may take any content type and calls from other systems)
/// only the Origin rule, and only for a call carrying the session cookie;</item>
/// <item>no string of a JSON body holds a NUL character or an unpaired surrogate (<see cref="TextRules"/>, the rule notes and
/// display names share): else 400 naming where.</item>
/// </list>
/// </summary>
public static class ApiRequestGuard
{
    /// <summary>
    /// Bodies up to this size are scanned for text PostgreSQL cannot store. Only the definition endpoints take larger bodies
    /// (a 50,000-activity definition); they are for administrators, and scanning them here would mean buffering a large
    /// body of any anonymous caller before authentication.
    /// </summary>
    private const long MaxScannedBytes = 8 * 1024 * 1024;

    /// <summary>The pages' and the API's session cookie.</summary>
    private const string SessionCookie = "AntiDrugFlow.Session";

    public static WebApplication UseApiRequestGuard(this WebApplication app)
    {
        var elsaOrigins = app.Configuration.GetSection("ElsaApi:Cors:Origins").Get<string[]>() ?? [];
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            var elsa = request.Path.StartsWithSegments("/elsa/api");
            var readOnly = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method);
            if (!readOnly && request.Path.StartsWithSegments("/workflows"))
            {
                // A workflow's HTTP endpoint may take any content type and calls from other systems; a call riding on a
                // signed-in browser's session cookie must come from this site, as on the API.
                if (request.Cookies.ContainsKey(SessionCookie) && request.Headers.Origin.FirstOrDefault() is { Length: > 0 } workflowOrigin && !SameOrigin(request, workflowOrigin))
                {
                    await WriteAsync(context, StatusCodes.Status403Forbidden, "來源網站不符", $"不接受來自其他網站（{workflowOrigin}）且帶有登入工作階段的請求。");
                    return;
                }

                await next(context);
                return;
            }

            if (!(elsa || request.Path.StartsWithSegments("/api")) || readOnly)
            {
                await next(context);
                return;
            }

            if (request.Headers.Origin.FirstOrDefault() is { Length: > 0 } origin && !SameOrigin(request, origin) && !(elsa && elsaOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase)))
            {
                await WriteAsync(context, StatusCodes.Status403Forbidden, "來源網站不符", $"不接受來自其他網站（{origin}）的請求。");
                return;
            }

            var callback = request.Path.StartsWithSegments("/api/agency-callbacks");
            var upload = request.Path.StartsWithSegments("/api/agencies/import") && request.HasFormContentType;
            if (HasBody(request) && !callback && !upload)
            {
                if (!IsJson(request.ContentType))
                {
                    await WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "不支援的內容格式", "請求內容須為 JSON（Content-Type: application/json）。");
                    return;
                }

                if (request.ContentLength is null or <= MaxScannedBytes)
                {
                    request.EnableBuffering();
                    var body = new MemoryStream();
                    // A body without a length is read no further than the limit: what lies beyond is left to the endpoint.
                    var whole = await CopyAtMostAsync(request.Body, body, MaxScannedBytes, context.RequestAborted);
                    request.Body.Position = 0;
                    if (whole && FirstInvalidText(body.GetBuffer().AsSpan(0, (int)body.Length)) is var (path, problem))
                    {
                        context.Response.StatusCode = StatusCodes.Status400BadRequest;
                        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                        {
                            HttpContext = context,
                            ProblemDetails = new ValidationProblemDetails(new Dictionary<string, string[]> { [path] = ["文字" + problem] })
                            {
                                Status = StatusCodes.Status400BadRequest,
                                Title = "請求內容有誤",
                            },
                        });
                        return;
                    }
                }
            }

            await next(context);
        });
        return app;
    }

    /// <summary>
    /// The JSON path of the first string (value or property name) the database cannot store (<see cref="TextShape.Storable"/>:
    /// a NUL character or an unpaired surrogate); null when there is none or the body is not well-formed JSON (the endpoint
    /// answers that itself).
    /// </summary>
    public static string? InvalidText(ReadOnlySpan<byte> json) => FirstInvalidText(json)?.Path;

    /// <summary>As <see cref="InvalidText"/>, with the shared rule's reason (zh-TW).</summary>
    public static (string Path, string Problem)? FirstInvalidText(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var path = new List<object>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        var (name, nameProblem) = Text(ref reader);
                        if (nameProblem is not null)
                        {
                            return (Path(path[..^1]) + ".<name>", nameProblem);
                        }

                        path[^1] = name!;
                        continue;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        Advance(path);
                        path.Add(reader.TokenType == JsonTokenType.StartArray ? -1 : string.Empty);
                        continue;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        path.RemoveAt(path.Count - 1);
                        continue;
                    case JsonTokenType.String:
                        Advance(path);
                        if (Text(ref reader).Problem is { } problem)
                        {
                            return (Path(path), problem);
                        }

                        continue;
                    default:
                        Advance(path);
                        continue;
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return null;
    }

    /// <summary>The token's text, or why the shared rule refuses it (only an escape can write a NUL or a lone surrogate in JSON).</summary>
    private static (string? Text, string? Problem) Text(ref Utf8JsonReader reader)
    {
        try
        {
            var text = reader.GetString()!;
            return (text, TextRules.Problem(text, TextShape.Storable));
        }
        catch (InvalidOperationException)
        {
            // The reader refuses to decode an unpaired surrogate escape: the rule's own reason for one.
            return (null, TextRules.Problem("\uD800", TextShape.Storable));
        }
    }

    /// <summary>Copies up to <paramref name="limit"/> bytes; false when the source holds more.</summary>
    private static async Task<bool> CopyAtMostAsync(Stream source, MemoryStream target, long limit, CancellationToken cancellationToken)
    {
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await source.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (target.Length + read > limit)
            {
                return false;
            }

            target.Write(chunk, 0, read);
        }

        return true;
    }

    private static void Advance(List<object> path)
    {
        if (path.Count > 0 && path[^1] is int index)
        {
            path[^1] = index + 1;
        }
    }

    private static string Path(List<object> path) =>
        "$" + string.Concat(path.Select(p => p is int i ? $"[{i}]" : $".{p}"));

    private static bool SameOrigin(HttpRequest request, string origin) =>
        string.Equals(origin, $"{request.Scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase);

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    private static bool IsJson(string? contentType) =>
        contentType is not null && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var type) &&
        (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.MediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private static ValueTask WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
