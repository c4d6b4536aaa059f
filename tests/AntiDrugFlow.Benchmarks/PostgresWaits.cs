using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace AntiDrugFlow.Benchmarks;

/// <summary>
/// What PostgreSQL's busy client backends were doing, second by second: every 20 ms one look at <c>pg_stat_activity</c>
/// from a connection of its own, each active backend counted under its wait event (<c>CPU</c> when it waits on nothing:
/// running or ready to run). A second whose requests were slow shows whether its backends were waiting on the WAL's
/// flush, a lock, the client, or were simply busy.
/// </summary>
public sealed class PostgresWaits : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private readonly SecondSlots<Dictionary<string, int>> _seconds;

    public PostgresWaits(string connectionString, long start)
    {
        _seconds = new SecondSlots<Dictionary<string, int>>(start, () => new Dictionary<string, int>(StringComparer.Ordinal));
        _sampling = Task.Run(() => SampleAsync(connectionString, _stop.Token));
    }

    private async Task SampleAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
            connection);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var at = Stopwatch.GetTimestamp();
                var seen = new List<string>();
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        seen.Add(reader.GetString(0));
                    }
                }

                _seconds.At(at, counts =>
                {
                    foreach (var wait in seen)
                    {
                        counts[wait] = counts.GetValueOrDefault(wait) + 1;
                    }
                });

                await Task.Delay(20, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Per second, its three most seen states with how many backend-samples each (50 samples a second).</summary>
    public string Line(int seconds) =>
        _seconds.Line(seconds, counts => string.Join(", ",
            counts.OrderByDescending(p => p.Value).Take(3).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value}"))));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }
}
