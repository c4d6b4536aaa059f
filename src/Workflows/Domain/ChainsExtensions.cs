using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Chains;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace AntiDrugFlow.Workflows;

public static class ChainsExtensions
{
    /// <summary>The notification chains' activities over a directory built in code or read from files (tests, tools).</summary>
    public static IServiceCollection AddChains(this IServiceCollection services, AgencyDirectory directory, ChainOptions options) =>
        services.AddSingleton(new AgencyDirectoryProvider(directory)).AddChainActivities(options);

    /// <summary>The notification chains' activities over the agency directory in force, whose provider is registered already.</summary>
    public static IServiceCollection AddChains(this IServiceCollection services, AgencyDirectoryProvider directory, ChainOptions options)
    {
        services.TryAddSingleton(directory);
        return services.AddChainActivities(options);
    }

    private static IServiceCollection AddChainActivities(this IServiceCollection services, ChainOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<IActivitySource, ChainActivitySource>();
        // Cases, milestones, operations and the agency directory keep their tables in the domain's scripts.
        services.AddSingleton(new SchemaScripts(typeof(ChainsExtensions).Assembly));
        return services;
    }
}

/// <summary>Feeds the chain activities to the registry, reading the directory as it is when they run.</summary>
public sealed class ChainActivitySource(AgencyDirectoryProvider directory, ChainOptions options) : IActivitySource
{
    public IEnumerable<IActivity> Activities => ChainActivities.All(() => directory.Current, options);
}
