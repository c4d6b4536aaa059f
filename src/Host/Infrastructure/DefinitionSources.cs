using AntiDrugFlow.Host.Access;
using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace AntiDrugFlow.Host.Infrastructure;

/// <summary>Where a definition version came from: a file of workflows-json, a person, or the program itself (tests, tools).</summary>
public sealed record DefinitionSource(string VersionId, int Version, string Source, string? FilePath, string UserId, string UserName, DateTimeOffset At)
{
    public const string File = "file";
    public const string Person = "person";
    public const string System = "system";
}

/// <summary>
/// The file whose definitions are being imported, for the code below it on the same call chain: changes made
/// under it are recorded as coming from that file rather than from the signed-in person.
/// </summary>
public static class DefinitionOrigin
{
    private static readonly AsyncLocal<string?> Current = new();

    public static string? File => Current.Value;

    public static IDisposable FromFile(string path)
    {
        var previous = Current.Value;
        Current.Value = path;
        return new Restore(previous);
    }

    private sealed class Restore(string? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}

/// <summary>The audit action names of definition changes.</summary>
public static class DefinitionAuditActions
{
    public const string Saved = "definition.saved";
    public const string Imported = "definition.imported";
    public const string Published = "definition.published";
    public const string Retracted = "definition.retracted";
    public const string Deleted = "definition.deleted";

    public static string For(DefinitionChangeKind kind, bool fromFile) => kind switch
    {
        DefinitionChangeKind.Saved => fromFile ? Imported : Saved,
        DefinitionChangeKind.Published => Published,
        DefinitionChangeKind.Retracted => Retracted,
        _ => Deleted,
    };
}

/// <summary>
/// Records each definition change in the transaction that makes it: who or which file made a version, and an
/// audit row (definition.saved, .imported, .published, .retracted, .deleted).
/// </summary>
public sealed class DefinitionSourceRecorder(IServiceProvider services, TimeProvider time) : IDefinitionChangeObserver
{
    public async Task OnChangedAsync(DefinitionChanged change, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var file = DefinitionOrigin.File;
        var person = file is null ? services.GetService<ICurrentActor>()?.Actor : null;
        var actor = person ?? Actor.System;
        var source = file is not null ? DefinitionSource.File : person is not null ? DefinitionSource.Person : DefinitionSource.System;
        var now = time.GetUtcNow();
        switch (change.Kind)
        {
            case DefinitionChangeKind.Saved:
                await using (var upsert = Sql.Command(connection, transaction, """
                    INSERT INTO definition_version_sources (version_id, definition_id, source, file_path, user_id, user_name, at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7)
                    ON CONFLICT (version_id) DO UPDATE SET source = excluded.source, file_path = excluded.file_path,
                        user_id = excluded.user_id, user_name = excluded.user_name, at = excluded.at
                    """, change.VersionId, change.DefinitionId, source, file, actor.UserId, actor.UserName, now))
                {
                    await upsert.ExecuteNonQueryAsync(cancellationToken);
                }

                break;
            case DefinitionChangeKind.Deleted:
                // Version ids are numbered, so a definition created again must not inherit these.
                await using (var delete = Sql.Command(connection, transaction, """
                    DELETE FROM definition_version_sources WHERE definition_id = $1;
                    """, change.DefinitionId))
                {
                    await delete.ExecuteNonQueryAsync(cancellationToken);
                }

                await using (var forget = Sql.Command(connection, transaction, "DELETE FROM definition_file_imports WHERE definition_id = $1", change.DefinitionId))
                {
                    await forget.ExecuteNonQueryAsync(cancellationToken);
                }

                break;
        }

        var details = change.Version is { } version ? $"{change.DefinitionId} v{version}" : change.DefinitionId;
        if (file is not null)
        {
            details += $" from {file}";
        }

        await PostgresAuditLog.InsertAsync(new AuditEntry(now, actor.UserId, actor.AgencyId, DefinitionAuditActions.For(change.Kind, file is not null), null, details), connection, transaction, cancellationToken);
    }
}

/// <summary>Reads where versions came from (a person by the name people read) and what the start-up import last saw of each file.</summary>
public sealed class PostgresDefinitionSources(NpgsqlDataSource dataSource, PostgresDefinitionStore definitions)
{
    public async Task<IReadOnlyDictionary<int, DefinitionSource>> ForDefinitionAsync(string definitionId, CancellationToken cancellationToken)
    {
        // Version numbers come from the engine's store: its tables are its own.
        var numbers = await definitions.VersionNumbersAsync(definitionId, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT s.version_id, s.source, s.file_path, s.user_id, coalesce(nullif(a.display_name, ''), s.user_name), s.at
            FROM definition_version_sources s
            LEFT JOIN accounts a ON a.id = s.user_id
            WHERE s.definition_id = $1
            """, definitionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new Dictionary<int, DefinitionSource>();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!numbers.TryGetValue(reader.GetString(0), out var version))
            {
                continue; // a version deleted since
            }

            var source = new DefinitionSource(reader.GetString(0), version, reader.GetString(1), reader.NullableString(2), reader.GetString(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5));
            result[source.Version] = source;
        }

        return result;
    }

    /// <summary>The definitions imported from a samples folder (workflows-json/samples): examples, not chains people use.</summary>
    public async Task<IReadOnlySet<string>> SampleDefinitionIdsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "SELECT definition_id FROM definition_file_imports WHERE file_path LIKE '%samples/%'");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }

    /// <summary>The content hashes of the files as last imported: a file with one of these has nothing new.</summary>
    public async Task<IReadOnlySet<string>> ImportedHashesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "SELECT content_hash FROM definition_file_imports");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(reader.GetString(0));
        }

        return result;
    }

    public async Task RecordImportAsync(string definitionId, string filePath, string contentHash, string outcome, int? version, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            INSERT INTO definition_file_imports (definition_id, file_path, content_hash, outcome, version, at) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (definition_id) DO UPDATE SET file_path = excluded.file_path, content_hash = excluded.content_hash,
                outcome = excluded.outcome, version = excluded.version, at = excluded.at
            """, definitionId, filePath, contentHash, outcome, version, at);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

public static class DefinitionSourceExtensions
{
    /// <summary>The record of where definition versions came from, and the audit rows of definition changes (host and command line).</summary>
    public static IServiceCollection AddDefinitionSources(this IServiceCollection services)
    {
        services.AddSingleton(new SchemaScripts(typeof(DefinitionSourceRecorder).Assembly));
        services.TryAddSingleton<PostgresDefinitionSources>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDefinitionChangeObserver, DefinitionSourceRecorder>());
        return services;
    }
}
