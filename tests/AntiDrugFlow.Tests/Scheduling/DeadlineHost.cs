using AntiDrugFlow.Integrations;
using AntiDrugFlow.Integrations.Scheduling;
using AntiDrugFlow.Tests.Milestones;
using AntiDrugFlow.Workflows;
using AntiDrugFlow.Workflows.Milestones;
using AntiDrugFlow.Workflows.Services;
using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AntiDrugFlow.Tests.Scheduling;

/// <summary>
/// One host process as production wires it (engine, outbox delivery over SMTP, the timer pump, a Hangfire server on the
/// test's database), with the test's clock. Several on one database share the work.
/// </summary>
public sealed class DeadlineHost : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private DeadlineHost(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public MilestoneTracker Tracker => Services.GetRequiredService<MilestoneTracker>();

    public WorkflowRuntime Runtime => Services.GetRequiredService<WorkflowRuntime>();

    public WorkflowTimerPump Timers => Services.GetRequiredService<WorkflowTimerPump>();

    public static async Task<DeadlineHost> StartAsync(string connectionString, TimeProvider clock, string instanceId, int? smtpPort, Action<DeadlineOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Smtp:Host"] = smtpPort is null ? null : "127.0.0.1",
            ["Smtp:Port"] = smtpPort?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Smtp:PickupDirectory"] = smtpPort is null ? Path.Combine(Path.GetTempPath(), $"adf-pickup-{Guid.NewGuid():N}") : null,
            ["Outbox:PollInterval"] = "00:00:00.100",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(clock);
        // The outbox reads the directory in force, as the web host provides it.
        builder.Services.AddWorkflowSystem(connectionString, builder.Configuration, await Infrastructure.ShippedDirectory.ProviderAsync());
        builder.AddIntegrations();
        var settings = new DeadlineOptions
        {
            Jobs = new BackgroundJobOptions
            {
                ServerName = instanceId,
                WorkerCount = 4,
                QueuePollInterval = TimeSpan.FromMilliseconds(200),
                SchedulePollingInterval = TimeSpan.FromSeconds(1),
            },
            CatalogFile = Path.Combine(Path.GetTempPath(), "no-catalog-at-start.json"),
            ContactsFile = Path.Combine(RepositoryFiles.Root, "workflows-json", "milestones", "contacts.json"),
            Timers = new TimerPumpOptions { PollInterval = TimeSpan.FromMilliseconds(100) },
        };
        configure?.Invoke(settings);
        services?.Invoke(builder.Services);
        builder.Services.AddDeadlines(connectionString, settings, runScheduler: true);
        var host = builder.Build();

        // The integrations' own schema scripts (outbox delivery) run as the web host's start-up runs them.
        await host.Services.GetRequiredService<AntiDrugFlow.Workflows.Persistence.SchemaMigrator>().MigrateAsync(CancellationToken.None);
        await host.StartAsync();
        return new DeadlineHost(host);
    }

    /// <summary>
    /// After the test moved the clock: Hangfire runs the catch-up job now (as 「立即執行」 in the dashboard does), which sends
    /// what is due on the test's clock. Hangfire's own timing reads the machine's clock, which the test cannot move.
    /// </summary>
    public void RunDue() => Services.GetRequiredService<IRecurringJobManager>().Trigger(MilestoneJobs.CatchUpId);

    /// <summary>Stops the host as a shutdown would: the scheduler halts and nothing more fires here.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _host.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }
}
