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
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(EngineConnectionString(connectionString)).Build());
        services.AddSingleton(sp => new ActivityRegistry(BuiltInActivities.All()
            .Concat(sp.GetServices<IActivity>())
            .Concat(sp.GetServices<IActivitySource>().SelectMany(source => source.Activities))));
        services.AddSingleton(sp => new DefinitionValidator(sp.GetRequiredService<ActivityRegistry>()));
        services.AddSingleton(sp => new WorkflowExecutor(sp.GetRequiredService<ActivityRegistry>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<EngineOptions>()));
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton<PostgresDefinitionStore>();
        services.AddSingleton<PostgresInstanceStore>();
        services.AddSingleton<StartGroups>();
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

    /// <summary>How many statements each pooled connection keeps prepared when the connection string does not say (<c>Max Auto Prepare</c>).</summary>
    public const int DefaultMaxAutoPrepare = 200;

    /// <summary>
    /// The engine's connection string: no reset on return to the pool (the engine keeps no session state on its
    /// connections: its advisory locks are per transaction, so the reset would be a round trip and a commit for nothing),
    /// Npgsql's automatic preparation unless the operator set <c>Max Auto Prepare</c> (0 turns it off), and
    /// <c>plan_cache_mode = force_custom_plan</c> for the session unless the operator's <c>Options</c> name it: a prepared
    /// statement is parsed once per connection but planned for each call's values, as an unprepared one is, because a
    /// generic plan for the case list's "parameter IS NULL OR …" reads was measured a hundred times slower. A step's writes
    /// switch generic plans back on for their own transaction (<see cref="PostgresInstanceStore"/>), where planning each
    /// INSERT again was most of the server's work.
    /// </summary>
    public static string EngineConnectionString(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true };
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.Keys.Cast<string>().Any(key => key.Replace(" ", string.Empty, StringComparison.Ordinal).Equals("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase)))
        {
            builder.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }

        if (builder.Options?.Contains("plan_cache_mode", StringComparison.Ordinal) != true)
        {
            builder.Options = string.Join(' ', new[] { builder.Options, "-c plan_cache_mode=force_custom_plan" }.Where(o => !string.IsNullOrWhiteSpace(o)));
        }

        return builder.ConnectionString;
    }
}
