using System.Net;
using Npgsql;

namespace AntiDrugFlow.Host.Access;

/// <summary>
/// Security:SignInThrottle. Past <c>FreeFailures</c> wrong passwords counted in one scope, the scope waits
/// <c>FirstDelaySeconds</c> after its latest failure, doubling with each further failure up to <c>MaxDelayMinutes</c>;
/// a count is forgotten <c>ForgetAfterMinutes</c> after its latest failure.
/// </summary>
public sealed class SignInThrottleOptions
{
    /// <summary>One name from one address.</summary>
    public int PairFreeFailures { get; set; } = 5;

    /// <summary>One name from all the addresses it has not signed in from.</summary>
    public int AccountFreeFailures { get; set; } = 20;

    /// <summary>All names from one address.</summary>
    public int AddressFreeFailures { get; set; } = 50;

    public int FirstDelaySeconds { get; set; } = 60;

    public int MaxDelayMinutes { get; set; } = 15;

    public int ForgetAfterMinutes { get; set; } = 24 * 60;

    /// <summary>How long an address an account signed in from stays its usual place.</summary>
    public int KnownAddressDays { get; set; } = 90;
}

/// <summary>
/// Throttles password guessing in PostgreSQL, so it holds across hosts, without a lockout an attacker can
/// trigger: wrong passwords make the next attempts wait (per name and address, per name, per address; an IPv6
/// address counted by its /64) instead
/// of locking the account. A name is counted whether or not an account has it, so the answer is the same for
/// unknown names. The per-name count leaves out the addresses the account has signed in from, so its user
/// still signs in from their usual place while someone elsewhere guesses. A refused attempt checks no
/// password and is not counted, so the wait ends on time.
/// </summary>
public sealed class SignInThrottle(NpgsqlDataSource dataSource, TimeProvider time, Microsoft.Extensions.Options.IOptions<SignInThrottleOptions> options)
{
    private const string Pair = "pair";
    private const string AccountScope = "account";
    private const string Address = "address";

    private SignInThrottleOptions Options => options.Value;

    /// <summary>When the attempt of this name from this address may be made, if not now.</summary>
    public async Task<DateTimeOffset?> RefusedUntilAsync(string userName, IPAddress? address, CancellationToken cancellationToken)
    {
        var (name, from) = (Name(userName), AddressKey(address));
        var now = time.GetUtcNow();
        await using var command = dataSource.CreateCommand("""
            SELECT f.scope, f.failures, f.last_failure_at
            FROM sign_in_failures f
            WHERE f.last_failure_at >= $4
              AND ((f.scope = 'pair' AND f.key = $1) OR (f.scope = 'address' AND f.key = $2)
                   OR (f.scope = 'account' AND f.key = $3
                       AND NOT EXISTS (SELECT 1 FROM sign_in_known_addresses k WHERE k.user_name = $3 AND k.address = $2 AND k.signed_in_at >= $5)))
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = PairKey(name, from) });
        command.Parameters.Add(new NpgsqlParameter { Value = from });
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        command.Parameters.Add(new NpgsqlParameter { Value = (now - TimeSpan.FromMinutes(Options.ForgetAfterMinutes)).ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter { Value = (now - TimeSpan.FromDays(Options.KnownAddressDays)).ToUniversalTime() });
        DateTimeOffset? until = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var free = reader.GetString(0) switch { Pair => Options.PairFreeFailures, AccountScope => Options.AccountFreeFailures, _ => Options.AddressFreeFailures };
            if (Delay(reader.GetInt32(1), free) is { } delay)
            {
                var end = reader.GetFieldValue<DateTimeOffset>(2) + delay;
                if (end > now && (until is null || end > until))
                {
                    until = end;
                }
            }
        }

        return until;
    }

    /// <summary>Counts a wrong password (or an unknown name) in each scope, atomically, forgetting old counts.</summary>
    public async Task FailedAsync(string userName, IPAddress? address, CancellationToken cancellationToken)
    {
        var (name, from) = (Name(userName), AddressKey(address));
        var now = time.GetUtcNow().ToUniversalTime();
        var forgetBefore = now - TimeSpan.FromMinutes(Options.ForgetAfterMinutes);
        await using var batch = dataSource.CreateBatch();
        foreach (var (scope, key) in new[] { (Pair, PairKey(name, from)), (AccountScope, name), (Address, from) })
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO sign_in_failures AS f (scope, key, failures, last_failure_at) VALUES ($1, $2, 1, $3)
                ON CONFLICT (scope, key) DO UPDATE
                SET failures = CASE WHEN f.last_failure_at < $4 THEN 1 ELSE f.failures + 1 END, last_failure_at = $3
                """)
            {
                Parameters = { new() { Value = scope }, new() { Value = key }, new() { Value = now }, new() { Value = forgetBefore } },
            });
        }

        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM sign_in_failures WHERE last_failure_at < $1") { Parameters = { new() { Value = forgetBefore } } });
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// A right password: this name's count from this address is cleared and the address becomes one of the
    /// account's usual places. The per-name and per-address counts stay: one success does not reopen guessing elsewhere.
    /// </summary>
    public async Task SucceededAsync(string userName, IPAddress? address, CancellationToken cancellationToken)
    {
        var (name, from) = (Name(userName), AddressKey(address));
        var now = time.GetUtcNow().ToUniversalTime();
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM sign_in_failures WHERE scope = 'pair' AND key = $1") { Parameters = { new() { Value = PairKey(name, from) } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            INSERT INTO sign_in_known_addresses (user_name, address, signed_in_at) VALUES ($1, $2, $3)
            ON CONFLICT (user_name, address) DO UPDATE SET signed_in_at = EXCLUDED.signed_in_at
            """)
        {
            Parameters = { new() { Value = name }, new() { Value = from }, new() { Value = now } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM sign_in_known_addresses WHERE signed_in_at < $1")
        {
            Parameters = { new() { Value = now - TimeSpan.FromDays(Options.KnownAddressDays) } },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The wait after <paramref name="failures"/> failures of a scope allowing <paramref name="free"/>; none below it.</summary>
    public TimeSpan? Delay(int failures, int free)
    {
        if (free <= 0 || failures < free)
        {
            return null;
        }

        var max = TimeSpan.FromMinutes(Options.MaxDelayMinutes);
        var doublings = Math.Min(failures - free, 30);
        var delay = TimeSpan.FromSeconds(Options.FirstDelaySeconds * Math.Pow(2, doublings));
        return delay < max ? delay : max;
    }

    /// <summary>Names are compared as the account store does (trimmed, case-insensitive), and cut short.</summary>
    private static string Name(string userName)
    {
        var name = userName.Trim().ToUpperInvariant();
        return name.Length <= 128 ? name : name[..128];
    }

    /// <summary>
    /// What one client is: an IPv4 address as it is, an IPv6 address by its /64 network (one subscriber or site is given a whole
    /// /64 and can pick any address in it, so counting single addresses would let it guess from a new one each time).
    /// </summary>
    private static string AddressKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private static string PairKey(string name, string address) => name + "\n" + address;
}
