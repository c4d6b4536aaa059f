using System.Text.Json.Nodes;
using AntiDrugFlow.Integrations;
using AntiDrugFlow.Workflows;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Chains;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.DependencyInjection;

namespace AntiDrugFlow.Tests.Infrastructure;

/// <summary>The engine over a real PostgreSQL database, with a clock the test moves. One per "host".</summary>
public sealed class EngineHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private EngineHarness(ServiceProvider services, TestClock clock, string connectionString)
    {
        _services = services;
        Clock = clock;
        ConnectionString = connectionString;
    }

    public TestClock Clock { get; }

    public string ConnectionString { get; }

    public WorkflowRuntime Runtime => _services.GetRequiredService<WorkflowRuntime>();

    public WorkflowDefinitionService Definitions => _services.GetRequiredService<WorkflowDefinitionService>();

    public PostgresInstanceStore Instances => _services.GetRequiredService<PostgresInstanceStore>();

    public IServiceProvider Services => _services;

    /// <summary>The outbox messages matching <paramref name="filter"/>, through the engine's outbox store.</summary>
    public Task<IReadOnlyList<OutboxItem>> OutboxAsync(OutboxFilter filter) =>
        _services.GetRequiredService<IOutboxStore>().ListAsync(filter, CancellationToken.None);

    /// <summary>Delivers the outbox (started workflows, events, a child's word to its parent) until nothing is due; returns how many it delivered.</summary>
    public async Task<int> DeliverOutboxAsync()
    {
        var dispatcher = _services.GetRequiredService<AntiDrugFlow.Integrations.Outbox.OutboxDispatcher>();
        var delivered = 0;
        for (var round = 0; round < 20; round++)
        {
            var count = await dispatcher.DeliverDueAsync(CancellationToken.None);
            if (count == 0)
            {
                break;
            }

            delivered += count;
        }

        return delivered;
    }

    /// <param name="settings">More configuration, as appsettings would give it (e.g. agency signing keys, outbox limits).</param>
    /// <param name="services">More services, registered after the engine's (e.g. an observer of definition changes).</param>
    public static async Task<EngineHarness> CreateAsync(
        string? connectionString = null, TestClock? clock = null, Action<EngineOptions>? configure = null, IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        connectionString ??= await TestPostgres.CreateDatabaseAsync();
        clock ??= new TestClock();
        var configuration = TestConfiguration.With([("App:BaseUrl", "https://antidrugflow.test"), .. (settings ?? new Dictionary<string, string?>()).Select(s => (s.Key, s.Value))]);
        var collection = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(clock)
            .AddWorkflowSystem(connectionString, configuration, await ShippedDirectory.ProviderAsync(), configure)
            .AddOutboxDelivery(configuration);
        services?.Invoke(collection);
        return new EngineHarness(collection.BuildServiceProvider(), clock, connectionString);
    }

    public async Task<string> PublishAsync(string json)
    {
        var version = await Definitions.SaveAndPublishAsync(JsonNode.Parse(json)!.AsObject(), CancellationToken.None);
        return version.DefinitionId;
    }

    public Task<WorkflowInstance> StartAsync(string definitionId, object? input = null, string? correlationId = null) =>
        Runtime.StartAsync(definitionId, input is null ? null : System.Text.Json.JsonSerializer.SerializeToNode(input)!.AsObject(), correlationId, CancellationToken.None);

    public async Task<WorkflowInstance> ReloadAsync(string instanceId) =>
        await Instances.GetAsync(instanceId, CancellationToken.None) ?? throw new InvalidOperationException($"instance {instanceId} is gone");

    public async Task<IReadOnlyList<string>> LinesAsync(string instanceId) =>
        [.. (await Instances.JournalAsync(instanceId, CancellationToken.None)).Where(j => j.Event == "WriteLine").Select(j => j.Message ?? string.Empty)];

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(ConnectionString);
        await using var command = dataSource.CreateCommand(sql);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = p });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}

/// <summary>The agency directory shipped in workflows-json/agencies, loaded once per test run.</summary>
public static class ShippedDirectory
{
    private static readonly Lazy<Task<AgencyDirectory>> Directory = new(() =>
        new AgencyDirectoryImporter().ImportFolderAsync(System.IO.Path.Combine(Host.Infrastructure.ProjectPaths.WorkflowsDirectory(), "agencies"), CancellationToken.None));

    public static Task<AgencyDirectory> LoadAsync() => Directory.Value;

    /// <summary>A provider holding the shipped directory, as the host's holds the directory in force.</summary>
    public static async Task<AgencyDirectoryProvider> ProviderAsync() => new(await Directory.Value);

    /// <summary>Publishes a definition shipped in workflows-json/chains.</summary>
    public static async Task PublishChainAsync(this EngineHarness engine, string definitionId) =>
        await engine.PublishAsync(await File.ReadAllTextAsync(System.IO.Path.Combine(Host.Infrastructure.ProjectPaths.WorkflowsDirectory(), "chains", definitionId + ".json")));
}
