using System.Text.Json.Nodes;
using AntiDrugFlow.Integrations;
using AntiDrugFlow.Integrations.AgencySystems;
using AntiDrugFlow.Integrations.Outbox;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;

namespace AntiDrugFlow.Tests.Outbox;

/// <summary>
/// One "host" of outbox delivery over a real PostgreSQL database: the engine, the dispatcher and its
/// channels, the agency systems, configured from a dictionary like appsettings would.
/// </summary>
public sealed class DeliveryHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private bool _running;

    private DeliveryHarness(ServiceProvider services, string connectionString)
    {
        _services = services;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public IServiceProvider Services => _services;

    public OutboxDispatcher Dispatcher => _services.GetRequiredService<OutboxDispatcher>();

    public IOutboxStore Store => _services.GetRequiredService<IOutboxStore>();

    public WorkflowRuntime Runtime => _services.GetRequiredService<WorkflowRuntime>();

    public AgencyCallbackReceiver Callbacks => _services.GetRequiredService<AgencyCallbackReceiver>();

    /// <summary>A fresh database with the engine's, this module's and the domain's schema (callbacks read cases and store notes).</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new SchemaMigrator(
            dataSource, [new SchemaScripts(typeof(IntegrationsExtensions).Assembly), new SchemaScripts(typeof(ChainsExtensions).Assembly)], NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return connectionString;
    }

    public static async Task<DeliveryHarness> CreateAsync(string? connectionString = null, TimeProvider? time = null, IDictionary<string, string?>? settings = null, AgencyDirectory? directory = null)
    {
        connectionString ??= await CreateDatabaseAsync();
        // Without an SMTP server, mail goes to a pickup folder: a temporary one, not the working directory.
        var values = new Dictionary<string, string?> { ["Smtp:PickupDirectory"] = Path.Combine(Path.GetTempPath(), $"adf-pickup-{Guid.NewGuid():N}") };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        // Personal data (a callback's note) protected by Data Protection with keys in memory: the host keeps them in the database.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services
            .AddLogging()
            .AddSingleton(time ?? TimeProvider.System)
            .AddSingleton<IAgencyDirectorySource>(new FixedAgencyDirectorySource(directory ?? TestAgencies.Directory()))
            .AddWorkflowSystem(connectionString, configuration, new AgencyDirectoryProvider(directory ?? TestAgencies.Directory()))
            .AddOutboxDelivery(configuration)
            .AddSingleton<Workflows.Access.IPersonalDataProtector, Host.Access.DataProtectionPersonalDataProtector>()
            .Configure<AntiDrugFlow.Integrations.Email.SmtpOptions>(configuration.GetSection("Smtp"));
        return new DeliveryHarness(services.BuildServiceProvider(), connectionString);
    }

    /// <summary>Runs the dispatcher as the host would, in the background, until the harness is disposed.</summary>
    public async Task StartDispatcherAsync()
    {
        await Dispatcher.StartAsync(CancellationToken.None);
        _running = true;
    }

    public async Task<string> PublishAsync(Flow flow)
    {
        var version = await _services.GetRequiredService<WorkflowDefinitionService>().SaveAndPublishAsync(flow.Build(), CancellationToken.None);
        return version.DefinitionId;
    }

    public Task<WorkflowInstance> StartAsync(string definitionId, JsonObject? input = null) =>
        Runtime.StartAsync(definitionId, input, null, CancellationToken.None);

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var command = dataSource.CreateCommand(sql);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<WorkflowInstance> InstanceAsync(string instanceId) =>
        await _services.GetRequiredService<PostgresInstanceStore>().GetAsync(instanceId, CancellationToken.None) ?? throw new InvalidOperationException($"instance {instanceId} is gone");

    public async Task<HumanTask> TaskAsync(string taskId) =>
        await _services.GetRequiredService<PostgresInstanceStore>().GetTaskAsync(taskId, CancellationToken.None) ?? throw new InvalidOperationException($"task {taskId} is gone");

    public async Task<IReadOnlyList<OutboxItem>> MessagesAsync(string? status = null) => await Store.ListAsync(status, CancellationToken.None);

    /// <summary>Runs delivery rounds until nothing is due (with the clock where it is), at most <paramref name="rounds"/>.</summary>
    public async Task DeliverAllDueAsync(int rounds = 20)
    {
        for (var i = 0; i < rounds && await Dispatcher.DeliverDueAsync(CancellationToken.None) > 0; i++)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_running)
        {
            await Dispatcher.StopAsync(CancellationToken.None);
        }

        await _services.DisposeAsync();
    }
}

/// <summary>Central agencies with endpoints on test servers; contact emails under .invalid as in the shipped data.</summary>
public static class TestAgencies
{
    public const string Police = "npa";
    public const string Education = "moe";
    public const string Welfare = "mohw";
    public const string Justice = "moj";

    public static AgencyDirectory Directory(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? endpoints = null)
    {
        IReadOnlyDictionary<string, string>? Of(string id) => endpoints is not null && endpoints.TryGetValue(id, out var e) ? e : null;
        return AgencyDirectory.Create(
        [
            new Agency(Police, "內政部警政署", AgencyKind.NationalPoliceAgency, 1, null, null, ["npa@agencies.invalid"], Endpoints: Of(Police)),
            new Agency(Education, "教育部", AgencyKind.MinistryOfEducation, 1, null, null, ["moe@agencies.invalid"], Endpoints: Of(Education)),
            new Agency(Welfare, "衛生福利部", AgencyKind.MinistryOfHealthAndWelfare, 1, null, null, ["mohw@agencies.invalid"], Endpoints: Of(Welfare)),
            new Agency(Justice, "法務部", AgencyKind.MinistryOfJustice, 1, null, null, ["moj@agencies.invalid"], Endpoints: Of(Justice)),
        ]);
    }
}

/// <summary>Waits for asynchronous delivery with a bounded deadline; the deadline is a safety net, not a measurement.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"still not true after {seconds} s: {what}");
            }

            await Task.Delay(100);
        }
    }
}
