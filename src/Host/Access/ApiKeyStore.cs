using System.Security.Cryptography;
using System.Text;
using AntiDrugFlow.Workflows.Access;
using AntiDrugFlow.Workflows.Persistence;
using Npgsql;

namespace AntiDrugFlow.Host.Access;

/// <summary>An API key as administrators see it: never the key itself, which is shown once.</summary>
public sealed record ApiKey(
    string Id, string Name, string KeyPrefix, IReadOnlyList<string> Roles, string AgencyId,
    string CreatedBy, DateTimeOffset CreatedAt, string? RevokedBy, DateTimeOffset? RevokedAt)
{
    public bool IsRevoked => RevokedAt is not null;
}

/// <summary>The api_keys table. Keys are looked up by the SHA-256 of what the client sends.</summary>
public sealed class PostgresApiKeyStore(NpgsqlDataSource dataSource)
{
    /// <summary>Every key begins with this, so a leaked one is recognisable in logs and by secret scanners.</summary>
    public const string KeyPrefix = "adf_";

    private const string Columns = "id, name, key_prefix, roles, agency_id, created_by, created_at, revoked_by, revoked_at";

    /// <summary>A new random key (32 bytes, URL-safe base 64) and its hash.</summary>
    public static (string Key, string Hash) NewKey()
    {
        var key = KeyPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (key, Hash(key));
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Inserts the key and its audit entry in one transaction.</summary>
    public async Task InsertAsync(ApiKey key, string hash, AuditEntry audit, IAuditLog auditLog, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = Sql.Command(connection, transaction, """
            INSERT INTO api_keys (id, name, key_hash, key_prefix, roles, agency_id, created_by, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """, key.Id, key.Name, hash, key.KeyPrefix, key.Roles.ToArray(), key.AgencyId, key.CreatedBy, key.CreatedAt))
        {
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await auditLog.RecordAsync(audit, connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await QueryAsync(connection, $"SELECT {Columns} FROM api_keys ORDER BY created_at DESC, id", cancellationToken);
    }

    /// <summary>The key whose hash this is, when it exists and is not revoked.</summary>
    public async Task<ApiKey?> FindActiveAsync(string hash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await QueryAsync(connection, $"SELECT {Columns} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL", cancellationToken, hash)).FirstOrDefault();
    }

    /// <summary>Revokes the key and records it in one transaction; false when there is no such key or it was revoked already.</summary>
    public async Task<bool> RevokeAsync(string id, string revokedBy, DateTimeOffset at, AuditEntry audit, IAuditLog auditLog, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var revoke = Sql.Command(connection, transaction, "UPDATE api_keys SET revoked_by = $2, revoked_at = $3 WHERE id = $1 AND revoked_at IS NULL", id, revokedBy, at))
        {
            if (await revoke.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }

        await auditLog.RecordAsync(audit, connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static async Task<IReadOnlyList<ApiKey>> QueryAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        await using var command = Sql.Command(connection, null, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<ApiKey>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new ApiKey(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3), reader.GetString(4),
                reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.NullableString(7), reader.NullableTime(8)));
        }

        return result;
    }
}
