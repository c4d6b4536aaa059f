using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Tests.Outbox;
using AntiDrugFlow.Workflows;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>
/// The engine's connections prepare the statements they send over and over (Npgsql's automatic preparation): a step's
/// writes then run on their generic plans, while filtered reads are still planned for each call's values.
/// </summary>
public sealed class StatementPreparationTests
{
    private static readonly string Flow = new Flow("prepared").WriteLine("say", "hello").Json();

    [Fact]
    public async Task A_step_s_writes_reuse_generic_plans_and_a_filtered_read_is_planned_for_each_call()
    {
        var prepared = await PreparedAfterStartsAsync(extra: string.Empty);

        // The start's writes (the engine's tables are named only inside the engine, so the test looks at its inserts).
        var inserts = prepared.Where(p => p.Statement.StartsWith("INSERT INTO ", StringComparison.Ordinal)).ToList();
        Assert.True(inserts.Count >= 2, string.Join("\n", prepared));
        Assert.All(inserts, p => Assert.True(p.GenericPlans > 0 && p.CustomPlans == 0, $"{p.Statement}: {p.GenericPlans} generic, {p.CustomPlans} custom"));
        // The start's instance row, written only while its version is published, is one of them, for one start and for
        // a group of them (its rows from arrays): the group's form once looked dearer on the generic plan than on one
        // made for a few rows, so PostgreSQL planned it again for most groups.
        Assert.Contains(inserts, p => p.Statement.Contains("workflow_not_published", StringComparison.Ordinal) && !p.Statement.Contains("unnest(", StringComparison.Ordinal));
        Assert.Contains(inserts, p => p.Statement.Contains("workflow_not_published", StringComparison.Ordinal) && p.Statement.Contains("unnest(", StringComparison.Ordinal));

        var filtered = Assert.Single(prepared, p => p.Statement.Contains("IS NULL OR", StringComparison.Ordinal));
        Assert.Equal(0, filtered.GenericPlans);
        Assert.True(filtered.CustomPlans >= 12, $"{filtered.CustomPlans} custom plans");
    }

    [Fact]
    public async Task An_engine_connection_plans_for_each_call_outside_a_step_and_reuses_plans_inside_one()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dataSource = engine.Services.GetRequiredService<NpgsqlDataSource>();

        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var session = new NpgsqlCommand("SHOW plan_cache_mode", connection))
        {
            Assert.Equal("force_custom_plan", await session.ExecuteScalarAsync());
        }

        // A step's batch: its first statement switches generic plans on until the transaction ends, then the session's mode is back.
        await using (var batch = new NpgsqlBatch(connection) { BatchCommands = { new(PostgresInstanceStore.ReuseGenericPlans), new("SHOW plan_cache_mode") } })
        {
            await using var reader = await batch.ExecuteReaderAsync();
            await reader.NextResultAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal("force_generic_plan", reader.GetString(0));
        }

        await using var after = new NpgsqlCommand("SHOW plan_cache_mode", connection);
        Assert.Equal("force_custom_plan", await after.ExecuteScalarAsync());
    }

    [Fact]
    public async Task An_operator_s_Max_Auto_Prepare_of_zero_turns_preparation_off()
    {
        Assert.Empty(await PreparedAfterStartsAsync(extra: ";Max Auto Prepare=0"));
    }

    [Fact]
    public void The_connection_string_gets_the_defaults_only_where_the_operator_said_nothing()
    {
        static NpgsqlConnectionStringBuilder Engine(string given) => new(EngineExtensions.EngineConnectionString(given));

        Assert.Equal(EngineExtensions.DefaultMaxAutoPrepare, Engine("Host=127.0.0.1").MaxAutoPrepare);
        Assert.Equal("-c plan_cache_mode=force_custom_plan", Engine("Host=127.0.0.1").Options);
        Assert.True(Engine("Host=127.0.0.1").NoResetOnClose);
        Assert.Equal(7, Engine("Host=127.0.0.1;MaxAutoPrepare=7").MaxAutoPrepare);
        Assert.Equal(0, Engine("Host=127.0.0.1;max auto prepare=0").MaxAutoPrepare);
        Assert.Equal("-c search_path=adf -c plan_cache_mode=force_custom_plan", Engine("Host=127.0.0.1;Options=-c search_path=adf").Options);
        Assert.Equal("-c plan_cache_mode=auto", Engine("Host=127.0.0.1;Options=-c plan_cache_mode=auto").Options);
    }

    /// <summary>
    /// Starts the flow ten times on a pool of one connection, reading the instances through a filtered list twice after each,
    /// then ten times eight at once (the first alone, then the seven queued behind it as one group), then lists what that
    /// connection has prepared and how each statement was planned.
    /// </summary>
    private static async Task<List<(string Statement, long GenericPlans, long CustomPlans)>> PreparedAfterStartsAsync(string extra)
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync() + ";Maximum Pool Size=1" + extra;
        await using var engine = await EngineHarness.CreateAsync(connectionString);
        await engine.PublishAsync(Flow);
        for (var i = 0; i < 10; i++)
        {
            await engine.StartAsync("prepared");
            Assert.Single(await engine.Instances.ListInstancesAsync(new InstanceFilter(DefinitionId: "prepared", PageSize: 1), CancellationToken.None));
            Assert.Single(await engine.Instances.ListInstancesAsync(new InstanceFilter(DefinitionId: "prepared", PageSize: 1, Page: i), CancellationToken.None));
        }

        // The pool's one connection is held while eight starts arrive, so the first one's writer waits for it and the
        // other seven queue behind it whatever the machine's speed (left to timing, a loaded machine ran them one by one).
        var dataSource = engine.Services.GetRequiredService<NpgsqlDataSource>();
        var groups = engine.Services.GetRequiredService<StartGroups>();
        for (var i = 0; i < 10; i++)
        {
            List<Task<WorkflowInstance>> starts;
            await using (await dataSource.OpenConnectionAsync())
            {
                starts = [.. Enumerable.Range(0, 8).Select(_ => engine.StartAsync("prepared"))];
                await Eventually.TrueAsync(() => Task.FromResult(groups.Queued == 7), "seven starts to wait behind the first");
            }

            await Task.WhenAll(starts);
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var prepared = new List<(string, long, long)>();
        while (await reader.ReadAsync())
        {
            prepared.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        return prepared;
    }
}
