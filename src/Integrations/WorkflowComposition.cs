using AntiDrugFlow.Integrations.AgencySystems;
using AntiDrugFlow.Workflows;
using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Calendar;
using AntiDrugFlow.Workflows.Chains;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AntiDrugFlow.Integrations;

/// <summary>
/// The one place the workflow system is put together: the engine with every activity (Elsa's built-in
/// ones, the chains', the integrations'), the schema scripts of every module, and the engine's settings.
/// The web host, the command line and the test harnesses all call it, so a definition that validates in
/// one of them validates in all.
/// </summary>
public static class WorkflowComposition
{
    /// <summary>
    /// Registers the workflow system over <paramref name="directory"/> (the directory in force on a host,
    /// the shipped files on the command line). <paramref name="configuration"/> supplies <c>Engine:*</c>,
    /// <c>App:PublicAddress</c> (formerly <c>App:BaseUrl</c>) and <c>AgencySystems:*</c>; <paramref name="configure"/> adjusts the engine further (tests).
    /// </summary>
    public static IServiceCollection AddWorkflowSystem(
        this IServiceCollection services,
        string connectionString,
        IConfiguration configuration,
        AgencyDirectoryProvider directory,
        Action<EngineOptions>? configure = null)
    {
        services.AddWorkflowEngine(connectionString, options =>
        {
            options.MaxStepsPerRun = configuration.GetValue("Engine:MaxStepsPerRun", options.MaxStepsPerRun);
            options.StartWriters = configuration.GetValue("Engine:StartWriters", options.StartWriters);
            options.StartWriterBacklog = configuration.GetValue("Engine:StartWriterBacklog", options.StartWriterBacklog);
            options.StartGroupSize = configuration.GetValue("Engine:StartGroupSize", options.StartGroupSize);
            // Dates in expressions are the chains' dates: Taiwan's.
            options.JavaScript = options.JavaScript with { LocalTimeZone = TaipeiTime.Zone };
            configure?.Invoke(options);
        });
        services.AddChains(directory, new ChainOptions { BaseUrl = PublicAddress(configuration) ?? new ChainOptions().BaseUrl });
        services.AddAgencyNotices(configuration);
        services.AddSingleton(new SchemaScripts(typeof(WorkflowComposition).Assembly));
        return services;
    }

    /// <summary>The address people reach the system at, which emails link to: <c>App:PublicAddress</c>, or the older <c>App:BaseUrl</c>; null when neither is set.</summary>
    public static string? PublicAddress(IConfiguration configuration) =>
        new[] { configuration["App:PublicAddress"], configuration["App:BaseUrl"] }.FirstOrDefault(a => !string.IsNullOrWhiteSpace(a))?.Trim();

    /// <summary>AntiDrugFlow.SendNotice and what it needs to find an agency's systems in the directory in force.</summary>
    public static IServiceCollection AddAgencyNotices(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AgencySystemsOptions>(configuration.GetSection("AgencySystems"));
        // The directory in force (an administrator's import replaces it), never a second reading of the data files.
        services.TryAddSingleton<IAgencyDirectorySource>(sp => new ProviderAgencyDirectorySource(sp.GetRequiredService<AgencyDirectoryProvider>()));
        services.TryAddSingleton<IAgencyEndpoints, DirectoryAgencyEndpoints>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IActivity, SendNoticeActivity>());
        return services;
    }
}
