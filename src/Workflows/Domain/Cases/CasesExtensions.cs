using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AntiDrugFlow.Workflows.Cases;

public static class CasesExtensions
{
    /// <summary>Cases, the inbox and requests for more information, over the engine's stores (needs AddWorkflowEngine, AddChains and an IAuditLog).</summary>
    public static IServiceCollection AddCases(this IServiceCollection services)
    {
        services.TryAddSingleton<PostgresCaseStore>();
        services.AddSingleton<PostgresInformationRequestStore>();
        services.TryAddSingleton<CaseNotes>();
        services.TryAddSingleton<CounsellingRecords>();
        services.AddSingleton<InformationRequestService>();
        services.AddSingleton<CaseService>();
        services.AddSingleton<Services.IWorkflowCancellationObserver, CaseCancellation>();
        return services;
    }
}
