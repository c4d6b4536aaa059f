using AntiDrugFlow.Integrations.Postgres;
using AntiDrugFlow.Workflows.Persistence;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace AntiDrugFlow.Tests.Infrastructure;

/// <summary>
/// One real PostgreSQL cluster for the whole test run, in a temporary folder on a free loopback port,
/// stopped when the test process exits. Each test class asks for a fresh database of its own.
/// </summary>
public static class TestPostgres
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static EmbeddedPostgresCluster? _cluster;
    private static int _counter;

    public static async Task<string> CreateDatabaseAsync(bool migrate = true)
    {
        var cluster = await ClusterAsync();
        var name = $"t{Environment.ProcessId}_{Interlocked.Increment(ref _counter)}_{Guid.NewGuid().ToString("N")[..6]}";
        await cluster.CreateDatabaseIfMissingAsync(name, CancellationToken.None);
        var connectionString = cluster.ConnectionString(name);
        if (migrate)
        {
            await MigrateAsync(connectionString);
        }

        return connectionString;
    }

    /// <summary>Applies every schema script (engine, outbox, domain) to the database, as a host does at start-up.</summary>
    public static async Task MigrateAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new SchemaMigrator(dataSource, [new SchemaScripts(typeof(Workflows.ChainsExtensions).Assembly)], NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
    }

    /// <summary>
    /// A database on a cluster of its own with the given max_connections, for tests of how many connections a host opens;
    /// the cluster is stopped and deleted when the test process exits.
    /// </summary>
    public static async Task<string> CreateDatabaseOnOwnClusterAsync(int maxConnections)
    {
        var cluster = await StartOwnClusterAsync(maxConnections);
        await cluster.CreateDatabaseIfMissingAsync("budget", CancellationToken.None);
        return cluster.ConnectionString("budget");
    }

    /// <summary>
    /// A cluster of the test's own, for tests that restart the server under running hosts; stopped and deleted when the
    /// test process exits (disposing it stops it sooner).
    /// </summary>
    public static async Task<EmbeddedPostgresCluster> StartOwnClusterAsync(int maxConnections = 300)
    {
        var cluster = new EmbeddedPostgresCluster(Directory.CreateTempSubdirectory($"adf-test-pg-{Environment.ProcessId}-").FullName, durable: false, maxConnections: maxConnections);
        await cluster.StartAsync(CancellationToken.None);
        cluster.StopAndDeleteWhenProcessEnds(Environment.ProcessId);
        return cluster;
    }

    private static async Task<EmbeddedPostgresCluster> ClusterAsync()
    {
        if (_cluster is not null)
        {
            return _cluster;
        }

        await Gate.WaitAsync();
        try
        {
            if (_cluster is null)
            {
                var directory = Path.Combine(Path.GetTempPath(), $"adf-test-pg-{Environment.ProcessId}");
                var cluster = new EmbeddedPostgresCluster(directory, durable: false);
                await cluster.StartAsync(CancellationToken.None);
                cluster.StopAndDeleteWhenProcessEnds(Environment.ProcessId);
                _cluster = cluster;
            }

            return _cluster;
        }
        finally
        {
            Gate.Release();
        }
    }
}
