using AntiDrugFlow.Integrations.Postgres;

namespace AntiDrugFlow.Host.Infrastructure;

/// <summary>
/// Finds the database: the configured connection string, or else the embedded default, a private
/// PostgreSQL cluster under the data folder, started on a free loopback port and stopped with the host.
/// </summary>
public static class Database
{
    public const string ConnectionStringName = "AntiDrugFlow";
    public const string EmbeddedDatabaseName = "antidrugflow";

    public static async Task<(string ConnectionString, EmbeddedPostgresCluster? Embedded)> ResolveAsync(IConfiguration configuration, CancellationToken cancellationToken)
    {
        var configured = configuration.GetConnectionString(ConnectionStringName);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return (configured, null);
        }

        var dataDirectory = configuration["Embedded:DataDirectory"] ?? Path.Combine(ProjectPaths.DataDirectory(), "postgres");
        var cluster = new EmbeddedPostgresCluster(dataDirectory);
        await cluster.StartAsync(cancellationToken);
        await cluster.CreateDatabaseIfMissingAsync(EmbeddedDatabaseName, cancellationToken);
        return (cluster.ConnectionString(EmbeddedDatabaseName), cluster);
    }
}

/// <summary>Stops the embedded cluster when the host stops.</summary>
public sealed class EmbeddedDatabaseLifetime(EmbeddedPostgresCluster cluster) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => cluster.StopAsync(cancellationToken);
}

/// <summary>Where the repository's folders are, found from the working directory upwards.</summary>
public static class ProjectPaths
{
    public static string Root()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "AntiDrugFlow.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return Directory.GetCurrentDirectory();
    }

    public static string WorkflowsDirectory() => Path.Combine(Root(), "workflows-json");

    public static string DataDirectory() => Path.Combine(Root(), ".data");
}
