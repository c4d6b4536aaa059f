using System.Net;
using AntiDrugFlow.Tests.Chains;
using AntiDrugFlow.Workflows.Cases;
using AntiDrugFlow.Workflows.Milestones;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AntiDrugFlow.Tests.Security;

/// <summary>
/// Only the project's own refusals are client errors: an <see cref="ArgumentException"/> from inside the server (a bug) is a
/// 500 that tells the client nothing of it and is logged by type and stack, never by its message, which may quote a minor.
/// </summary>
public sealed class ApiExceptionHandlerTests : IAsyncLifetime
{
    private const string Minor = "王小明";
    private ChainsHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await ChainsHost.StartAsync(configureServices: s => s.AddSingleton<IStartupFilter, FaultyEndpoints>());

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task An_ArgumentException_inside_the_server_is_a_500_without_internals_logged_without_its_message()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");
        var response = await school.GetAsync(FaultyEndpoints.Bug);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        var problem = await ChainsHost.BodyAsync(response);
        Assert.Equal("系統發生錯誤", problem["title"]!.GetValue<string>());
        Assert.DoesNotContain(Minor, body, StringComparison.Ordinal);
        Assert.DoesNotContain("ArgumentException", body, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(FaultyEndpoints), body, StringComparison.Ordinal);

        var logged = Assert.Single(_host.Logs, l => l.Contains("Unhandled exception answering", StringComparison.Ordinal));
        Assert.Contains("System.ArgumentException", logged, StringComparison.Ordinal);
        // The operator finds the log line by the trace id the client was given.
        Assert.Contains(problem["traceId"]!.GetValue<string>(), logged, StringComparison.Ordinal);
        Assert.Contains(nameof(FaultyEndpoints), logged, StringComparison.Ordinal);
        Assert.DoesNotContain(_host.Logs, l => l.Contains(Minor, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_projects_own_refusals_stay_client_errors_naming_the_field()
    {
        var school = await _host.SignedInAsync("school.kl-chenggong-jh");

        var caseRequest = await school.GetAsync(FaultyEndpoints.CaseRequest);
        var milestone = await school.GetAsync(FaultyEndpoints.MilestoneRequest);

        Assert.Equal(HttpStatusCode.BadRequest, caseRequest.StatusCode);
        Assert.Equal("請填寫輔導日期。", (await ChainsHost.BodyAsync(caseRequest))["errors"]!["date"]![0]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, milestone.StatusCode);
        var problem = await ChainsHost.BodyAsync(milestone);
        Assert.Equal("請指定期別", problem["errors"]!["fromCycle"]![0]!.GetValue<string>());
        Assert.Equal("請指定期別", problem["detail"]!.GetValue<string>());
        Assert.DoesNotContain(_host.Logs, l => l.Contains("Unhandled exception answering", StringComparison.Ordinal));
    }

    /// <summary>Endpoints that throw, behind the host's own pipeline (after it, so its exception handler is around them).</summary>
    private sealed class FaultyEndpoints : IStartupFilter
    {
        public const string Bug = "/api/test-faults/bug";
        public const string CaseRequest = "/api/test-faults/case-request";
        public const string MilestoneRequest = "/api/test-faults/milestone-request";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Run(context => context.Request.Path.Value switch
            {
                Bug => throw new ArgumentException($"no agency for {Minor}", "subjectName"),
                CaseRequest => throw new CaseRequestException("date", "請填寫輔導日期。"),
                MilestoneRequest => throw new MilestoneRequestException("fromCycle", "請指定期別"),
                _ => Task.CompletedTask,
            });
        };
    }
}
