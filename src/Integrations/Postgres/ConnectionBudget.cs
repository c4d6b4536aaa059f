using Microsoft.Extensions.Configuration;
using Npgsql;

namespace AntiDrugFlow.Integrations.Postgres;

/// <summary>
/// How many connections one host may hold to PostgreSQL, bound from "Database", shared out among the pools the host
/// opens: the engine's data source (requests, the engine, the outbox, accounts, the audit log, the key ring) and
/// Hangfire's storage. A request that finds its pool full waits up to <see cref="ConnectionWait"/> for a connection and
/// then fails with Npgsql's "connection pool has been exhausted", which the host answers 503 with Retry-After.
/// </summary>
public sealed class ConnectionBudget
{
    public const string Section = "Database";

    /// <summary>Every connection this host opens at once, all pools together; keep hosts × this under the server's max_connections less its reserved ones.</summary>
    public int MaxConnections { get; set; } = 40;

    /// <summary>The part of <see cref="MaxConnections"/> that Hangfire's storage may hold (its workers, pollers and the jobs the host schedules).</summary>
    public int BackgroundJobConnections { get; set; } = 12;

    /// <summary>How long a caller waits for a free connection of its pool (and for a new one to open) before giving up.</summary>
    public TimeSpan ConnectionWait { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The engine's data source: whatever Hangfire does not take.</summary>
    public int EngineConnections => MaxConnections - BackgroundJobConnections;

    /// <summary>The budget in <paramref name="configuration"/>'s "Database" section, checked.</summary>
    public static ConnectionBudget From(IConfiguration configuration)
    {
        var budget = new ConnectionBudget();
        configuration.GetSection(Section).Bind(budget);
        if (budget.BackgroundJobConnections < 2)
        {
            throw new InvalidOperationException($"{Section}:BackgroundJobConnections is {budget.BackgroundJobConnections}; Hangfire needs at least 2 connections.");
        }

        if (budget.EngineConnections < 2)
        {
            throw new InvalidOperationException(
                $"{Section}:MaxConnections is {budget.MaxConnections}, which leaves the engine {budget.EngineConnections} after {Section}:BackgroundJobConnections ({budget.BackgroundJobConnections}); it needs at least 2.");
        }

        if (budget.ConnectionWait < TimeSpan.FromSeconds(1))
        {
            throw new InvalidOperationException($"{Section}:ConnectionWait is {budget.ConnectionWait}; it must be at least one second (Npgsql counts whole seconds).");
        }

        return budget;
    }

    /// <summary><paramref name="connectionString"/> with the engine's share as its pool size.</summary>
    public string ForEngine(string connectionString) => Pool(connectionString, EngineConnections);

    /// <summary><paramref name="connectionString"/> with Hangfire's share as its pool size.</summary>
    public string ForBackgroundJobs(string connectionString) => Pool(connectionString, BackgroundJobConnections);

    // A pool size or wait in the configured connection string gives way to the budget, which is what operators set.
    private string Pool(string connectionString, int size) => new NpgsqlConnectionStringBuilder(connectionString)
    {
        Pooling = true,
        MinPoolSize = 0,
        MaxPoolSize = size,
        Timeout = (int)Math.Ceiling(ConnectionWait.TotalSeconds),
    }.ConnectionString;
}
