using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Workflows.Cases;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AntiDrugFlow.Host.Apis;

public sealed record AskForInformation(string? Question);

public sealed record InformationAnswer(string? Answer);

/// <summary>
/// Requests for more information (請求補充資料): the agency holding a task asks the agency that started the case,
/// which answers once. A task or request that is not the user's answers 404, as one that does not exist; an empty
/// or too long text 400 naming the field; a closed task or an answered request 409.
/// </summary>
public static class InformationRequestsApi
{
    public static IEndpointRouteBuilder MapInformationRequestsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(Policies.SignedIn).WithTags("Information requests");
        api.MapGet("/inbox/{taskId}/information-requests", ThreadAsync);
        api.MapPost("/inbox/{taskId}/information-requests", AskAsync);
        api.MapGet("/information-requests", OpenAsync);
        api.MapGet("/information-requests/{requestId}", GetAsync);
        api.MapPost("/information-requests/{requestId}/answer", AnswerAsync);
        return app;
    }

    public static async Task<Results<Ok<InformationThread>, NotFound>> ThreadAsync(string taskId, HttpContext http, InformationRequestService requests, CancellationToken cancellationToken) =>
        await requests.ThreadAsync(http.Actor(), taskId, cancellationToken) is { } thread ? TypedResults.Ok(thread) : TypedResults.NotFound();

    public static async Task<Results<Created<InformationRequest>, NotFound, ValidationProblem>> AskAsync(string taskId, HttpContext http, InformationRequestService requests, CancellationToken cancellationToken)
    {
        var (body, problem) = await CasesApi.ReadAsync<AskForInformation>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        return await requests.AskAsync(http.Actor(), taskId, body!.Question, cancellationToken) is { } request
            ? TypedResults.Created($"/api/information-requests/{request.Id}", request)
            : TypedResults.NotFound();
    }

    public static async Task<Ok<IReadOnlyList<InformationRequest>>> OpenAsync(HttpContext http, InformationRequestService requests, CancellationToken cancellationToken) =>
        TypedResults.Ok(await requests.OpenAsync(http.Actor(), cancellationToken));

    public static async Task<Results<Ok<InformationRequest>, NotFound>> GetAsync(string requestId, HttpContext http, InformationRequestService requests, CancellationToken cancellationToken) =>
        await requests.GetAsync(http.Actor(), requestId, cancellationToken) is { } request ? TypedResults.Ok(request) : TypedResults.NotFound();

    public static async Task<Results<Ok<InformationRequest>, NotFound, ValidationProblem>> AnswerAsync(string requestId, HttpContext http, InformationRequestService requests, CancellationToken cancellationToken)
    {
        var (body, problem) = await CasesApi.ReadAsync<InformationAnswer>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        return await requests.AnswerAsync(http.Actor(), requestId, body!.Answer, cancellationToken) is { } answered ? TypedResults.Ok(answered) : TypedResults.NotFound();
    }
}
