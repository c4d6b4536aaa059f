using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AntiDrugFlow.Workflows.Operations;

public static class OperationsExtensions
{
    /// <summary>The long operations' store and runner. The host stops the runner on shutdown and checks for abandoned operations.</summary>
    public static IServiceCollection AddLongOperations(this IServiceCollection services, Action<OperationOptions>? configure = null)
    {
        var options = new OperationOptions();
        configure?.Invoke(options);
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<PostgresOperationStore>();
        services.AddSingleton<OperationRunner>();
        return services;
    }
}
