using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Cases;
using Npgsql;
using Xunit;

namespace AntiDrugFlow.Tests.Cases;

/// <summary>Case numbers come from the sequence a block per host at a time, in increasing order, and never twice.</summary>
public sealed class CaseNumberTests
{
    [Fact]
    public async Task A_host_reserves_a_block_of_numbers_in_one_statement_and_hands_them_out_in_order()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var store = new PostgresCaseStore(dataSource);

        var first = await store.NextNumberAsync(CancellationToken.None);
        Assert.Equal(1, first);
        Assert.Equal(PostgresCaseStore.NumberBlock, await LastValueAsync(dataSource));

        var numbers = new List<long> { first };
        for (var i = 1; i < PostgresCaseStore.NumberBlock; i++)
        {
            numbers.Add(await store.NextNumberAsync(CancellationToken.None));
        }

        // The whole block was handed out without the sequence moving.
        Assert.Equal(Enumerable.Range(1, PostgresCaseStore.NumberBlock).Select(n => (long)n), numbers);
        Assert.Equal(PostgresCaseStore.NumberBlock, await LastValueAsync(dataSource));

        Assert.Equal(PostgresCaseStore.NumberBlock + 1, await store.NextNumberAsync(CancellationToken.None));
        Assert.Equal(2 * PostgresCaseStore.NumberBlock, await LastValueAsync(dataSource));
    }

    [Fact]
    public async Task Two_hosts_taking_numbers_at_once_never_hand_out_the_same_number()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using var one = NpgsqlDataSource.Create(connectionString);
        await using var other = NpgsqlDataSource.Create(connectionString);
        var stores = new[] { new PostgresCaseStore(one), new PostgresCaseStore(other) };

        var taken = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => Task.Run(() => stores[i % 2].NextNumberAsync(CancellationToken.None))));

        Assert.Equal(300, taken.Distinct().Count());
        // Every number came from the sequence, and at most one block per host is left partly unused.
        var last = await LastValueAsync(one);
        Assert.All(taken, n => Assert.InRange(n, 1, last));
        Assert.InRange(last, 300, 300 + (2 * PostgresCaseStore.NumberBlock));
    }

    private static async Task<long> LastValueAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT last_value FROM case_number_seq");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
