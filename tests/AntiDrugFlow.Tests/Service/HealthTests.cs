using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AntiDrugFlow.Host.Health;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace AntiDrugFlow.Tests.Service;

/// <summary>/health/live and /health/ready as a load balancer and an orchestrator call them: anonymous, uncached, saying only which check failed.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Live_and_ready_answer_anonymously_on_a_host_that_requires_login_and_name_their_checks_and_nothing_else()
    {
        await using var api = await ApiFactory.CreateAsync(new Dictionary<string, string> { ["Security:RequireLogin"] = "true" });
        using var client = api.CreateClient(new() { AllowAutoRedirect = false });

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/workflow-definitions")).StatusCode);
        using var live = await client.GetAsync(HealthExtensions.LivePath);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(new HealthView("Healthy", new Dictionary<string, string>()), await ReadAsync(live), HealthViewComparer.Instance);

        using var ready = await client.GetAsync(HealthExtensions.ReadyPath);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var view = await ReadAsync(ready);
        Assert.Equal(new HealthView("Healthy", new Dictionary<string, string> { ["database"] = "Healthy", ["definitions"] = "Healthy", ["outbox"] = "Healthy" }), view, HealthViewComparer.Instance);
        Assert.True(ready.Headers.CacheControl?.NoCache ?? ready.Headers.CacheControl?.NoStore, "a probe's answer must not be cached");
        var text = await ready.Content.ReadAsStringAsync();
        var database = new NpgsqlConnectionStringBuilder(api.ConnectionString);
        Assert.DoesNotContain(database.Database!, text);
        Assert.DoesNotContain(database.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), text);
    }

    [Fact]
    public async Task Ready_is_503_naming_the_database_while_a_schema_script_is_not_applied_and_live_stays_200()
    {
        await using var api = await ApiFactory.CreateAsync();
        using var client = api.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(HealthExtensions.ReadyPath)).StatusCode);

        await ExecuteAsync(api.ConnectionString, "DELETE FROM schema_migrations WHERE name = (SELECT max(name) FROM schema_migrations)");

        using var ready = await client.GetAsync(HealthExtensions.ReadyPath);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var view = await ReadAsync(ready);
        Assert.Equal(("Unhealthy", "Unhealthy", "Healthy"), (view.Status, view.Checks["database"], view.Checks["definitions"]));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(HealthExtensions.LivePath)).StatusCode);
    }

    [Fact]
    public async Task Ready_is_503_naming_the_outbox_once_a_due_message_has_waited_longer_than_the_configured_bound()
    {
        await using var api = await ApiFactory.CreateAsync(new Dictionary<string, string> { ["Health:OutboxMaxDueAge"] = "00:01:00" });
        using var client = api.CreateClient();
        var now = DateTimeOffset.UtcNow;

        // Nothing delivers on this host (background work is off), so messages stay due.
        await EnqueueAsync(api, new OutboxMessage(Guid.NewGuid(), null, OutboxKinds.Email, "health-recent", new JsonObject(), now.AddSeconds(-30)));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(HealthExtensions.ReadyPath)).StatusCode);

        await EnqueueAsync(api, new OutboxMessage(Guid.NewGuid(), null, OutboxKinds.Email, "health-stuck", new JsonObject(), now.AddMinutes(-10)));
        using var ready = await client.GetAsync(HealthExtensions.ReadyPath);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var view = await ReadAsync(ready);
        Assert.Equal(("Unhealthy", "Healthy"), (view.Checks["outbox"], view.Checks["database"]));
    }

    private static async Task<HealthView> ReadAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<HealthView>())!;
    }

    private static async Task EnqueueAsync(ApiFactory api, OutboxMessage message)
    {
        var outbox = api.Services.GetRequiredService<IOutbox>();
        await using var dataSource = NpgsqlDataSource.Create(api.ConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await outbox.EnqueueAsync(transaction, [message], CancellationToken.None);
        await transaction.CommitAsync();
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private sealed class HealthViewComparer : IEqualityComparer<HealthView>
    {
        public static readonly HealthViewComparer Instance = new();

        public bool Equals(HealthView? x, HealthView? y) =>
            x is not null && y is not null && x.Status == y.Status && x.Checks.Count == y.Checks.Count && x.Checks.All(c => y.Checks.TryGetValue(c.Key, out var v) && v == c.Value);

        public int GetHashCode(HealthView obj) => obj.Status.GetHashCode(StringComparison.Ordinal);
    }
}
