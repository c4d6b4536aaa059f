using System.Net;
using System.Net.Http.Json;
using System.Text;
using AntiDrugFlow.Host.Health;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Tests.Outbox;
using Microsoft.AspNetCore.Mvc;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Service;

/// <summary>
/// The database taken away under a running host, as a restart or a failover does, by cutting every connection between
/// them: requests are answered 503 with Retry-After, never 500, and reads are tried again until it is back.
/// </summary>
public sealed class TransientDatabaseTests
{
    [Fact]
    public async Task While_the_database_is_away_reads_and_writes_get_503_with_Retry_After_and_once_it_is_back_requests_succeed_again()
    {
        await using var proxy = DatabaseProxy.For(await TestPostgres.CreateDatabaseAsync(migrate: false));
        await using var api = new ApiFactory(proxy.ConnectionString, Directory.CreateTempSubdirectory("adf-api-").FullName, new Dictionary<string, string>
        {
            ["Database:RetryAttempts"] = "1",
            ["Database:RetryDelay"] = "00:00:00.050",
            ["Database:RetryAfterSeconds"] = "7",
        });
        using var client = api.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/workflow-definitions")).StatusCode);

        proxy.Cut();

        using (var read = await client.GetAsync("/api/workflow-definitions"))
        {
            await AssertServiceUnavailableAsync(read);
        }

        using (var write = await client.PostAsync("/api/workflow-definitions?publish=true", Json(new Flow("during-outage").WriteLine("a", "a").Json())))
        {
            await AssertServiceUnavailableAsync(write);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync(HealthExtensions.ReadyPath)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(HealthExtensions.LivePath)).StatusCode);
        Assert.True(proxy.Refused > 0, "the host tried to reach the database while it was away");

        proxy.Restore();

        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/workflow-definitions?publish=true", Json(new Flow("after-outage").WriteLine("a", "a").Json()))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/workflow-definitions")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(HealthExtensions.ReadyPath)).StatusCode);
    }

    [Fact]
    public async Task A_read_that_meets_the_database_away_is_tried_again_and_answers_200_when_it_comes_back_in_time()
    {
        await using var proxy = DatabaseProxy.For(await TestPostgres.CreateDatabaseAsync(migrate: false));
        await using var api = new ApiFactory(proxy.ConnectionString, Directory.CreateTempSubdirectory("adf-api-").FullName, new Dictionary<string, string>
        {
            ["Database:RetryAttempts"] = "3",
            ["Database:RetryDelay"] = "00:00:01",
        });
        using var client = api.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/workflow-definitions")).StatusCode);

        proxy.Cut();
        var read = client.GetAsync("/api/workflow-definitions");
        await Eventually.TrueAsync(() => Task.FromResult(proxy.Refused > 0), "the read to meet the database away");
        proxy.Restore();

        using var answer = await read;
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    private static async Task AssertServiceUnavailableAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("7", Assert.Single(response.Headers.GetValues("Retry-After")));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<ProblemDetails>())!;
        Assert.Equal((503, "系統暫時無法使用"), (problem.Status, problem.Title));
        // Nothing of the cause: no driver, no address, no stack.
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Npgsql", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("127.0.0.1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
