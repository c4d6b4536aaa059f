using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AntiDrugFlow.Integrations.AgencySystems;

/// <summary>
/// HMAC-SHA256 with the key shared with one agency, in both directions. Outgoing calls sign
/// "{timestamp}.{body}"; callbacks sign "{timestamp}.{idempotencyKey}.{body}", so a captured callback
/// cannot be sent again under a new key. The timestamp is Unix seconds; the signature is "sha256=" and
/// hex (lower-case when we sign; either case accepted).
/// </summary>
public static class AgencySignature
{
    public const string TimestampHeader = "X-AntiDrugFlow-Timestamp";
    public const string SignatureHeader = "X-AntiDrugFlow-Signature";
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static string Timestamp(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    public static string Sign(byte[] key, string timestamp, ReadOnlySpan<byte> body) => Mac(key, timestamp + ".", body);

    /// <summary>The signature of a callback: the idempotency key is signed with the timestamp and the body.</summary>
    public static string SignCallback(byte[] key, string timestamp, string idempotencyKey, ReadOnlySpan<byte> body) =>
        Mac(key, timestamp + "." + idempotencyKey + ".", body);

    private static string Mac(byte[] key, string prefixText, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(prefixText);
        var data = new byte[prefix.Length + body.Length];
        prefix.CopyTo(data, 0);
        body.CopyTo(data.AsSpan(prefix.Length));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, data));
    }

    /// <summary>True when the signature matches and the timestamp is within <paramref name="tolerance"/> of now.</summary>
    public static SignatureCheck Verify(byte[] key, string? timestamp, string? signature, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance) =>
        Check(key, timestamp, signature, timestamp + ".", body, now, tolerance);

    /// <summary>As <see cref="Verify(byte[], string?, string?, ReadOnlySpan{byte}, DateTimeOffset, TimeSpan)"/>, for a callback whose idempotency key is signed too.</summary>
    public static SignatureCheck VerifyCallback(byte[] key, string? timestamp, string? signature, string idempotencyKey, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance) =>
        Check(key, timestamp, signature, timestamp + "." + idempotencyKey + ".", body, now, tolerance);

    /// <summary>The headers are there and of the right shape (checked before a body is read).</summary>
    public static bool HasShape(string? timestamp, string? signature) =>
        !string.IsNullOrEmpty(timestamp) && long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out _)
        && signature is { Length: 71 } && signature.StartsWith("sha256=", StringComparison.Ordinal) && signature.AsSpan(7).ContainsAnyExcept(HexDigits) is false;

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    private static SignatureCheck Check(byte[] key, string? timestamp, string? signature, string prefix, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (!HasShape(timestamp, signature))
        {
            return string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature) ? SignatureCheck.Missing : SignatureCheck.Invalid;
        }

        var seconds = long.Parse(timestamp!, NumberStyles.None, CultureInfo.InvariantCulture);
        var expected = Encoding.ASCII.GetBytes(Mac(key, prefix, body));
        // Constant time, so the comparison does not reveal how much of a forged signature was right; hex in either case.
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature!.ToLowerInvariant())))
        {
            return SignatureCheck.Invalid;
        }

        var at = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799));
        return (now - at).Duration() > tolerance ? SignatureCheck.Stale : SignatureCheck.Valid;
    }
}

public enum SignatureCheck
{
    Valid,
    Missing,
    Invalid,
    Stale,
}
