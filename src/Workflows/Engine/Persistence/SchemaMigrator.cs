using System.Reflection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AntiDrugFlow.Workflows.Persistence;

/// <summary>
/// Applies the numbered SQL scripts embedded under Persistence/Migrations, once each, in order. An
/// advisory lock keeps two hosts starting together from applying the same script twice.
/// </summary>
public sealed class SchemaMigrator(NpgsqlDataSource dataSource, IEnumerable<SchemaScripts> sources, ILogger<SchemaMigrator> logger)
{
    private const long LockKey = 0x41444620_4d494752; // "ADF MIGR"

    private readonly Lazy<IReadOnlyList<(string Name, string Sql)>> _scripts = new(() => Scripts(sources.Select(s => s.Assembly)));

    /// <summary>The names of the scripts not yet applied to the database; all of them on an empty database.</summary>
    public async Task<IReadOnlyList<string>> PendingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var applied = await AppliedAsync(connection, cancellationToken);
        return _scripts.Value.Select(s => s.Name).Where(name => !applied.Contains(name)).ToList();
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        // A restart of an up-to-date host costs one query: no lock, no DDL.
        if ((await PendingAsync(cancellationToken)).Count == 0)
        {
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter { Value = LockKey });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await using (var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", connection))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            var applied = await AppliedAsync(connection, cancellationToken);
            foreach (var (name, sql) in _scripts.Value)
            {
                if (applied.Contains(name))
                {
                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var script = new NpgsqlCommand(sql, connection, transaction))
                {
                    await script.ExecuteNonQueryAsync(cancellationToken);
                }

                await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (name) VALUES ($1)", connection, transaction))
                {
                    record.Parameters.Add(new NpgsqlParameter { Value = name });
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied schema script {Script}", name);
            }
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
            unlock.Parameters.Add(new NpgsqlParameter { Value = LockKey });
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static async Task<HashSet<string>> AppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using var exists = new NpgsqlCommand("SELECT to_regclass('schema_migrations') IS NOT NULL", connection);
        if (await exists.ExecuteScalarAsync(cancellationToken) is not true)
        {
            return applied;
        }

        await using var query = new NpgsqlCommand("SELECT name FROM schema_migrations", connection);
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            applied.Add(reader.GetString(0));
        }

        return applied;
    }

    /// <summary>The embedded scripts of this assembly and of the other modules, ordered by name.</summary>
    public static IReadOnlyList<(string Name, string Sql)> Scripts(IEnumerable<Assembly> modules)
    {
        var assemblies = new[] { typeof(SchemaMigrator).Assembly }.Concat(modules).Distinct();
        return assemblies
            .SelectMany(a => a.GetManifestResourceNames().Where(n => n.EndsWith(".sql", StringComparison.Ordinal)).Select(n => (Assembly: a, Resource: n)))
            .Select(r => (Name: ScriptName(r.Resource), r.Assembly, r.Resource))
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .Select(s =>
            {
                using var stream = s.Assembly.GetManifestResourceStream(s.Resource)!;
                using var reader = new StreamReader(stream);
                return (s.Name, reader.ReadToEnd());
            })
            .ToList();
    }

    // "AntiDrugFlow.Workflows.Persistence.Migrations.0001_engine.sql" → "0001_engine.sql"
    private static string ScriptName(string resource)
    {
        var withoutExtension = resource[..^4];
        return withoutExtension[(withoutExtension.LastIndexOf('.') + 1)..] + ".sql";
    }
}

/// <summary>Registers an assembly whose embedded .sql scripts belong to the schema.</summary>
public sealed record SchemaScripts(Assembly Assembly);
