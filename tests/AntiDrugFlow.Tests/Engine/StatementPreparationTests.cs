using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>
/// The engine's connections keep the statements they send over and over prepared on the server (Npgsql's automatic
/// preparation, on unless the connection string sets Max Auto Prepare), so PostgreSQL stops parsing and planning them.
/// </summary>
public sealed class StatementPreparationTests
{
    private static readonly string Flow = new Flow("prepared").WriteLine("say", "hello").Json();

    [Fact]
    public async Task After_a_few_starts_the_engine_s_connection_holds_its_start_statements_prepared()
    {
        var prepared = await PreparedAfterStartsAsync(extra: string.Empty);

        // The start's writes (the engine's tables are named only inside the engine, so the test counts its inserts).
        Assert.True(prepared.Count(statement => statement.StartsWith("INSERT INTO ", StringComparison.Ordinal)) >= 2, string.Join("\n", prepared));
        Assert.Contains(prepared, statement => statement.Contains("workflow_require_published", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_operator_s_Max_Auto_Prepare_of_zero_turns_preparation_off()
    {
        var prepared = await PreparedAfterStartsAsync(extra: ";Max Auto Prepare=0");

        Assert.Empty(prepared);
    }

    [Fact]
    public void The_connection_string_gets_the_default_only_where_the_operator_said_nothing()
    {
        Assert.Equal(EngineExtensions.DefaultMaxAutoPrepare, new NpgsqlConnectionStringBuilder(EngineExtensions.EngineConnectionString("Host=127.0.0.1")).MaxAutoPrepare);
        Assert.Equal(7, new NpgsqlConnectionStringBuilder(EngineExtensions.EngineConnectionString("Host=127.0.0.1;MaxAutoPrepare=7")).MaxAutoPrepare);
        Assert.Equal(0, new NpgsqlConnectionStringBuilder(EngineExtensions.EngineConnectionString("Host=127.0.0.1;max auto prepare=0")).MaxAutoPrepare);
        Assert.True(new NpgsqlConnectionStringBuilder(EngineExtensions.EngineConnectionString("Host=127.0.0.1")).NoResetOnClose);
    }

    /// <summary>Starts the flow ten times on a pool of one connection, then lists what that connection has prepared.</summary>
    private static async Task<List<string>> PreparedAfterStartsAsync(string extra)
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync() + ";Maximum Pool Size=1" + extra;
        await using var engine = await EngineHarness.CreateAsync(connectionString);
        await engine.PublishAsync(Flow);
        for (var i = 0; i < 10; i++)
        {
            await engine.StartAsync("prepared");
        }

        await using var connection = await engine.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT statement FROM pg_prepared_statements", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var prepared = new List<string>();
        while (await reader.ReadAsync())
        {
            prepared.Add(reader.GetString(0));
        }

        return prepared;
    }
}
