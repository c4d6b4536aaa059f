using AntiDrugFlow.Workflows.Operations;
using AntiDrugFlow.Workflows.Milestones;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using AntiDrugFlow.Workflows.Calendar;
using Hangfire;

namespace AntiDrugFlow.Integrations.Scheduling;

public static class DeadlinesExtensions
{
    /// <summary>
    /// The engine's timer pump (workflow timers, every host), Hangfire on the project's PostgreSQL for milestone reminders,
    /// the weekly digest and the long operations, and the milestone catalog loaded at start.
    /// </summary>
    public static IHostApplicationBuilder AddDeadlines(this IHostApplicationBuilder builder, string connectionString, string workflowsDirectory)
    {
        var settings = new DeadlineOptions();
        builder.Configuration.GetSection("Deadlines").Bind(settings);
        settings.CatalogFile ??= Path.Combine(workflowsDirectory, "milestones", "action-plan-2017.json");
        settings.ContactsFile ??= Path.Combine(workflowsDirectory, "milestones", "contacts.json");
        builder.Services.AddDeadlines(connectionString, settings, builder.Configuration.GetValue("BackgroundWork:Enabled", true), RunsJobServer(builder.Configuration));
        return builder;
    }

    /// <summary>
    /// Whether this host runs a Hangfire server (reminders, the digest, long operations): "BackgroundWork:JobServer",
    /// by default as "BackgroundWork:Enabled".
    /// </summary>
    public static bool RunsJobServer(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        configuration.GetValue("BackgroundWork:JobServer", configuration.GetValue("BackgroundWork:Enabled", true));

    /// <summary>
    /// The same for a service collection. With <paramref name="runScheduler"/> this host runs the timer pump and, unless
    /// <paramref name="runJobServer"/> says otherwise, a Hangfire server; every host schedules jobs. Hosted services start in this order: Hangfire's schema, the catalog and the
    /// reminders' plan, then the server.
    /// </summary>
    public static IServiceCollection AddDeadlines(this IServiceCollection services, string connectionString, DeadlineOptions settings, bool runScheduler, bool? runJobServer = null)
    {
        DeadlineOptions.DigestSchedule(settings.OverdueDigestCron);
        services.AddSingleton(Options.Create(settings));
        services.TryAddSingleton<PostgresMilestoneStore>();
        services.TryAddSingleton<MilestoneTracker>();
        services.AddWorkflowTimerPump(settings.Timers, runPump: runScheduler);
        services.Replace(ServiceDescriptor.Singleton<IMilestoneScheduler, HangfireMilestoneScheduler>());
        services.AddSingleton<MilestoneContactBook>();
        services.AddTransient<MilestoneReminderJob>();
        services.AddTransient<OverdueDigestJob>();
        services.AddTransient<MilestoneCatchUpJob>();
        services.AddBackgroundJobs(connectionString, settings.Jobs);
        // Long operations (when the host registers them) run as Hangfire jobs.
        services.TryAddSingleton<IOperationQueue, HangfireOperationQueue>();
        services.AddTransient<OperationJob>();
        services.AddSingleton<HangfireJobsSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<HangfireJobsSampler>());
        services.AddHostedService<MilestoneCatalogStartup>();
        if (runJobServer ?? runScheduler)
        {
            services.AddBackgroundJobServer(settings.Jobs);
        }

        return services;
    }

    /// <summary>
    /// The engine's timer pump: the runtime's <see cref="IWorkflowScheduler"/> becomes the pump's wake-up signal, and with
    /// <paramref name="runPump"/> the pump runs as a hosted service on this host (every host runs one).
    /// </summary>
    public static IServiceCollection AddWorkflowTimerPump(this IServiceCollection services, TimerPumpOptions settings, bool runPump)
    {
        services.AddSingleton(Options.Create(settings));
        services.AddSingleton<TimerPumpSignal>();
        services.Replace(ServiceDescriptor.Singleton<IWorkflowScheduler>(sp => sp.GetRequiredService<TimerPumpSignal>()));
        services.AddSingleton<WorkflowTimerPump>();
        if (runPump)
        {
            services.AddHostedService(sp => sp.GetRequiredService<WorkflowTimerPump>());
        }

        return services;
    }
}

/// <summary>
/// Loads the configured catalog as its cycle unless it is there, plans every cycle's reminders (jobs lost in a crash come
/// back), registers the catch-up job and runs it once, so what fell due while every host was down goes out now. On the
/// first start of a database this is done before the host answers, so the first request sees the milestones; on a
/// restart it is done off the start-up path, and readiness does not wait for it: the catch-up job is registered in the
/// database already, and what the planning schedules is days away.
/// </summary>
public sealed class MilestoneCatalogStartup(
    MilestoneTracker tracker,
    IMilestoneScheduler scheduler,
    IBackgroundJobClient jobs,
    IRecurringJobManager recurring,
    IOptions<DeadlineOptions> options,
    ILogger<MilestoneCatalogStartup> logger) : BackgroundService
{
    private bool _done;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if ((await tracker.Store.CyclesAsync(cancellationToken)).Count == 0)
        {
            await RunAsync(cancellationToken);
            _done = true;
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_done)
        {
            return;
        }

        // Let the start-up go on.
        await Task.Yield();
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // The next start tries again; meanwhile the catch-up job registered by an earlier start sends what falls due.
            logger.LogError(ex, "Loading the milestone catalog or planning its reminders at start failed");
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        string? planned = null;
        if (options.Value.CatalogFile is { } file && File.Exists(file))
        {
            var catalog = await MilestoneCatalog.LoadAsync(file, cancellationToken);
            var cycleId = MilestoneTracker.CycleIdOf(catalog);
            // Loading plans the new cycle's reminders too; a cycle that is there already is planned with the others.
            if (await tracker.Store.CycleAsync(cycleId, cancellationToken) is null)
            {
                if (await tracker.LoadCycleAsync(cycleId, catalog, null, cancellationToken))
                {
                    logger.LogInformation("Milestone catalog {File} loaded as cycle {Cycle} ({Count} items)", file, cycleId, catalog.Items.Count);
                }

                planned = cycleId;
            }
        }

        foreach (var cycle in await tracker.Store.CyclesAsync(cancellationToken))
        {
            if (cycle.Id != planned)
            {
                await scheduler.PlanAsync(cycle.Id, cancellationToken);
            }
        }

        recurring.AddOrUpdate<MilestoneCatchUpJob>(MilestoneJobs.CatchUpId, j => j.RunAsync(CancellationToken.None), options.Value.CatchUpCron, new RecurringJobOptions { TimeZone = TaipeiTime.Zone });
        jobs.Enqueue<MilestoneCatchUpJob>(j => j.RunAsync(CancellationToken.None));
    }
}

/// <summary>The reminders' addresses, read from the contacts file once, when the first reminder needs them.</summary>
public sealed class MilestoneContactBook(IOptions<DeadlineOptions> options)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private MilestoneContacts? _contacts;

    public async ValueTask<MilestoneContacts> GetAsync(CancellationToken cancellationToken)
    {
        if (_contacts is not null)
        {
            return _contacts;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var file = options.Value.ContactsFile ?? throw new InvalidOperationException("Deadlines:ContactsFile is not set");
            return _contacts ??= await MilestoneContacts.LoadAsync(file, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }
}
