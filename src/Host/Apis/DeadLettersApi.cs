using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Integrations.Outbox;
using AntiDrugFlow.Workflows.Outbox;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AntiDrugFlow.Host.Apis;

/// <summary>A dead letter as administrators see it: where it was going, never the payload, which may hold case details.</summary>
public sealed record DeadLetterView(Guid Id, string? InstanceId, string Kind, string Destination, string IdempotencyKey, int Attempts, string? LastError, DateTimeOffset CreatedAt)
{
    public static DeadLetterView From(OutboxItem m, IEnumerable<IOutboxChannel> channels) =>
        new(m.Id, m.InstanceId, m.Kind, channels.FirstOrDefault(c => c.Kind == m.Kind)?.Destination(m) ?? string.Empty, m.IdempotencyKey, m.Attempts, m.LastError, m.CreatedAt);
}

public sealed record DeadLetterDecision(Guid Id, string Action, string Actor, DateTimeOffset At);

/// <summary>Dead letters of the outbox: list them with their last error, send one again or drop it; both are recorded.</summary>
public static class DeadLettersApi
{
    /// <summary>Who acts when login is switched off (tests, a closed network): this header or the "user" query parameter. A signed-in administrator is recorded by account.</summary>
    public const string UserHeader = "X-AntiDrugFlow-User";

    public static IEndpointRouteBuilder MapDeliveryApis(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/outbox").WithTags("Outbox");
        api.MapGet("/dead-letters", ListAsync);
        api.MapPost("/dead-letters/{id:guid}/resend", ResendAsync);
        api.MapPost("/dead-letters/{id:guid}/drop", DropAsync);
        api.MapGet("/messages/{id:guid}/audit", AuditAsync);
        app.MapAgencyCallbacksApi();
        return app;
    }

    private static async Task<Ok<IReadOnlyList<DeadLetterView>>> ListAsync(IOutboxStore store, IEnumerable<IOutboxChannel> channels, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<DeadLetterView>>([.. (await store.ListAsync(OutboxStatuses.DeadLettered, cancellationToken)).Select(m => DeadLetterView.From(m, channels))]);

    private static Task<Results<Ok<DeadLetterDecision>, NotFound<Microsoft.AspNetCore.Mvc.ProblemDetails>, ValidationProblem>> ResendAsync(
        Guid id, string? reason, HttpContext http, IOutboxStore store, TimeProvider time, CancellationToken cancellationToken) =>
        DecideAsync(id, "Resent", http, time, (actor, at) => store.RequeueAsync(id, actor, reason, at, cancellationToken));

    private static Task<Results<Ok<DeadLetterDecision>, NotFound<Microsoft.AspNetCore.Mvc.ProblemDetails>, ValidationProblem>> DropAsync(
        Guid id, string? reason, HttpContext http, IOutboxStore store, TimeProvider time, CancellationToken cancellationToken) =>
        DecideAsync(id, "Dropped", http, time, (actor, at) => store.DropAsync(id, actor, reason, at, cancellationToken));

    private static async Task<Ok<IReadOnlyList<OutboxAuditEntry>>> AuditAsync(Guid id, IOutboxStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.AuditAsync(id, cancellationToken));

    private static async Task<Results<Ok<DeadLetterDecision>, NotFound<Microsoft.AspNetCore.Mvc.ProblemDetails>, ValidationProblem>> DecideAsync(
        Guid id, string action, HttpContext http, TimeProvider time, Func<string, DateTimeOffset, Task<bool>> decide)
    {
        var actor = http.TryGetActor() is { } signedIn
            ? $"{signedIn.UserName} ({signedIn.UserId})"
            : http.Request.Headers[UserHeader].FirstOrDefault() ?? http.Request.Query["user"].FirstOrDefault();
        if (string.IsNullOrWhiteSpace(actor) || actor.Length > 100)
        {
            return ApiProblems.Field("user", $"請以 {UserHeader} 標頭或 user 參數註明操作者");
        }

        var at = time.GetUtcNow();
        return await decide(actor, at)
            ? TypedResults.Ok(new DeadLetterDecision(id, action, actor, at))
            : TypedResults.NotFound(new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = StatusCodes.Status404NotFound, Title = "找不到此無法投遞的訊息", Detail = "訊息不存在，或已不在無法投遞狀態（可能已重送或捨棄）。" });
    }
}
