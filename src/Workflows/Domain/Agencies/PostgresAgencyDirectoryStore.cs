using System.Text;
using AntiDrugFlow.Workflows.Persistence;
using Npgsql;

namespace AntiDrugFlow.Workflows.Agencies;

/// <summary>How an import combined its files with the directory in force.</summary>
public enum AgencyImportMode
{
    /// <summary>The files' agencies replace those with the same id; the others are added; nothing is removed.</summary>
    Merge,

    /// <summary>The files are the whole new directory.</summary>
    Replace,
}

/// <summary>One stored version of the directory: who imported it, when, how and from which files.</summary>
public sealed record AgencyDirectoryVersion(
    long Version, DateTimeOffset ImportedAt, string ImportedByUser, string ImportedByAgency,
    AgencyImportMode Mode, IReadOnlyList<string> SourceFiles, int AgencyCount, long? OperationId);

/// <summary>
/// Who imports, when, how and from which files. A merge names the version it was merged onto
/// (<paramref name="BaseVersion"/>, null for the files), so that it cannot overwrite a newer one.
/// </summary>
public sealed record AgencyDirectoryImportRecord(
    DateTimeOffset At, string UserId, string AgencyId, AgencyImportMode Mode, IReadOnlyList<string> SourceFiles, long? BaseVersion, long? OperationId);

/// <summary>Another import saved a version after the one this import was merged onto.</summary>
public sealed class AgencyDirectoryConflictException(long? expected, long? found)
    : Exception($"agency directory version {found?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} is newer than the base {expected?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} of this import")
{
    public long? Expected { get; } = expected;
    public long? Found { get; } = found;
}

/// <summary>
/// The agency_directory_versions and agency_directory_entries tables: each import stores the whole
/// directory as a new version in one transaction. Versions are numbered 1, 2, 3 … under a lock, so
/// two hosts importing at once get distinct numbers and a merge never lands on a directory it did not see.
/// </summary>
public sealed class PostgresAgencyDirectoryStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Stores the directory as the next version and returns its number. A merge is refused with
    /// <see cref="AgencyDirectoryConflictException"/> when the latest stored version is not its base.
    /// </summary>
    public async Task<long> SaveAsync(AgencyDirectory directory, AgencyDirectoryImportRecord import, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = Sql.Command(connection, transaction, "SELECT pg_advisory_xact_lock(hashtext('agency_directory'))"))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        long? latest;
        await using (var query = Sql.Command(connection, transaction, "SELECT max(version) FROM agency_directory_versions"))
        {
            latest = await query.ExecuteScalarAsync(cancellationToken) is long found ? found : null;
        }

        if (import.Mode == AgencyImportMode.Merge && latest != import.BaseVersion)
        {
            throw new AgencyDirectoryConflictException(import.BaseVersion, latest);
        }

        var version = (latest ?? 0) + 1;
        await using (var insert = Sql.Command(connection, transaction, """
            INSERT INTO agency_directory_versions (version, imported_at, imported_by_user, imported_by_agency, mode, source_files, agency_count, operation_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """,
            version, import.At, import.UserId, import.AgencyId, ModeText(import.Mode),
            import.SourceFiles.ToArray(), directory.Count, import.OperationId))
        {
            insert.Parameters[7].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint;
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        var agencies = directory.Agencies;
        await using (var entries = Sql.Command(connection, transaction, """
            INSERT INTO agency_directory_entries (version, position, agency_id, name, kind, county_code, document)
            SELECT $1, e.position, e.agency_id, e.name, e.kind, e.county_code, e.document::jsonb
            FROM unnest($2::integer[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
                AS e (position, agency_id, name, kind, county_code, document)
            """,
            version,
            Enumerable.Range(0, agencies.Count).ToArray(),
            agencies.Select(a => a.Id).ToArray(),
            agencies.Select(a => a.Name).ToArray(),
            agencies.Select(a => a.Kind.ToString()).ToArray(),
            agencies.Select(a => a.CountyCode).ToArray(),
            agencies.Select(a => AgencyDocument.ToJson(a).ToJsonString()).ToArray()))
        {
            await entries.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return version;
    }

    /// <summary>The number of the latest stored version, or null when none was ever imported.</summary>
    public async Task<long?> LatestVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "SELECT max(version) FROM agency_directory_versions");
        return await command.ExecuteScalarAsync(cancellationToken) is long version ? version : null;
    }

    /// <summary>A stored version's agencies, checked again as any directory file is.</summary>
    public async Task<AgencyDirectory> LoadAsync(long version, CancellationToken cancellationToken)
    {
        var json = new StringBuilder("[");
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var command = Sql.Command(connection, null, "SELECT document::text FROM agency_directory_entries WHERE version = $1 ORDER BY position", version))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            var first = true;
            while (await reader.ReadAsync(cancellationToken))
            {
                json.Append(first ? "" : ",").Append(reader.GetString(0));
                first = false;
            }
        }

        json.Append(']');
        var file = new AgencySourceFile(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"資料庫中的名錄第{version}版.json"), Encoding.UTF8.GetBytes(json.ToString()));
        var check = await new AgencyDirectoryImporter().CheckAsync([file], null, null, cancellationToken);
        return check.Directory ?? throw new AgencyImportException(check.Errors);
    }

    /// <summary>The stored versions, newest first.</summary>
    public async Task<IReadOnlyList<AgencyDirectoryVersion>> VersionsAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT version, imported_at, imported_by_user, imported_by_agency, mode, source_files, agency_count, operation_id
            FROM agency_directory_versions
            ORDER BY version DESC
            LIMIT $1
            """, limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var versions = new List<AgencyDirectoryVersion>();
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(new AgencyDirectoryVersion(
                reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4) == "replace" ? AgencyImportMode.Replace : AgencyImportMode.Merge,
                reader.GetFieldValue<string[]>(5), reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetInt64(7)));
        }

        return versions;
    }

    private static string ModeText(AgencyImportMode mode) => mode == AgencyImportMode.Replace ? "replace" : "merge";
}
