using System.Text.Json.Nodes;
using Npgsql;

namespace AntiDrugFlow.Workflows.Persistence;

public sealed record DefinitionVersion(
    string Id,
    string DefinitionId,
    int Version,
    string Name,
    bool IsPublished,
    bool IsLatest,
    DateTimeOffset CreatedAt,
    DateTimeOffset? PublishedAt,
    DateTimeOffset? RetractedAt,
    JsonObject Document);

/// <summary>Which version is published: its id and creation time (see <see cref="PostgresDefinitionStore.PublishedStampAsync"/>).</summary>
public sealed record PublishedStamp(string VersionId, DateTimeOffset CreatedAt);

/// <summary>One version without its document: what lists of versions need.</summary>
public sealed record DefinitionVersionSummary(string Id, string DefinitionId, int Version, string Name, string? Description, bool IsPublished, bool IsLatest, DateTimeOffset CreatedAt, DateTimeOffset? PublishedAt);

/// <summary>What deleting a definition did.</summary>
public enum DefinitionDeletion
{
    Deleted,
    NotFound,

    /// <summary>Instances were started on one of its versions; they keep their version, so nothing was deleted.</summary>
    HasInstances,
}

public sealed record DefinitionSummary(string DefinitionId, string Name, int LatestVersion, int? PublishedVersion, bool LatestIsDraft, DateTimeOffset UpdatedAt);

/// <summary>All SQL for workflow definitions and their versions.</summary>
public sealed class PostgresDefinitionStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, definition_id, version, name, is_published, is_latest, created_at, published_at, retracted_at, document::text";

    public async Task<IReadOnlyList<DefinitionSummary>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT l.definition_id, l.name, l.version, p.version, NOT l.is_published, coalesce(l.published_at, l.created_at)
            FROM workflow_definitions l
            LEFT JOIN workflow_definitions p ON p.definition_id = l.definition_id AND p.is_published
            WHERE l.is_latest
            ORDER BY l.definition_id
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<DefinitionSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new DefinitionSummary(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetInt32(3), reader.GetBoolean(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return result;
    }

    public async Task<IReadOnlyList<DefinitionVersion>> VersionsAsync(string definitionId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await QueryAsync(connection, null, $"SELECT {Columns} FROM workflow_definitions WHERE definition_id = $1 ORDER BY version DESC", cancellationToken, definitionId);
    }

    /// <summary>The number of each version of a definition by its id, without reading the documents.</summary>
    public async Task<IReadOnlyDictionary<string, int>> VersionNumbersAsync(string definitionId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "SELECT id, version FROM workflow_definitions WHERE definition_id = $1", definitionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            result[reader.GetString(0)] = reader.GetInt32(1);
        }

        return result;
    }

    /// <summary>The id of the published version, without its document (which callers usually have compiled already).</summary>
    public async Task<string?> PublishedIdAsync(string definitionId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "SELECT id FROM workflow_definitions WHERE definition_id = $1 AND is_published", definitionId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>
    /// The published version's id and creation time, without its document: together they name one content for good (ids are
    /// reused only by a definition deleted and created again, which gets a new creation time).
    /// </summary>
    public async Task<PublishedStamp?> PublishedStampAsync(string definitionId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "SELECT id, created_at FROM workflow_definitions WHERE definition_id = $1 AND is_published", definitionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new PublishedStamp(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)) : null;
    }

    /// <summary>
    /// The SQLSTATE a start's writes fail with when the version it ran on is no longer the published one
    /// (<see cref="PostgresInstanceStore.SaveStepAsync"/> with <c>startedOn</c>).
    /// </summary>
    public const string NotPublishedState = "WF001";

    public async Task<DefinitionVersion?> GetByIdAsync(string versionId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await QueryAsync(connection, null, $"SELECT {Columns} FROM workflow_definitions WHERE id = $1", cancellationToken, versionId)).FirstOrDefault();
    }

    /// <summary>A version by selector: "latest", "published", or a version number.</summary>
    public async Task<DefinitionVersion?> FindAsync(string definitionId, string selector, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, null, definitionId, selector, cancellationToken);
    }

    /// <summary>Runs a change to one definition's versions in a transaction that holds that definition's lock.</summary>
    public async Task<T> ChangeAsync<T>(string definitionId, Func<DefinitionChange, Task<T>> change, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = Sql.Command(connection, transaction, "SELECT pg_advisory_xact_lock(hashtext('workflow_definition:' || $1))", definitionId))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        var result = await change(new DefinitionChange(this, connection, transaction, definitionId));
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    internal async Task<DefinitionVersion?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string definitionId, string selector, CancellationToken cancellationToken)
    {
        var (where, extra) = selector.ToLowerInvariant() switch
        {
            "latest" => ("is_latest", (object?)null),
            "published" => ("is_published", null),
            var number when int.TryParse(number, out var version) => ("version = $2", version),
            _ => throw new ArgumentException($"version selector '{selector}' is not 'latest', 'published' or a number", nameof(selector)),
        };
        var parameters = extra is null ? new object?[] { definitionId } : [definitionId, extra];
        return (await QueryAsync(connection, transaction, $"SELECT {Columns} FROM workflow_definitions WHERE definition_id = $1 AND {where}", cancellationToken, parameters)).FirstOrDefault();
    }

    /// <summary>Every version of every definition, without documents, in definition and version order.</summary>
    public async Task<IReadOnlyList<DefinitionVersionSummary>> ListVersionsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT id, definition_id, version, name, document->>'description', is_published, is_latest, created_at, published_at
            FROM workflow_definitions ORDER BY definition_id, version
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<DefinitionVersionSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new DefinitionVersionSummary(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3), reader.NullableString(4),
                reader.GetBoolean(5), reader.GetBoolean(6), reader.GetFieldValue<DateTimeOffset>(7), reader.NullableTime(8)));
        }

        return result;
    }

    /// <summary>Deletes every version of a definition, unless an instance was started on one of them.</summary>
    public Task<DefinitionDeletion> DeleteAsync(string definitionId, CancellationToken cancellationToken) =>
        ChangeAsync(definitionId, change => change.DeleteAsync(cancellationToken), cancellationToken);

    internal static async Task<List<DefinitionVersion>> QueryAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        await using var command = Sql.Command(connection, transaction, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<DefinitionVersion>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new DefinitionVersion(
                reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3), reader.GetBoolean(4), reader.GetBoolean(5),
                reader.GetFieldValue<DateTimeOffset>(6), reader.NullableTime(7), reader.NullableTime(8), JsonNode.Parse(reader.GetString(9))!.AsObject()));
        }

        return result;
    }
}

/// <summary>The writes allowed inside <see cref="PostgresDefinitionStore.ChangeAsync{T}"/>.</summary>
public sealed class DefinitionChange(PostgresDefinitionStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, string definitionId)
{
    public string DefinitionId { get; } = definitionId;

    public Task<DefinitionVersion?> FindAsync(string selector, CancellationToken cancellationToken) =>
        store.FindAsync(connection, transaction, DefinitionId, selector, cancellationToken);

    /// <summary>Tells the observers of a change, inside this change's transaction.</summary>
    internal async Task NotifyAsync(IEnumerable<Services.IDefinitionChangeObserver> observers, Services.DefinitionChanged change, CancellationToken cancellationToken)
    {
        foreach (var observer in observers)
        {
            await observer.OnChangedAsync(change, connection, transaction, cancellationToken);
        }
    }

    public async Task InsertAsync(DefinitionVersion version, CancellationToken cancellationToken)
    {
        await using var clear = Sql.Command(connection, transaction, "UPDATE workflow_definitions SET is_latest = false WHERE definition_id = $1 AND is_latest", DefinitionId);
        await clear.ExecuteNonQueryAsync(cancellationToken);
        await using var insert = Sql.Command(connection, transaction, """
            INSERT INTO workflow_definitions (id, definition_id, version, name, is_published, is_latest, document, created_at)
            VALUES ($1, $2, $3, $4, false, true, $5, $6)
            """, version.Id, DefinitionId, version.Version, version.Name, new Jsonb(version.Document.ToJsonString()), version.CreatedAt);
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task UpdateDraftAsync(string versionId, string name, JsonObject document, CancellationToken cancellationToken)
    {
        await using var update = Sql.Command(connection, transaction, "UPDATE workflow_definitions SET name = $2, document = $3 WHERE id = $1 AND NOT is_published", versionId, name, new Jsonb(document.ToJsonString()));
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task PublishAsync(string versionId, JsonObject document, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var clear = Sql.Command(connection, transaction, "UPDATE workflow_definitions SET is_published = false, document = jsonb_set(document, '{isPublished}', 'false') WHERE definition_id = $1 AND is_published", DefinitionId);
        await clear.ExecuteNonQueryAsync(cancellationToken);
        await using var publish = Sql.Command(connection, transaction, "UPDATE workflow_definitions SET is_published = true, published_at = $2, retracted_at = NULL, document = $3 WHERE id = $1", versionId, at, new Jsonb(document.ToJsonString()));
        await publish.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> RetractAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var retract = Sql.Command(connection, transaction, "UPDATE workflow_definitions SET is_published = false, retracted_at = $2, document = jsonb_set(document, '{isPublished}', 'false') WHERE definition_id = $1 AND is_published", DefinitionId, at);
        return await retract.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>
    /// Deletes every version unless an instance was started on one. Instances have no foreign key to their version (a start
    /// would lock the version's row: migration 0013), so the deletion locks workflow_instances against inserts until it
    /// commits: a start that inserted its row first is seen here, a later one waits and then fails its proof of publication.
    /// </summary>
    public async Task<DefinitionDeletion> DeleteAsync(CancellationToken cancellationToken)
    {
        await using (var lockInstances = Sql.Command(connection, transaction, "LOCK TABLE workflow_instances IN SHARE MODE"))
        {
            await lockInstances.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var check = Sql.Command(connection, transaction, """
            SELECT EXISTS (SELECT 1 FROM workflow_definitions WHERE definition_id = $1),
                   EXISTS (SELECT 1 FROM workflow_instances WHERE definition_id = $1)
            """, DefinitionId);
        await using (var reader = await check.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            if (!reader.GetBoolean(0))
            {
                return DefinitionDeletion.NotFound;
            }

            if (reader.GetBoolean(1))
            {
                return DefinitionDeletion.HasInstances;
            }
        }

        await using var delete = Sql.Command(connection, transaction, "DELETE FROM workflow_definitions WHERE definition_id = $1", DefinitionId);
        await delete.ExecuteNonQueryAsync(cancellationToken);
        return DefinitionDeletion.Deleted;
    }
}
