using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AntiDrugFlow.Integrations.AgencySystems;

/// <summary>
/// HMAC-SHA256 over "{timestamp}.{body}" with the key shared with one agency, in both directions. The
/// timestamp is Unix seconds; the signature is "sha256=" and lower-case hex.
/// </summary>
public static class AgencySignature
{
    public const string TimestampHeader = "X-AntiDrugFlow-Timestamp";
    public const string SignatureHeader = "X-AntiDrugFlow-Signature";
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static string Timestamp(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    public static string Sign(byte[] key, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(timestamp + ".");
        var data = new byte[prefix.Length + body.Length];
        prefix.CopyTo(data, 0);
        body.CopyTo(data.AsSpan(prefix.Length));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, data));
    }

    /// <summary>True when the signature matches and the timestamp is within <paramref name="tolerance"/> of now.</summary>
    public static SignatureCheck Verify(byte[] key, string? timestamp, string? signature, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature)
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return SignatureCheck.Missing;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(key, timestamp, body));
        // Constant time, so the comparison does not reveal how much of a forged signature was right.
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature)))
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
