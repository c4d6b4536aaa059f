using AntiDrugFlow.Integrations.AgencySystems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AntiDrugFlow.Host.Apis;

public sealed record CallbackAccepted(string Status, string Detail, IReadOnlyList<string> ResumedInstances);

/// <summary>POST /api/agency-callbacks/{agencyId}: signed callbacks from agency systems that resume workflows.</summary>
public static class AgencyCallbacksApi
{
    public static IEndpointRouteBuilder MapAgencyCallbacksApi(this IEndpointRouteBuilder app)
    {
        // An agency system proves itself with its signature, not with a user's session.
        app.MapPost("/api/agency-callbacks/{agencyId}", ReceiveAsync).WithTags("Agency systems").AllowAnonymous();
        return app;
    }

    private static async Task<Results<Ok<CallbackAccepted>, ProblemHttpResult>> ReceiveAsync(string agencyId, HttpRequest request, AgencyCallbackReceiver receiver, CancellationToken cancellationToken)
    {
        var timestamp = request.Headers[AgencySignature.TimestampHeader].FirstOrDefault();
        var signature = request.Headers[AgencySignature.SignatureHeader].FirstOrDefault();
        var idempotencyKey = request.Headers[AgencySignature.IdempotencyKeyHeader].FirstOrDefault();

        // Anonymous callers cost nothing: the headers are checked before a byte of the body is read,
        // and no more than a callback's worth is ever read.
        var result = await receiver.CheckHeadersAsync(agencyId, timestamp, signature, idempotencyKey, cancellationToken);
        if (result is null)
        {
            var body = await ReadBoundedAsync(request, AgencyCallbackReceiver.MaxBodyBytes, cancellationToken);
            result = body is null
                ? new CallbackResult(CallbackStatus.TooLarge, $"a callback body may be at most {AgencyCallbackReceiver.MaxBodyBytes} bytes")
                : await receiver.ReceiveAsync(agencyId, timestamp, signature, idempotencyKey, body, cancellationToken);
        }

        return result.Status switch
        {
            CallbackStatus.Accepted or CallbackStatus.AlreadyDone => TypedResults.Ok(new CallbackAccepted(result.Status.ToString(), result.Detail, result.ResumedInstances ?? [])),
            CallbackStatus.UnknownAgency or CallbackStatus.NotFound => Problem(StatusCodes.Status404NotFound, "找不到機關、個案或交辦事項", result.Detail),
            CallbackStatus.Forbidden => Problem(StatusCodes.Status403Forbidden, "貴單位不是此個案的承辦單位", result.Detail),
            CallbackStatus.Unauthorized => Problem(StatusCodes.Status401Unauthorized, "簽章驗證失敗", result.Detail),
            CallbackStatus.Stale => Problem(StatusCodes.Status401Unauthorized, "時間戳記逾時", result.Detail),
            CallbackStatus.Replayed => Problem(StatusCodes.Status409Conflict, "重複的回呼", result.Detail),
            CallbackStatus.TooLarge => Problem(StatusCodes.Status413PayloadTooLarge, "回呼內容過大", result.Detail),
            _ => Problem(StatusCodes.Status400BadRequest, "請求內容有誤", result.Detail),
        };
    }

    /// <summary>The body, or null when it is longer than <paramref name="limit"/> bytes (stopping as soon as that is known).</summary>
    private static async Task<byte[]?> ReadBoundedAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        // The signature covers the exact bytes, so the body is read raw rather than bound.
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Title = title, Detail = detail });
}
