using System.Text.Json.Nodes;
using AntiDrugFlow.Workflows.Outbox;
using AntiDrugFlow.Workflows.Persistence;
using AntiDrugFlow.Workflows.Runtime;
using Npgsql;
using Xunit;

namespace AntiDrugFlow.Tests.Infrastructure;

/// <summary>The engine's own query interfaces over a test database, for tests that look at what a host (or another process) left there.</summary>
public sealed class EngineReader : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresInstanceStore _store;
    private readonly PostgresOutboxStore _outbox;

    public EngineReader(string connectionString)
    {
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _store = new PostgresInstanceStore(_dataSource);
        _outbox = new PostgresOutboxStore(_dataSource);
    }

    public IWorkflowInstanceQueries Instances => _store;

    public IHumanTaskQueries Tasks => _store;

    public IOutboxStore Outbox => _outbox;

    /// <summary>Every instance matching the filter, all pages.</summary>
    public async Task<IReadOnlyList<InstanceSummary>> AllInstancesAsync(InstanceFilter filter)
    {
        var all = new List<InstanceSummary>();
        for (var page = 0; ; page++)
        {
            var found = await _store.ListInstancesAsync(filter with { Page = page, PageSize = 500 }, CancellationToken.None);
            all.AddRange(found);
            if (found.Count < 500)
            {
                return all;
            }
        }
    }

    /// <summary>
    /// Queues a message through the engine's outbox and uses up its attempts at once, as if it had failed every
    /// retry. It is queued in 2000 and claimed as of then, so no message of the test's own is claimed with it.
    /// </summary>
    public async Task AddDeadLetterAsync(Guid id, string kind, string idempotencyKey, JsonObject payload, string lastError)
    {
        // Due only in a far future, so the running host's own dispatcher (on the real clock) never claims it before this does.
        var then = new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await using (var connection = await _dataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await _outbox.EnqueueAsync(transaction, [new OutboxMessage(id, null, kind, idempotencyKey, payload, then)], CancellationToken.None);
            await transaction.CommitAsync();
        }

        var claimed = Assert.Single(await _outbox.ClaimAsync(then.AddSeconds(1), TimeSpan.FromMinutes(1), 1, "test", CancellationToken.None));
        Assert.Equal(id, claimed.Id);
        Assert.True(await _outbox.MarkFailedAsync(claimed, lastError, null, CancellationToken.None));
    }

    /// <summary>A payload as text with its Chinese unescaped, as PostgreSQL shows it, so substring checks see the real text.</summary>
    public static string Text(JsonNode payload) =>
        payload.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
