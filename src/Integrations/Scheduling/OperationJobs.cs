using System.Globalization;
using AntiDrugFlow.Integrations.Diagnostics;
using AntiDrugFlow.Workflows.Operations;
using Hangfire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AntiDrugFlow.Integrations.Scheduling;

/// <summary>The Hangfire job of one long operation: runs it from the input stored with it, on whichever host takes it.</summary>
public sealed class OperationJob(OperationRunner runner)
{
    /// <summary>The job's name in the dashboard.</summary>
    public static string Title(long operationId, string title) => string.Create(CultureInfo.InvariantCulture, $"長時間作業 #{operationId}：{title}");

    /// <summary>
    /// Hangfire's entry. Run twice, or retried after it ended, it does nothing more; stopped by a shutdown it throws, the
    /// operation stays running and Hangfire gives the job to the next host.
    /// </summary>
    [JobDisplayName("{0}")]
    public Task RunAsync(string title, long operationId, CancellationToken cancellationToken) => runner.RunQueuedAsync(operationId, cancellationToken);
}

/// <summary>Long operations' queue on Hangfire.</summary>
public sealed class HangfireOperationQueue(IBackgroundJobClient jobs) : IOperationQueue
{
    public string Enqueue(long operationId, string title) =>
        jobs.Enqueue<OperationJob>(j => j.RunAsync(OperationJob.Title(operationId, title), operationId, CancellationToken.None));
}

/// <summary>Samples Hangfire's succeeded and failed job counts for the <c>hangfire.jobs.*</c> gauges, every schedule polling interval.</summary>
public sealed class HangfireJobsSampler(JobStorage storage, BackgroundJobOptions settings, TimeProvider time, ILogger<HangfireJobsSampler> logger) : BackgroundService
{
    public HangfireJobCounts Sample()
    {
        var statistics = storage.GetMonitoringApi().GetStatistics();
        var counts = new HangfireJobCounts(statistics.Succeeded, statistics.Failed);
        IntegrationsTelemetry.JobsSampled(counts);
        return counts;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                Sample();
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException)
            {
                logger.LogWarning(e, "Could not sample Hangfire's job counts");
            }

            try
            {
                await Task.Delay(settings.SchedulePollingInterval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }
}

/// <summary>Hangfire's job counts of the database: succeeded (as Hangfire keeps them) and now failed.</summary>
public sealed record HangfireJobCounts(long Succeeded, long Failed)
{
    public static readonly HangfireJobCounts Empty = new(0, 0);
}
