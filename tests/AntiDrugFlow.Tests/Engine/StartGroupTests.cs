using System.Text.Json.Nodes;
using AntiDrugFlow.Integrations;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Tests.Outbox;
using AntiDrugFlow.Workflows.Agencies;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using AntiDrugFlow.Workflows.Services;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Engine;

/// <summary>
/// Concurrent starts are written together (StartGroups): one transaction for the starts queued while a writer was busy,
/// each start with all of its rows, and a group PostgreSQL refuses written again start by start.
/// </summary>
public sealed class StartGroupTests
{
    private const long HeldKey = 4711;

    /// <summary>A start that leaves a row of each kind: journal, outbox message (its e-mail), bookmark and task.</summary>
    private static string Mailing(string definitionId) => new Flow(definitionId)
        .Activity("start", "Elsa.Start")
        .Activity("mail", "Elsa.SendEmail", ("to", Literal("station@agencies.invalid")), ("subject", Literal("新通報")), ("body", Js("'案件 ' + getInput('n')", "String")))
        .Activity("task", "Elsa.RunTask", ("taskName", Literal("受理通報")))
        .Chain("start", "mail", "task")
        .Json();

    private static StartOptions Batching(params string[] sql) => new(AlsoInTransaction: (transaction, _, _) =>
    {
        foreach (var text in sql)
        {
            transaction.Batch(new NpgsqlBatchCommand(text));
        }

        return Task.CompletedTask;
    });

    [Fact]
    public async Task Starts_queued_while_a_group_is_written_commit_together_each_with_all_its_rows()
    {
        await using var held = await HeldWriter.StartAsync("grouped");
        var (engine, groups, first) = (held.Engine, held.Groups, held.First);
        var queued = Enumerable.Range(0, 8)
            .Select(i => engine.Runtime.StartAsync("grouped", new JsonObject { ["n"] = $"q{i}" }, $"queued-{i}", Batching($"INSERT INTO caller_rows VALUES ('row-{i}')"), CancellationToken.None))
            .ToList();
        await Eventually.TrueAsync(() => Task.FromResult(groups.Queued == 8), "the eight starts to wait for the writer");
        Assert.Equal(0, groups.Written);
        await held.ReleaseAsync();

        var instances = (await Task.WhenAll([first, .. queued])).ToList();
        Assert.Equal(2, groups.Groups);
        Assert.Equal(9, groups.Written);
        Assert.Equal(8L, await engine.ScalarAsync<long>("SELECT count(*) FROM caller_rows"));
        foreach (var started in instances)
        {
            var stored = await engine.ReloadAsync(started.Id);
            Assert.Equal(WorkflowStatus.Suspended, stored.Status);
            Assert.Equal(started.CorrelationId, stored.CorrelationId);
            var bookmark = Assert.Single(stored.Bookmarks);
            var task = Assert.Single(await engine.Instances.ListTasksAsync(HumanTaskStatus.Pending, started.Id, CancellationToken.None));
            Assert.Equal(bookmark.Id, task.BookmarkId);
            var mail = Assert.Single(await engine.OutboxAsync(new OutboxFilter(InstanceId: started.Id)));
            var n = started.CorrelationId == "first" ? "first" : "q" + started.CorrelationId!["queued-".Length..];
            Assert.Equal("案件 " + n, (string?)mail.Payload["body"]);
            Assert.Contains((await engine.Instances.JournalAsync(started.Id, CancellationToken.None)).Select(j => j.Event), e => e == "Suspended");
        }
    }

    [Fact]
    public async Task A_second_writer_starts_only_once_the_backlog_of_starts_waits_and_writes_them_while_the_first_group_is_held()
    {
        await using var held = await HeldWriter.StartAsync("backlog", o => (o.StartWriters, o.StartWriterBacklog) = (2, 3));
        var (engine, groups, first) = (held.Engine, held.Groups, held.First);
        Task<WorkflowInstance> Queue(int i) => engine.Runtime.StartAsync("backlog", new JsonObject { ["n"] = $"q{i}" }, $"queued-{i}", CancellationToken.None);

        // Two waiting starts are fewer than the backlog: they wait for the held writer instead of starting another.
        var queued = new List<Task<WorkflowInstance>> { Queue(0), Queue(1) };
        await Eventually.TrueAsync(() => Task.FromResult(groups.Queued == 2), "the two starts to wait for the writer");
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.Equal((2, 0L), (groups.Queued, groups.Written));

        // The third makes the backlog: a second writer takes all three and commits them while the first group is still held.
        queued.Add(Queue(2));
        var written = await Task.WhenAll(queued);
        Assert.Equal((0, 3L, 1L), (groups.Queued, groups.Written, groups.Groups));
        Assert.False(first.IsCompleted);

        await held.ReleaseAsync();
        var started = (IEnumerable<WorkflowInstance>)[await first, .. written];
        Assert.Equal((4L, 2L), (groups.Written, groups.Groups));
        foreach (var instance in started)
        {
            Assert.Equal(WorkflowStatus.Suspended, (await engine.ReloadAsync(instance.Id)).Status);
        }
    }

    [Fact]
    public void The_hosts_configuration_sets_the_writers_and_their_backlog_else_two_writers_the_second_for_eight_waiting()
    {
        static EngineOptions Options(params (string Key, string? Value)[] settings)
        {
            using var services = new ServiceCollection()
                .AddWorkflowSystem("Host=127.0.0.1;Database=unused", TestConfiguration.With(settings), new AgencyDirectoryProvider(TestAgencies.Directory()))
                .BuildServiceProvider();
            return services.GetRequiredService<EngineOptions>();
        }

        var configured = Options(("Engine:StartWriters", "3"), ("Engine:StartWriterBacklog", "5"), ("Engine:StartGroupSize", "16"));
        Assert.Equal((3, 5, 16), (configured.StartWriters, configured.StartWriterBacklog, configured.StartGroupSize));
        var defaults = Options();
        Assert.Equal((2, 8, 32), (defaults.StartWriters, defaults.StartWriterBacklog, defaults.StartGroupSize));
    }

    [Fact]
    public async Task A_group_postgres_refuses_is_written_again_start_by_start_and_only_the_failing_start_fails()
    {
        await using var held = await HeldWriter.StartAsync("refused");
        var (engine, groups, first) = (held.Engine, held.Groups, held.First);
        var good = Enumerable.Range(0, 3)
            .Select(i => engine.Runtime.StartAsync("refused", null, $"good-{i}", Batching($"INSERT INTO caller_rows VALUES ('row-{i}')"), CancellationToken.None))
            .ToList();
        var bad = engine.Runtime.StartAsync("refused", null, "bad", Batching("INSERT INTO caller_rows VALUES ('bad')", "SELECT 1 / 0"), CancellationToken.None);
        await Eventually.TrueAsync(() => Task.FromResult(groups.Queued == 4), "the four starts to wait for the writer");
        await held.ReleaseAsync();

        await first;
        await Task.WhenAll(good);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => bad);
        Assert.Equal(PostgresErrorCodes.DivisionByZero, refused.SqlState);
        // The group of four was refused as a whole; its three good starts then committed one by one, the bad one not at all.
        Assert.Equal(4, groups.Groups);
        Assert.Equal(4, groups.Written);
        Assert.Equal(3L, await engine.ScalarAsync<long>("SELECT count(*) FROM caller_rows"));
        Assert.Equal(0, await engine.Instances.CountInstancesAsync(new InstanceFilter(CorrelationId: "bad"), CancellationToken.None));
        Assert.Equal(4, await engine.Instances.CountInstancesAsync(new InstanceFilter(DefinitionId: "refused"), CancellationToken.None));
        Assert.Equal(4, (await engine.OutboxAsync(new OutboxFilter(Kind: OutboxKinds.Email))).Count);
    }

    [Fact]
    public async Task A_start_whose_caller_takes_the_transaction_is_written_in_it_alone_and_commits_with_the_callers_rows_or_not_at_all()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.PublishAsync(Mailing("own"));
        await ExecuteAsync(engine.ConnectionString, "CREATE TABLE caller_rows (id text PRIMARY KEY)");
        var groups = engine.Services.GetRequiredService<StartGroups>();
        StartOptions Writing(string id, bool fail) => new(AlsoInTransaction: async (transaction, _, cancellationToken) =>
        {
            await using (var command = new NpgsqlCommand("INSERT INTO caller_rows VALUES ($1)", transaction.Connection, transaction.Transaction))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = id });
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            if (fail)
            {
                transaction.Batch(new NpgsqlBatchCommand("SELECT 1 / 0"));
            }
        });

        var started = await engine.Runtime.StartAsync("own", null, "kept", Writing("kept", fail: false), CancellationToken.None);
        Assert.Equal(WorkflowStatus.Suspended, (await engine.ReloadAsync(started.Id)).Status);
        Assert.Equal(1L, await engine.ScalarAsync<long>("SELECT count(*) FROM caller_rows WHERE id = 'kept'"));

        await Assert.ThrowsAsync<PostgresException>(() => engine.Runtime.StartAsync("own", null, "lost", Writing("lost", fail: true), CancellationToken.None));
        Assert.Equal(0L, await engine.ScalarAsync<long>("SELECT count(*) FROM caller_rows WHERE id = 'lost'"));
        Assert.Equal(0, await engine.Instances.CountInstancesAsync(new InstanceFilter(CorrelationId: "lost"), CancellationToken.None));
        // Neither went through a group: each was written on the connection its caller had taken.
        Assert.Equal(0, groups.Groups);
    }

    /// <summary>
    /// An engine with one start writer, held inside its first group's transaction (the first start's batched row waits
    /// for a key another session holds), so the starts that follow queue behind it until <see cref="ReleaseAsync"/>.
    /// </summary>
    private sealed class HeldWriter : IAsyncDisposable
    {
        private readonly NpgsqlConnection _holder;

        private HeldWriter(EngineHarness engine, NpgsqlConnection holder, Task<WorkflowInstance> first)
        {
            Engine = engine;
            _holder = holder;
            First = first;
        }

        public EngineHarness Engine { get; }

        public StartGroups Groups => Engine.Services.GetRequiredService<StartGroups>();

        /// <summary>The start the writer is held in (input n = "first", correlation id "first").</summary>
        public Task<WorkflowInstance> First { get; }

        public static async Task<HeldWriter> StartAsync(string definitionId, Action<EngineOptions>? configure = null)
        {
            var engine = await EngineHarness.CreateAsync(configure: configure ?? (o => o.StartWriters = 1));
            await engine.PublishAsync(Mailing(definitionId));
            await ExecuteAsync(engine.ConnectionString, "CREATE TABLE caller_rows (id text PRIMARY KEY)");
            var holder = new NpgsqlConnection(engine.ConnectionString);
            await holder.OpenAsync();
            await using (var hold = new NpgsqlCommand($"SELECT pg_advisory_lock({HeldKey})", holder))
            {
                await hold.ExecuteNonQueryAsync();
            }

            var first = engine.Runtime.StartAsync(definitionId, new JsonObject { ["n"] = "first" }, "first", Batching($"SELECT pg_advisory_xact_lock({HeldKey})"), CancellationToken.None);
            await Eventually.TrueAsync(
                async () =>
                {
                    await using var waiting = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", holder);
                    return (long)(await waiting.ExecuteScalarAsync())! > 0;
                },
                "the writer to wait for the held key");
            return new HeldWriter(engine, holder, first);
        }

        public async Task ReleaseAsync()
        {
            await using var command = new NpgsqlCommand($"SELECT pg_advisory_unlock({HeldKey})", _holder);
            Assert.True((bool)(await command.ExecuteScalarAsync())!);
        }

        public async ValueTask DisposeAsync()
        {
            await _holder.DisposeAsync();
            await Engine.DisposeAsync();
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
