using AntiDrugFlow.Benchmarks;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>
/// A start runs on the version this host compiled before without asking the database first, and proves it still published
/// in its own writes: two runtimes on one database stand for two hosts, one changing what the other starts.
/// </summary>
public sealed class StartPublicationTests
{
    private static string Version(string definitionId, string text) => new Flow(definitionId).WriteLine("say", text).Json();

    [Fact]
    public async Task A_start_runs_the_version_another_host_published_since_its_last_start()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var starter = await EngineHarness.CreateAsync(database);
        await using var editor = await EngineHarness.CreateAsync(database);
        await starter.PublishAsync(Version("moving", "v1 text"));
        var first = await starter.StartAsync("moving");

        await editor.PublishAsync(Version("moving", "v2 text"));
        var second = await starter.StartAsync("moving");
        var third = await starter.StartAsync("moving");

        Assert.Equal(["v1 text"], await starter.LinesAsync(first.Id));
        Assert.Equal(["v2 text"], await starter.LinesAsync(second.Id));
        Assert.Equal(["v2 text"], await starter.LinesAsync(third.Id));
        Assert.Equal([1, 2, 2], new[] { first, second, third }.Select(i => i.Version));
        Assert.Equal(3, await starter.Instances.CountInstancesAsync(new InstanceFilter(DefinitionId: "moving"), CancellationToken.None));
    }

    [Fact]
    public async Task A_start_is_refused_once_another_host_retracted_the_version_and_writes_nothing()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var starter = await EngineHarness.CreateAsync(database);
        await using var editor = await EngineHarness.CreateAsync(database);
        await starter.PublishAsync(Version("withdrawn", "text"));
        await starter.StartAsync("withdrawn");

        Assert.True(await editor.Definitions.RetractAsync("withdrawn", CancellationToken.None));
        var refused = await Assert.ThrowsAsync<KeyNotFoundException>(() => starter.StartAsync("withdrawn"));

        Assert.Contains("withdrawn", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, await starter.Instances.CountInstancesAsync(new InstanceFilter(DefinitionId: "withdrawn"), CancellationToken.None));

        // Published again elsewhere: the next start goes ahead.
        await editor.Definitions.PublishAsync("withdrawn", CancellationToken.None);
        Assert.Equal(["text"], await starter.LinesAsync((await starter.StartAsync("withdrawn")).Id));
    }

    [Fact]
    public async Task A_definition_deleted_and_created_again_on_another_host_starts_with_its_new_content()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var starter = await EngineHarness.CreateAsync(database);
        await using var editor = await EngineHarness.CreateAsync(database);
        await editor.PublishAsync(Version("reborn", "first life"));
        // The starter compiles version 1 as a start would, without starting one (an instance would keep the definition from deletion).
        var known = await starter.Definitions.PublishedForStartAsync("reborn", fresh: false, CancellationToken.None);
        Assert.Equal("reborn:v1", known!.Stamp.VersionId);

        Assert.Equal(DefinitionDeletion.Deleted, await editor.Definitions.DeleteAsync("reborn", CancellationToken.None));
        // Created again later: the same version id, another creation time (what names the content with the id).
        editor.Clock.Advance(TimeSpan.FromMinutes(1));
        await editor.PublishAsync(Version("reborn", "second life"));
        var started = await starter.StartAsync("reborn");

        Assert.Equal("reborn:v1", started.DefinitionVersionId);
        Assert.Equal(["second life"], await starter.LinesAsync(started.Id));
    }

    [Fact]
    public async Task A_start_that_waits_for_a_definitions_deletion_finds_its_version_gone_and_leaves_no_instance()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var deleting = new DeletionGate();
        await using var starter = await EngineHarness.CreateAsync(database);
        await using var editor = await EngineHarness.CreateAsync(database, services: s => s.AddSingleton<IDefinitionChangeObserver>(deleting));
        await editor.PublishAsync(Version("doomed", "text"));
        // The starter has the version compiled, so its start reads nothing before its writes.
        Assert.NotNull(await starter.Definitions.PublishedForStartAsync("doomed", fresh: false, CancellationToken.None));

        var deletion = editor.Definitions.DeleteAsync("doomed", CancellationToken.None);
        await deleting.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        // The deletion has found no instance and deleted the versions, and holds its transaction open.
        var start = starter.StartAsync("doomed");
        await WaitForLockWaitAsync(database);
        Assert.False(start.IsCompleted);
        deleting.Release();

        Assert.Equal(DefinitionDeletion.Deleted, await deletion);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => start);
        Assert.Equal(0, await starter.Instances.CountInstancesAsync(new InstanceFilter(DefinitionId: "doomed"), CancellationToken.None));
    }

    /// <summary>Holds a definition's deletion open inside its transaction until the test lets it commit.</summary>
    private sealed class DeletionGate : IDefinitionChangeObserver
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Reached => _reached.Task;

        public void Release() => _released.TrySetResult();

        public async Task OnChangedAsync(DefinitionChanged change, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
        {
            if (change.Kind == DefinitionChangeKind.Deleted)
            {
                _reached.TrySetResult();
                await _released.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }
        }
    }

    /// <summary>Waits until a session of the database waits for a lock (the start's write behind the deletion).</summary>
    private static async Task WaitForLockWaitAsync(string database)
    {
        await using var dataSource = NpgsqlDataSource.Create(database);
        for (var attempt = 0; attempt < 300; attempt++)
        {
            await using var command = dataSource.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
            if ((long)(await command.ExecuteScalarAsync())! > 0)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("No session of the database came to wait for a lock.");
    }

    [Fact]
    public async Task A_start_commits_once_with_the_rows_its_caller_batched_or_not_at_all()
    {
        // A cluster of the test's own without autovacuum: a worker visiting the database commits transactions of its own.
        await using var cluster = await TestPostgres.StartOwnClusterAsync();
        await ExecuteAsync(cluster.ConnectionString("postgres"), "ALTER SYSTEM SET autovacuum = off");
        await ExecuteAsync(cluster.ConnectionString("postgres"), "SELECT pg_reload_conf()");
        await cluster.CreateDatabaseIfMissingAsync("counted", CancellationToken.None);
        var database = cluster.ConnectionString("counted");
        await TestPostgres.MigrateAsync(database);
        await using var engine = await EngineHarness.CreateAsync(database);
        await engine.PublishAsync(Version("counted", "text"));
        await ExecuteAsync(database, "CREATE TABLE caller_rows (id text PRIMARY KEY)");
        StartOptions WithRow(string id) => new(AlsoInTransaction: (transaction, _, _) =>
        {
            transaction.Batch(Sql.BatchCommand("INSERT INTO caller_rows (id) VALUES ($1)", id));
            return Task.CompletedTask;
        });
        await engine.StartAsync("counted");

        var maintenance = new NpgsqlConnectionStringBuilder(database) { Database = "postgres" }.ConnectionString;
        await using var counter = new CommitCounter(maintenance, new NpgsqlConnectionStringBuilder(database).Database!);
        var pool = engine.Instances.DataSource;
        pool.Clear();
        await counter.SettledAsync(CancellationToken.None);
        // A backend's start-up commits a transaction of its own: the connection the starts reuse is opened before counting.
        await (await pool.OpenConnectionAsync()).DisposeAsync();
        var before = await counter.StableAsync(CancellationToken.None);
        for (var i = 0; i < 5; i++)
        {
            await engine.StartAsync("counted");
            await engine.Runtime.StartAsync("counted", null, null, WithRow($"row-{i}"), CancellationToken.None);
        }

        pool.Clear();
        var after = await counter.SettledAsync(CancellationToken.None);
        Assert.Equal(10, after.Commits - before.Commits);
        Assert.Equal(0, after.Rollbacks - before.Rollbacks);

        // A batched row that fails (a duplicate key) takes the step with it.
        var failed = await Assert.ThrowsAsync<PostgresException>(() => engine.Runtime.StartAsync("counted", null, "duplicate", WithRow("row-0"), CancellationToken.None));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, failed.SqlState);
        Assert.Equal(0, await engine.Instances.CountInstancesAsync(new InstanceFilter(CorrelationId: "duplicate"), CancellationToken.None));
        Assert.Equal(11, await engine.Instances.CountInstancesAsync(new InstanceFilter(DefinitionId: "counted"), CancellationToken.None));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
