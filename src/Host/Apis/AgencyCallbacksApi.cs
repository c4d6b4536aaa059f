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
        // The signature covers the exact bytes, so the body is read raw rather than bound.
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        var result = await receiver.ReceiveAsync(
            agencyId,
            request.Headers[AgencySignature.TimestampHeader].FirstOrDefault(),
            request.Headers[AgencySignature.SignatureHeader].FirstOrDefault(),
            request.Headers[AgencySignature.IdempotencyKeyHeader].FirstOrDefault(),
            buffer.ToArray(),
            cancellationToken);
        return result.Status switch
        {
            CallbackStatus.Accepted or CallbackStatus.AlreadyDone => TypedResults.Ok(new CallbackAccepted(result.Status.ToString(), result.Detail, result.ResumedInstances ?? [])),
            CallbackStatus.UnknownAgency or CallbackStatus.NotFound => Problem(StatusCodes.Status404NotFound, "找不到機關或交辦事項", result.Detail),
            CallbackStatus.Unauthorized => Problem(StatusCodes.Status401Unauthorized, "簽章驗證失敗", result.Detail),
            CallbackStatus.Stale => Problem(StatusCodes.Status401Unauthorized, "時間戳記逾時", result.Detail),
            CallbackStatus.Replayed => Problem(StatusCodes.Status409Conflict, "重複的回呼", result.Detail),
            _ => Problem(StatusCodes.Status400BadRequest, "請求內容有誤", result.Detail),
        };
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Title = title, Detail = detail });
}
