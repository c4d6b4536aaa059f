using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.PostgreSql;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AntiDrugFlow.Integrations.Scheduling;

/// <summary>Hangfire's settings, bound from "Deadlines:Jobs".</summary>
public sealed class BackgroundJobOptions
{
    /// <summary>The PostgreSQL schema of Hangfire's own tables.</summary>
    public string Schema { get; set; } = "hangfire";

    /// <summary>This host's name in the dashboard's list of servers; empty means the machine's name and a number.</summary>
    public string? ServerName { get; set; }

    /// <summary>
    /// Jobs this host runs at once; empty means Hangfire's default (five per core, at most 20), bounded so that the workers
    /// and Hangfire's own pollers fit the pool of the storage's connection string (Database:BackgroundJobConnections).
    /// </summary>
    public int? WorkerCount { get; set; }

    /// <summary>How often the host moves due delayed jobs (reminders) to the queue.</summary>
    public TimeSpan SchedulePollingInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often an idle worker looks at the queue; with long polling a new job wakes it at once.</summary>
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Workers wait for PostgreSQL's notification of a new job instead of only polling.</summary>
    public bool LongPolling { get; set; } = true;
}

public static class BackgroundJobsExtensions
{
    /// <summary>
    /// Hangfire on the project's PostgreSQL, in a schema of its own that <see cref="HangfireSchemaInstaller"/> installs once
    /// at start, before this host's server runs (two servers installing an empty schema at once race).
    /// Everything Hangfire needs comes from this service provider, never from Hangfire's static storage, so several
    /// hosts in one process (the tests) each use their own database.
    /// </summary>
    public static IServiceCollection AddBackgroundJobs(this IServiceCollection services, string connectionString, BackgroundJobOptions settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton(new BackgroundJobPool(new NpgsqlConnectionStringBuilder(connectionString).MaxPoolSize));
        services.AddSingleton(_ => new BackgroundJobConnections(NpgsqlDataSource.Create(connectionString)));
        services.AddSingleton<JobStorage>(sp => new PostgreSqlStorage(sp.GetRequiredService<BackgroundJobConnections>(), StorageOptions(settings)));
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddSingleton<HangfireLogAttachment>();
        services.AddHangfire((sp, c) =>
        {
            sp.GetRequiredService<HangfireLogAttachment>();
            c.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings()
                .UseLogProvider(HostsLogProvider.Instance);
        });
        services.AddHostedService(sp => new HangfireSchemaInstaller(sp.GetRequiredService<BackgroundJobConnections>().DataSource, settings.Schema, sp.GetRequiredService<ILogger<HangfireSchemaInstaller>>()));
        return services;
    }

    /// <summary>A Hangfire server on this host, started after the hosted services registered before it (the schema first).</summary>
    public static IServiceCollection AddBackgroundJobServer(this IServiceCollection services, BackgroundJobOptions settings) =>
        services.AddHangfireServer((sp, o) =>
        {
            // Each worker holds a connection while it waits for a job; the scheduler, the recurring jobs, the expiration
            // manager and the heartbeat take theirs from the same pool.
            o.WorkerCount = Math.Max(1, Math.Min(o.WorkerCount, sp.GetRequiredService<BackgroundJobPool>().MaxConnections - BackgroundJobPool.ForHangfireItself));
            o.SchedulePollingInterval = settings.SchedulePollingInterval;
            if (!string.IsNullOrWhiteSpace(settings.ServerName))
            {
                o.ServerName = settings.ServerName;
            }

            if (settings.WorkerCount is { } workers)
            {
                o.WorkerCount = workers;
            }
        });

    /// <summary>
    /// Hangfire's connections come from a data source of this host's own (its share of the connection budget), which the
    /// host's container disposes when it stops, closing the pool: a stopped host leaves no connection open on the server,
    /// and hosts in one process (the tests) never share a pool.
    /// </summary>
    private sealed class BackgroundJobConnections(NpgsqlDataSource dataSource) : IConnectionFactory, IAsyncDisposable, IDisposable
    {
        public NpgsqlDataSource DataSource => dataSource;

        /// <summary>A closed connection of the pool; Hangfire opens it and disposes it, which hands it back.</summary>
        public NpgsqlConnection GetOrCreateConnection() => dataSource.CreateConnection();

        public ValueTask DisposeAsync() => dataSource.DisposeAsync();

        public void Dispose() => dataSource.Dispose();
    }

    /// <summary>The size of the pool Hangfire's storage connects through.</summary>
    private sealed record BackgroundJobPool(int MaxConnections)
    {
        /// <summary>Connections Hangfire's server keeps for its own processes besides the workers.</summary>
        public const int ForHangfireItself = 6;
    }

    public static PostgreSqlStorageOptions StorageOptions(BackgroundJobOptions settings) => new()
    {
        SchemaName = settings.Schema,
        // HangfireSchemaInstaller does it, once, under a lock.
        PrepareSchemaIfNecessary = false,
        QueuePollInterval = settings.QueuePollInterval,
        EnableLongPolling = settings.LongPolling,
    };
}

/// <summary>
/// Installs or upgrades Hangfire's schema at start, holding a PostgreSQL advisory lock so that hosts starting together
/// take turns. Registered before the Hangfire server and before anything that schedules a job.
/// </summary>
public sealed class HangfireSchemaInstaller(NpgsqlDataSource dataSource, string schema, ILogger<HangfireSchemaInstaller> logger) : IHostedService
{
    /// <summary>The advisory lock's key: "HFSCHEMA" as a number, shared by every host on the database.</summary>
    private const long LockKey = 0x4846_5343_4845_4D41;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await InstallAsync(dataSource, schema, cancellationToken);
        logger.LogInformation("Hangfire's schema {Schema} is installed and current", schema);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Installs the schema through a data source of its own, closed afterwards (tools and benchmarks).</summary>
    public static async Task InstallAsync(string connectionString, string schema, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await InstallAsync(dataSource, schema, cancellationToken);
    }

    public static async Task InstallAsync(NpgsqlDataSource dataSource, string schema, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection) { Parameters = { new() { Value = LockKey } } })
        {
            await take.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            // Hangfire's installer is synchronous; it returns at once when the schema is current.
            PostgreSqlObjectsInstaller.Install(connection, schema);
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection) { Parameters = { new() { Value = LockKey } } };
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}

/// <summary>
/// Hangfire's log provider is process-wide, while each host has its own logger factory, disposed when the host stops. Left
/// to Hangfire, the last host to start would log for all, and once it stopped every other host's Hangfire code would fail
/// on its disposed factory. This provider logs through the factory of the latest host still running.
/// </summary>
public sealed class HostsLogProvider : Hangfire.Logging.ILogProvider
{
    public static HostsLogProvider Instance { get; } = new();

    private readonly Lock _gate = new();
    private readonly List<ILoggerFactory> _factories = [];

    private HostsLogProvider()
    {
    }

    /// <summary>Logs through <paramref name="factory"/> until the returned handle is disposed (the host's container does it).</summary>
    public IDisposable Attach(ILoggerFactory factory)
    {
        lock (_gate)
        {
            _factories.Add(factory);
        }

        return new Attachment(this, factory);
    }

    public Hangfire.Logging.ILog GetLogger(string name) => new HostLog(this, name);

    private ILoggerFactory? Current
    {
        get
        {
            lock (_gate)
            {
                return _factories.Count > 0 ? _factories[^1] : null;
            }
        }
    }

    private sealed class Attachment(HostsLogProvider provider, ILoggerFactory factory) : IDisposable
    {
        public void Dispose()
        {
            lock (provider._gate)
            {
                provider._factories.Remove(factory);
            }
        }
    }

    private sealed class HostLog(HostsLogProvider provider, string name) : Hangfire.Logging.ILog
    {
        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            var level = logLevel switch
            {
                Hangfire.Logging.LogLevel.Trace => LogLevel.Trace,
                Hangfire.Logging.LogLevel.Debug => LogLevel.Debug,
                Hangfire.Logging.LogLevel.Info => LogLevel.Information,
                Hangfire.Logging.LogLevel.Warn => LogLevel.Warning,
                Hangfire.Logging.LogLevel.Error => LogLevel.Error,
                _ => LogLevel.Critical,
            };
            try
            {
                if (provider.Current?.CreateLogger(name) is not { } logger || !logger.IsEnabled(level))
                {
                    return false;
                }

                if (messageFunc is not null)
                {
                    logger.Log(level, 0, messageFunc(), exception, static (message, _) => message);
                }

                return true;
            }
            // A host stopping between reading the factory and logging.
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}

/// <summary>This host's logger factory attached to <see cref="HostsLogProvider"/> for as long as the host's container lives.</summary>
internal sealed class HangfireLogAttachment(ILoggerFactory factory) : IDisposable
{
    private readonly IDisposable _attachment = HostsLogProvider.Instance.Attach(factory);

    public void Dispose() => _attachment.Dispose();
}
