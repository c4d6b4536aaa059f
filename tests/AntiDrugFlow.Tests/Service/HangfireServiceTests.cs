using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using AntiDrugFlow.Host.Health;
using AntiDrugFlow.Integrations.Diagnostics;
using AntiDrugFlow.Integrations.Scheduling;
using AntiDrugFlow.Tests.Infrastructure;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AntiDrugFlow.Tests.Service;

/// <summary>The Hangfire server in /health/ready, Hangfire's succeeded and failed counts as gauges, and a failed job retried.</summary>
public sealed class HangfireServiceTests
{
    [Fact]
    public async Task Ready_names_hangfire_healthy_while_the_hosts_server_runs_and_the_check_fails_once_it_has_stopped()
    {
        await using var api = await ApiFactory.CreateAsync(new Dictionary<string, string> { ["BackgroundWork:JobServer"] = "true" });
        using var client = api.CreateClient();

        var ready = await ReadyAsync(client, v => v.Checks.TryGetValue("hangfire", out var s) && s == "Healthy");
        Assert.Equal("Healthy", ready.Status);

        // The host stops, and with it its server, which takes itself off Hangfire's list: the same check on the same
        // database (a host of this process with the same server name) now finds no server.
        var connectionString = api.ConnectionString;
        await api.DisposeAsync();
        var settings = new BackgroundJobOptions();
        var storage = new Hangfire.PostgreSql.PostgreSqlStorage(
            new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(connectionString, BackgroundJobsExtensions.StorageOptions(settings)),
            BackgroundJobsExtensions.StorageOptions(settings));
        var result = await new HangfireServerHealthCheck(storage, settings).CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext());
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, result.Status);
    }

    [Fact]
    public async Task A_host_without_a_job_server_has_no_hangfire_check()
    {
        await using var api = await ApiFactory.CreateAsync();
        using var client = api.CreateClient();
        var view = (await client.GetFromJsonAsync<HealthView>(HealthExtensions.ReadyPath))!;
        Assert.False(view.Checks.ContainsKey("hangfire"));
        Assert.True(view.Checks.ContainsKey("database"));
    }

    [Fact]
    public async Task The_job_gauges_count_a_succeeded_and_a_failed_job()
    {
        await using var api = await ApiFactory.CreateAsync(new Dictionary<string, string> { ["BackgroundWork:JobServer"] = "true" });
        var jobs = api.Services.GetRequiredService<IBackgroundJobClient>();
        var sampler = api.Services.GetRequiredService<HangfireJobsSampler>();
        var before = sampler.Sample();

        var succeeded = jobs.Enqueue(() => TestJobs.Succeed());
        var failed = jobs.Enqueue(() => TestJobs.Fail());
        await WaitForStateAsync(api, succeeded, "Succeeded");
        await WaitForStateAsync(api, failed, "Failed");

        var after = sampler.Sample();
        // Other jobs of the host (the reminders' catch-up) may succeed meanwhile; only the test's job fails.
        Assert.True(after.Succeeded > before.Succeeded, $"succeeded {before.Succeeded} → {after.Succeeded}");
        Assert.Equal(before.Failed + 1, after.Failed);
        var observed = Observe();
        Assert.Equal(after.Succeeded, observed["hangfire.jobs.succeeded"]);
        Assert.Equal(after.Failed, observed["hangfire.jobs.failed"]);
    }

    [Fact]
    public async Task A_failed_job_retried_as_the_dashboard_retries_it_succeeds()
    {
        await using var api = await ApiFactory.CreateAsync(new Dictionary<string, string> { ["BackgroundWork:JobServer"] = "true" });
        var jobs = api.Services.GetRequiredService<IBackgroundJobClient>();
        var key = Guid.NewGuid().ToString("N");

        var job = jobs.Enqueue(() => TestJobs.FailOnce(key));
        await WaitForStateAsync(api, job, "Failed");

        // The dashboard's 「重試」 on the failed list changes the job from failed to enqueued, as this call does.
        Assert.True(jobs.ChangeState(job, new Hangfire.States.EnqueuedState(), Hangfire.States.FailedState.StateName));
        await WaitForStateAsync(api, job, "Succeeded");
        Assert.Equal(2, TestJobs.Runs(key));
    }

    private static Dictionary<string, long> Observe()
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == IntegrationsTelemetry.Name && instrument.Name.StartsWith("hangfire.jobs.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => values[instrument.Name] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }

    private static async Task<HealthView> ReadyAsync(HttpClient client, Func<HealthView, bool> condition)
    {
        // The server announces itself a moment after the host starts; the bound only keeps a broken check from hanging.
        HealthView? view = null;
        for (var attempt = 0; attempt < 300; attempt++)
        {
            using var response = await client.GetAsync(HealthExtensions.ReadyPath);
            view = (await response.Content.ReadFromJsonAsync<HealthView>())!;
            if (condition(view))
            {
                return view;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"ready never answered as expected; last: {string.Join(", ", view!.Checks)}");
    }

    private static async Task WaitForStateAsync(ApiFactory api, string jobId, string state)
    {
        using var connection = api.Services.GetRequiredService<JobStorage>().GetConnection();
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (connection.GetStateData(jobId)?.Name == state)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"job {jobId} did not reach {state}");
    }
}

/// <summary>Jobs for these tests: one that succeeds, one that fails without retries, one that fails once.</summary>
public static class TestJobs
{
    public static void Succeed()
    {
    }

    [AutomaticRetry(Attempts = 0)]
    public static void Fail() => throw new InvalidOperationException("a test job that fails");

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> RunCounts = new();

    public static int Runs(string key) => RunCounts.GetValueOrDefault(key);

    /// <summary>Fails its first run, succeeds after.</summary>
    [AutomaticRetry(Attempts = 0)]
    public static void FailOnce(string key)
    {
        if (RunCounts.AddOrUpdate(key, 1, (_, n) => n + 1) == 1)
        {
            throw new InvalidOperationException("a test job that fails once");
        }
    }
}
