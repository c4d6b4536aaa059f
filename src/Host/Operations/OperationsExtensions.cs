using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Milestones;
using AntiDrugFlow.Workflows.Operations;

namespace AntiDrugFlow.Host.Operations;

/// <summary>Long operations in this host: the runner, its lifetime, and the two kinds the pages start (directory import, cycle report).</summary>
public static class OperationsExtensions
{
    public static WebApplicationBuilder AddOperations(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddLongOperations(options =>
        {
            options.ProgressInterval = configuration.GetValue("Operations:ProgressInterval", options.ProgressInterval);
            options.AbandonedCheckInterval = configuration.GetValue("Operations:AbandonedCheckInterval", options.AbandonedCheckInterval);
        });
        builder.Services.AddHostedService<OperationsLifetime>();
        builder.Services.AddSingleton<CycleReport>();
        // The kinds every host's background job server can run, whichever host started them.
        builder.Services.AddSingleton<IOperationKind>(sp => sp.GetRequiredService<CycleReport>());
        builder.Services.AddSingleton<IOperationKind>(sp => sp.GetRequiredService<AgencyDirectoryImport>());
        return builder;
    }

    /// <summary>Who starts an operation from a request: the signed-in account, or the system when login is switched off (as the audit log page records it).</summary>
    public static Actor OperationActor(this HttpContext http) => http.TryGetActor() ?? Actor.System;

    /// <summary>Queues a directory import as a background job; the files are stored with the operation.</summary>
    public static Task<long> StartImportAsync(this OperationRunner runner, AgencyImportRequest request, CancellationToken cancellationToken) =>
        runner.EnqueueAsync(
            new OperationStart(AgencyDirectoryImport.Kind, AgencyDirectoryImport.Title(request), request.Actor.UserId, request.Actor.AgencyId),
            request.ToInput(),
            cancellationToken);

    /// <summary>Queues a cycle's execution report as a background job.</summary>
    public static Task<long> StartCycleReportAsync(
        this OperationRunner runner, MilestoneCycle cycle, CycleReportRequest request, Actor actor, CancellationToken cancellationToken) =>
        runner.EnqueueAsync(
            new OperationStart(CycleReport.Kind, CycleReport.Title(cycle, request), actor.UserId, actor.AgencyId),
            request,
            cancellationToken);
}
