using AntiDrugFlow.Workflows.Activities;
using AntiDrugFlow.Workflows.Definitions;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace AntiDrugFlow.Workflows;

public static class EngineExtensions
{
    /// <summary>The engine: activities, validation, executor, PostgreSQL stores and the durable runtime.</summary>
    public static IServiceCollection AddWorkflowEngine(this IServiceCollection services, string connectionString, Action<EngineOptions>? configure = null)
    {
        var options = new EngineOptions();
        configure?.Invoke(options);
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        // The engine keeps no session state on pooled connections (its advisory locks are per transaction),
        // so the reset Npgsql runs on every return to the pool would be a round trip and a commit for nothing.
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ConnectionString).Build());
        services.AddSingleton(sp => new ActivityRegistry(BuiltInActivities.All()
            .Concat(sp.GetServices<IActivity>())
            .Concat(sp.GetServices<IActivitySource>().SelectMany(source => source.Activities))));
        services.AddSingleton(sp => new DefinitionValidator(sp.GetRequiredService<ActivityRegistry>()));
        services.AddSingleton(sp => new WorkflowExecutor(sp.GetRequiredService<ActivityRegistry>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<EngineOptions>()));
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton<PostgresDefinitionStore>();
        services.AddSingleton<PostgresInstanceStore>();
        services.AddSingleton<IWorkflowInstanceQueries>(sp => sp.GetRequiredService<PostgresInstanceStore>());
        services.AddSingleton<IHumanTaskQueries>(sp => sp.GetRequiredService<PostgresInstanceStore>());
        services.AddSingleton<ITimerBookmarkQueries>(sp => sp.GetRequiredService<PostgresInstanceStore>());
        services.TryAddSingleton<PostgresOutboxStore>();
        services.TryAddSingleton<IOutboxStore>(sp => sp.GetRequiredService<PostgresOutboxStore>());
        services.TryAddSingleton<IOutbox>(sp => sp.GetRequiredService<PostgresOutboxStore>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDefinitionChangeObserver, Scheduling.CronTriggers>());
        services.AddSingleton<WorkflowDefinitionService>();
        services.AddSingleton<WorkflowRuntime>();
        services.AddSingleton<Http.HttpEndpointIndex>();
        services.TryAddSingleton<IWorkflowScheduler, NoScheduler>();
        return services;
    }
}
