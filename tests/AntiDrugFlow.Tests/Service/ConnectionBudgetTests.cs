using System.Net;
using System.Net.Http.Json;
using AntiDrugFlow.Tests.Chains;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Tests.Outbox;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace AntiDrugFlow.Tests.Service;

/// <summary>
/// The host's one connection budget (Database:MaxConnections): against a PostgreSQL with the default max_connections
/// a burst of notifications never opens more than the budget, every request is answered 201 or 503 with Retry-After
/// (never 500), and every case committed with its instance and its audit row; a pool that stays full is 503.
/// </summary>
public sealed class ConnectionBudgetTests
{
    private const int Budget = 40;

    [Fact]
    public async Task Two_hundred_concurrent_notifications_on_a_server_of_100_connections_stay_within_the_budget_and_leave_nothing_half_written()
    {
        var connectionString = await TestPostgres.CreateDatabaseOnOwnClusterAsync(maxConnections: 100);
        await using var host = await ChainsHost.StartAsync(
            new Dictionary<string, string> { ["Database:MaxConnections"] = Budget.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            connectionString: connectionString);
        using var school = await host.SignedInAsync("school.kl-xinyi-jh");

        using var stop = new CancellationTokenSource();
        var peak = WatchConnectionsAsync(connectionString, stop.Token);
        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ =>
            school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", urgent = false, drugLevel = 2 })));
        await stop.CancelAsync();

        foreach (var response in responses)
        {
            if (response.StatusCode != HttpStatusCode.Created)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.NotEmpty(response.Headers.GetValues("Retry-After"));
            }
        }

        var created = (long)responses.Count(r => r.StatusCode == HttpStatusCode.Created);
        Assert.True(created > 0, "no notification went through");
        Assert.InRange(await peak, 1, Budget);
        // Nothing half-written: each case has its instance and its creation's audit row, and each instance its case.
        Assert.Equal(created, await host.ScalarAsync<long>("SELECT count(*) FROM cases"));
        var instances = await host.InstanceIdsAsync();
        Assert.Equal(created, instances.Count);
        Assert.All(await host.ScalarAsync<string[]>("SELECT coalesce(array_agg(instance_id), '{}') FROM cases"), id => Assert.Contains(id, instances));
        Assert.Equal(created, await host.ScalarAsync<long>("SELECT count(*) FROM audit_log a JOIN cases c ON c.id = a.case_id WHERE a.action = 'case.create'"));
        Assert.Equal(created, await host.ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'case.create'"));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task A_request_that_finds_the_pool_full_for_the_whole_wait_is_answered_503_with_Retry_After_and_nothing_is_written()
    {
        await using var host = await ChainsHost.StartAsync(new Dictionary<string, string>
        {
            ["Database:MaxConnections"] = "16",
            ["Database:BackgroundJobConnections"] = "12",
            ["Database:ConnectionWait"] = "00:00:01",
            ["Database:RetryAfterSeconds"] = "7",
        });
        using var school = await host.SignedInAsync("school.kl-xinyi-jh");

        // Take every connection of the engine's pool (4), as a burst of requests would.
        var held = new List<NpgsqlConnection>();
        var dataSource = host.Factory.Services.GetRequiredService<NpgsqlDataSource>();
        try
        {
            while (true)
            {
                var connection = dataSource.CreateConnection();
                try
                {
                    await connection.OpenAsync();
                    held.Add(connection);
                }
                catch (NpgsqlException ex) when (ex.InnerException is TimeoutException)
                {
                    await connection.DisposeAsync();
                    Assert.Contains("The connection pool has been exhausted", ex.Message, StringComparison.Ordinal);
                    break;
                }
            }

            Assert.Equal(4, held.Count);
            using var refused = await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", urgent = false, drugLevel = 2 });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("7", Assert.Single(refused.Headers.GetValues("Retry-After")));
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Equal(503, (await refused.Content.ReadFromJsonAsync<ProblemDetails>())!.Status);
        }
        finally
        {
            foreach (var connection in held)
            {
                await connection.DisposeAsync();
            }
        }

        Assert.Equal(0L, await host.ScalarAsync<long>("SELECT count(*) FROM cases"));
        using var accepted = await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", urgent = false, drugLevel = 2 });
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        Assert.Equal(1L, await host.ScalarAsync<long>("SELECT count(*) FROM cases"));
        Assert.Equal(1L, await host.ScalarAsync<long>("SELECT count(*) FROM audit_log a JOIN cases c ON c.id = a.case_id WHERE a.action = 'case.create'"));
    }

    [Fact]
    public async Task A_stopped_host_leaves_no_connection_open_on_the_server()
    {
        var connectionString = await TestPostgres.CreateDatabaseOnOwnClusterAsync(maxConnections: 100);
        var host = await ChainsHost.StartAsync(connectionString: connectionString);
        using (var school = await host.SignedInAsync("school.kl-xinyi-jh"))
        {
            Assert.Equal(HttpStatusCode.Created, (await school.PostAsJsonAsync("/api/notifications", new { kind = "DrugSource", urgent = false, drugLevel = 2 })).StatusCode);
        }

        // The engine's pool and Hangfire's (its server polls) hold connections while the host runs.
        Assert.True(await ConnectionsAsync(connectionString) > 0);
        await host.DisposeAsync();

        // Both pools belong to the host and close with it: nothing is left for the server to hold.
        await Eventually.TrueAsync(async () => await ConnectionsAsync(connectionString) == 0, "the stopped host's connections to close");
    }

    private static async Task<long> ConnectionsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(CancellationToken.None);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", connection);
        return (long)(await count.ExecuteScalarAsync(CancellationToken.None))!;
    }

    /// <summary>The most connections to the database seen at once (not counting this watcher's own) until cancelled.</summary>
    private static async Task<long> WatchConnectionsAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(CancellationToken.None);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", connection);
        var peak = 0L;
        while (!cancellationToken.IsCancellationRequested)
        {
            peak = Math.Max(peak, (long)(await count.ExecuteScalarAsync(CancellationToken.None))!);
            await Task.Delay(10, CancellationToken.None);
        }

        return peak;
    }
}
