namespace AntiDrugFlow.Workflows.Cases;

/// <summary>
/// The Idempotency-Key rules every request that takes one shares (a notification, a counselling session, a re-test): a key is
/// 1 to 100 visible ASCII characters, is the user's own, and stands for one request, told by a fingerprint of its fields; the
/// same key with the same request answers what the first one made, the same key with another request is a conflict.
/// </summary>
public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";

    /// <summary>Refuses a malformed key (400 on <see cref="Header"/>); null is no key.</summary>
    public static void Check(string? key)
    {
        if (key is not null && (key.Length is 0 or > 100 || key.Any(c => c is < '!' or > '~')))
        {
            throw new CaseRequestException(Header, "Idempotency-Key 須為 1 至 100 個可見 ASCII 字元。");
        }
    }

    /// <summary>A hash of the request's fields, names included; stored encrypted, as even a hash of a name tells of a minor.</summary>
    public static string Fingerprint<T>(T request) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(request)));

    /// <summary>The key came with another request than the one it was first used for; <paramref name="what"/> names the request (zh-TW).</summary>
    public static CaseConflictException Reused(string key, string what) =>
        new($"Idempotency-Key「{key}」已用於另一份不同內容的{what}；重送同一份{what}請用相同內容，新的{what}請用新的 Idempotency-Key。");

    /// <summary>Whether a failed insert is the same key stored at the same moment by a concurrent request (into <paramref name="table"/>).</summary>
    public static bool IsCollision(Exception? exception, string table) =>
        exception is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation } postgres
            ? postgres.TableName == table
            : exception is not null && IsCollision(exception.InnerException, table);
}
