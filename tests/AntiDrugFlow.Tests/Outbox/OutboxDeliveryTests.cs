using AntiDrugFlow.Integrations.Outbox;
using AntiDrugFlow.Tests.Infrastructure;
using AntiDrugFlow.Workflows.Outbox;
using Xunit;
using static AntiDrugFlow.Tests.Infrastructure.Flow;

namespace AntiDrugFlow.Tests.Outbox;

/// <summary>Outbox delivery shared by several hosts: leases, claim tokens, backoff, dead letters.</summary>
public sealed class OutboxDeliveryTests
{
    private static Flow Calls(string definitionId, Uri target, int count)
    {
        var flow = new Flow(definitionId);
        var ids = new List<string>();
        for (var i = 1; i <= count; i++)
        {
            flow.Activity($"call{i}", "Elsa.SendHttpRequest", ("url", Literal(new Uri(target, $"/hook/{i}").ToString())), ("method", Literal("POST")), ("content", ObjectExpr($"{{\"case\":\"T-{i}\"}}")));
            ids.Add($"call{i}");
        }

        return flow.Chain([.. ids]);
    }

    /// <summary>A host with its dispatcher running and <paramref name="calls"/> messages queued for one receiver.</summary>
    private static async Task<DeliveryHarness> BacklogAsync(LoopbackAgency agency, int calls, int maxConcurrency, int perReceiver, string claimAhead = "00:00:00.500", string recordDelay = "00:00:00.020", int perSecond = 0)
    {
        var host = await DeliveryHarness.CreateAsync(settings: new Dictionary<string, string?>
        {
            ["Outbox:PollInterval"] = "00:00:00.050", ["Outbox:MaxConcurrency"] = $"{maxConcurrency}", ["Outbox:MaxConcurrencyPerDestination"] = $"{perReceiver}",
            ["Outbox:ClaimAhead"] = claimAhead, ["Outbox:RecordDelay"] = recordDelay, ["Outbox:MaxPerSecondPerDestination"] = $"{perSecond}",
        });
        await host.StartAsync(await host.PublishAsync(Calls($"calls-{calls}", agency.Address, calls)));
        await host.StartDispatcherAsync();
        return host;
    }

    /// <summary>Waits until every message is sent, then checks each reached the receiver under its own key in one attempt.</summary>
    private static async Task AllSentOnceAsync(DeliveryHarness host, LoopbackAgency agency, int count)
    {
        await Eventually.TrueAsync(async () => (await host.MessagesAsync()).All(m => m.Status == OutboxStatuses.Sent), $"all {count} messages to be sent");
        Assert.Equal(count, agency.Requests.Select(r => r.Header("Idempotency-Key")).Distinct(StringComparer.Ordinal).Count());
        Assert.All(await host.MessagesAsync(), m => Assert.Equal(1, m.Attempts));
    }

    [Fact]
    public async Task Two_hosts_sharing_one_outbox_deliver_every_message_exactly_once()
    {
        await using var agency = await LoopbackAgency.StartAsync(AgencyBehaviour.Ok);
        var settings = new Dictionary<string, string?> { ["Outbox:PollInterval"] = "00:00:00.050", ["Outbox:BatchSize"] = "3" };
        await using var first = await DeliveryHarness.CreateAsync(settings: settings);
        await using var second = await DeliveryHarness.CreateAsync(first.ConnectionString, settings: settings);
        await first.StartAsync(await first.PublishAsync(Calls("thirty-calls", agency.Address, 30)));

        await first.StartDispatcherAsync();
        await second.StartDispatcherAsync();
        await Eventually.TrueAsync(async () => (await first.MessagesAsync()).All(m => m.Status == OutboxStatuses.Sent), "all 30 messages to be sent");

        var keys = agency.Requests.Select(r => r.Header("Idempotency-Key")).ToList();
        Assert.Equal(30, keys.Count);
        Assert.Equal(30, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.All(await first.MessagesAsync(), m => Assert.Equal(1, m.Attempts));
    }

    /// <summary>
    /// A backlog for one receiver: claimed messages that find its places taken wait in this host for one (within their
    /// lease) instead of going back to the table, so the backlog is not claimed and handed back round after round — which
    /// once cost a statement per message handed back and held one receiver's mail to a few messages a poll.
    /// </summary>
    [Fact]
    public async Task A_backlog_for_one_receiver_is_delivered_at_its_limit_without_being_claimed_and_handed_back_round_after_round()
    {
        await using var agency = await LoopbackAgency.StartAsync(AgencyBehaviour.Ok);
        await using var host = await BacklogAsync(agency, 60, maxConcurrency: 16, perReceiver: 2);

        await AllSentOnceAsync(host, agency, 60);
        Assert.Equal(60, agency.Requests.Count);
        Assert.InRange(agency.MaxInFlight, 1, 2);
        // Claiming sixteen at a time for two places, the old dispatcher handed back fourteen for every two it started (420
        // or more for 60); now a round that finds the receiver's places taken claims less the next time (34–35 measured).
        Assert.InRange(host.Dispatcher.HandedBack, 0, 59);
    }

    /// <summary>
    /// A fast receiver's backlog is claimed far ahead of its places: as many messages wait in this host as its places deliver
    /// in <c>Outbox:ClaimAhead</c> at its measured pace, so a claim takes a host's worth, not a handful (120 in at most 20
    /// claims). With no claiming ahead (zero), as many wait as it has places, as before: at most four a claim here.
    /// </summary>
    [Theory]
    [InlineData("00:00:05", 120, 4, 20)]
    [InlineData("00:00:00", 40, 10, 400)]
    public async Task A_receivers_backlog_is_claimed_as_far_ahead_as_its_pace_allows_while_it_keeps_to_its_places(string claimAhead, int calls, int leastClaims, int mostClaims)
    {
        await using var agency = await LoopbackAgency.StartAsync(AgencyBehaviour.Ok);
        await using var host = await BacklogAsync(agency, calls, maxConcurrency: 32, perReceiver: 2, claimAhead: claimAhead);

        await AllSentOnceAsync(host, agency, calls);
        Assert.InRange(agency.MaxInFlight, 1, 2);
        Assert.InRange(host.Dispatcher.ClaimStatements, leastClaims, mostClaims);
    }

    /// <summary>
    /// A delivery frees its receiver's place when it ends, not when its outcome is written: outcomes wait
    /// <c>Outbox:RecordDelay</c> for the others that end meanwhile and are written together, one statement for the group.
    /// Here every call reaches the receiver before the first outcome is written.
    /// </summary>
    [Fact]
    public async Task Outcomes_wait_for_each_other_and_are_written_together_while_the_receivers_places_go_on()
    {
        await using var agency = await LoopbackAgency.StartAsync(AgencyBehaviour.Ok);
        await using var host = await BacklogAsync(agency, 20, maxConcurrency: 32, perReceiver: 2, recordDelay: "00:00:05");

        await Eventually.TrueAsync(() => Task.FromResult(agency.Requests.Count == 20), "all 20 calls to reach the receiver");
        Assert.DoesNotContain(await host.MessagesAsync(), m => m.Status == OutboxStatuses.Sent);
        Assert.Equal(0, host.Dispatcher.RecordStatements);

        await AllSentOnceAsync(host, agency, 20);
        Assert.InRange(host.Dispatcher.RecordStatements, 1, 3);
    }

    /// <summary>
    /// A receiver with a rate limit (<c>Outbox:MaxPerSecondPerDestination</c>) gets its deliveries spread one interval
    /// apart: 41 at 40 a second take at least a second from the first call to the last, however fast the receiver answers.
    /// </summary>
    [Fact]
    public async Task A_receivers_rate_limit_spreads_its_deliveries_over_time()
    {
        await using var agency = await LoopbackAgency.StartAsync(AgencyBehaviour.Ok);
        await using var host = await BacklogAsync(agency, 41, maxConcurrency: 32, perReceiver: 4, perSecond: 40);

        await AllSentOnceAsync(host, agency, 41);
        var arrivals = agency.Requests.Select(r => r.ReceivedAt).Order().ToList();
        Assert.InRange(System.Diagnostics.Stopwatch.GetElapsedTime(arrivals[0], arrivals[^1]), TimeSpan.FromSeconds(0.95), TimeSpan.FromMinutes(1));
        Assert.InRange(agency.MaxInFlight, 1, 4);
    }

    [Theory]
    [InlineData(4, 500, null, 32, 4)] // no delivery timed yet: as many waiting as places
    [InlineData(4, 500, 100.0, 32, 20)] // four places, 100 ms each, half a second ahead
    [InlineData(4, 500, 5.0, 32, 32)] // fast: as many as the host holds
    [InlineData(4, 500, 2000.0, 32, 4)] // slower than the time ahead: never fewer than its places
    [InlineData(4, 0, 5.0, 32, 4)] // no claiming ahead
    [InlineData(4, 500, 0.0, 32, 32)] // too fast to time
    [InlineData(8, 500, 2000.0, 6, 6)] // never more than the host holds
    public void The_waiting_places_follow_the_receivers_pace(int places, int aheadMs, double? paceMs, int most, int expected) =>
        Assert.Equal(expected, OutboxDispatcher.WaitingPlaces(places, TimeSpan.FromMilliseconds(aheadMs), paceMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, most));

    /// <summary>
    /// Deliveries that end together are recorded together: one statement (one commit) for the group, each message still
    /// recorded once and only while its claim is this host's.
    /// </summary>
    [Fact]
    public async Task Deliveries_that_end_together_are_recorded_in_one_statement()
    {
        await using var agency = await LoopbackAgency.StartAsync(AgencyBehaviour.Slow);
        await using var host = await BacklogAsync(agency, 40, maxConcurrency: 32, perReceiver: 16);
        await Eventually.TrueAsync(() => Task.FromResult(agency.InFlight == 16), "sixteen calls to be held by the receiver");

        agency.Release();
        await AllSentOnceAsync(host, agency, 40);
        Assert.InRange(host.Dispatcher.RecordStatements, 1, 39);
    }

    /// <summary>
    /// A message waiting in this host for its receiver's place is not started once its lease would end before the attempt
    /// could: it goes back to the table (its attempt not counted) and is claimed afresh, so no other host can take it over
    /// while it is being delivered.
    /// </summary>
    [Fact]
    public async Task A_waiting_message_whose_lease_would_end_during_its_attempt_goes_back_and_is_claimed_afresh()
    {
        await using var agency = await LoopbackAgency.StartAsync(AgencyBehaviour.Slow);
        var clock = new TestClock();
        await using var host = await DeliveryHarness.CreateAsync(time: clock, settings: new Dictionary<string, string?>
        {
            ["Outbox:MaxConcurrencyPerDestination"] = "1", ["Outbox:Lease"] = "00:02:00", ["Outbox:MessageTimeout"] = "00:00:30",
        });
        await host.StartAsync(await host.PublishAsync(Calls("two-calls", agency.Address, 2)));
        await host.StartDispatcherAsync();
        await Eventually.TrueAsync(() => Task.FromResult(agency.InFlight == 1), "the first call to be held by the receiver");

        // The second has waited 100 s of its 120 s lease: a 30 s attempt would outlast it.
        clock.Advance(TimeSpan.FromSeconds(100));
        agency.Release();
        await Eventually.TrueAsync(() => Task.FromResult(host.Dispatcher.HandedBack == 1), "the waiting message to be handed back");
        Assert.Single(agency.Requests);

        clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(async () => (await host.MessagesAsync()).All(m => m.Status == OutboxStatuses.Sent), "both messages to be sent");
        Assert.Equal(2, agency.Requests.Select(r => r.Header("Idempotency-Key")).Distinct(StringComparer.Ordinal).Count());
        Assert.All(await host.MessagesAsync(), m => Assert.Equal(1, m.Attempts));
    }

    /// <summary>
    /// A host torn down by its owner without StopAsync (a test host, a crashed start): the dispatcher's loop and a delivery under
    /// way end without a fault, and the message is not lost: its claim lapses with the lease and it is delivered later.
    /// </summary>
    [Fact]
    public async Task A_host_disposed_without_being_stopped_ends_its_dispatcher_without_a_fault()
    {
        await using var agency = await LoopbackAgency.StartAsync(AgencyBehaviour.Slow);
        var settings = new Dictionary<string, string?> { ["Outbox:PollInterval"] = "00:00:00.050" };
        var host = await DeliveryHarness.CreateAsync(settings: settings);
        await host.StartAsync(await host.PublishAsync(Calls("one-slow-call", agency.Address, 1)));
        var dispatcher = host.Dispatcher;
        await dispatcher.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => Task.FromResult(agency.InFlight == 1), "the delivery to be under way");

        await host.DisposeAsync();
        var loop = dispatcher.ExecuteTask!;
        await loop;

        Assert.True(loop.IsCompletedSuccessfully);
        dispatcher.Dispose();
        Assert.Equal(OutboxStatuses.Pending, Assert.Single(await MessagesOfAsync(host.ConnectionString)).Status);
    }

    private static async Task<IReadOnlyList<OutboxItem>> MessagesOfAsync(string connectionString)
    {
        await using var other = await DeliveryHarness.CreateAsync(connectionString);
        return await other.MessagesAsync();
    }

    [Fact]
    public async Task Failed_attempts_back_off_exponentially_and_the_message_is_dead_lettered_after_the_configured_attempts()
    {
        await using var agency = await LoopbackAgency.StartAsync(AgencyBehaviour.Fail);
        var clock = new TestClock();
        await using var host = await DeliveryHarness.CreateAsync(time: clock, settings: new Dictionary<string, string?>
        {
            ["Outbox:MaxAttempts"] = "3", ["Outbox:FirstRetryDelay"] = "00:01:00", ["Outbox:MaxRetryDelay"] = "01:00:00",
        });
        await host.StartAsync(await host.PublishAsync(Calls("failing-call", agency.Address, 1)));

        Assert.Equal(1, await host.Dispatcher.DeliverDueAsync(CancellationToken.None));
        var first = Assert.Single(await host.MessagesAsync());
        Assert.InRange(first.NextAttemptAt - clock.GetUtcNow(), TimeSpan.FromSeconds(48), TimeSpan.FromSeconds(72));
        Assert.Contains("HTTP 500", first.LastError, StringComparison.Ordinal);
        Assert.Equal(0, await host.Dispatcher.DeliverDueAsync(CancellationToken.None));

        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await host.Dispatcher.DeliverDueAsync(CancellationToken.None));
        var second = Assert.Single(await host.MessagesAsync());
        Assert.InRange(second.NextAttemptAt - clock.GetUtcNow(), TimeSpan.FromSeconds(96), TimeSpan.FromSeconds(144));

        clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(1, await host.Dispatcher.DeliverDueAsync(CancellationToken.None));
        var dead = Assert.Single(await host.MessagesAsync());
        Assert.Equal(OutboxStatuses.DeadLettered, dead.Status);
        Assert.Equal(3, dead.Attempts);
        Assert.Contains("HTTP 500", dead.LastError, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await host.Dispatcher.DeliverDueAsync(CancellationToken.None));
        Assert.Equal(3, agency.Requests.Count);
        Assert.Single(agency.Requests.Select(r => r.Header("Idempotency-Key")).Distinct(StringComparer.Ordinal));
    }

    [Fact]
    public void Retry_delays_double_each_attempt_up_to_the_cap_and_carry_jitter()
    {
        var first = TimeSpan.FromSeconds(10);
        var max = TimeSpan.FromMinutes(5);

        var third = Enumerable.Range(0, 100).Select(_ => OutboxDispatcher.RetryDelay(3, first, max)).ToList();
        var capped = Enumerable.Range(0, 100).Select(_ => OutboxDispatcher.RetryDelay(20, first, max)).ToList();

        Assert.All(third, d => Assert.InRange(d, TimeSpan.FromSeconds(32), TimeSpan.FromSeconds(48)));
        Assert.True(third.Distinct().Count() > 1, "jitter spreads the retries");
        Assert.All(capped, d => Assert.InRange(d, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(6)));
    }

    [Fact]
    public async Task A_host_whose_lease_ran_out_cannot_overwrite_the_outcome_recorded_by_the_host_that_took_over()
    {
        var clock = new TestClock();
        await using var first = await DeliveryHarness.CreateAsync(time: clock);
        await using var second = await DeliveryHarness.CreateAsync(first.ConnectionString, time: clock);
        await first.StartAsync(await first.PublishAsync(Calls("taken-over", new Uri("http://127.0.0.1:9"), 1)));

        var stale = Assert.Single(await first.Store.ClaimAsync(clock.GetUtcNow(), TimeSpan.FromMinutes(1), 10, "first", CancellationToken.None));
        Assert.Empty(await second.Store.ClaimAsync(clock.GetUtcNow(), TimeSpan.FromMinutes(1), 10, "second", CancellationToken.None));
        clock.Advance(TimeSpan.FromMinutes(2));
        var current = Assert.Single(await second.Store.ClaimAsync(clock.GetUtcNow(), TimeSpan.FromMinutes(1), 10, "second", CancellationToken.None));
        Assert.Equal(stale.IdempotencyKey, current.IdempotencyKey);
        Assert.Equal([current.Id], await second.Store.MarkSentAsync([(current, clock.GetUtcNow())], CancellationToken.None));

        Assert.False(await first.Store.MarkFailedAsync(stale, "late failure", null, CancellationToken.None));
        Assert.Empty(await first.Store.MarkSentAsync([(stale, clock.GetUtcNow())], CancellationToken.None));
        var message = Assert.Single(await first.MessagesAsync());
        Assert.Equal(OutboxStatuses.Sent, message.Status);
        Assert.Null(message.LastError);
        clock.Advance(TimeSpan.FromDays(1));
        Assert.Empty(await first.Store.ClaimAsync(clock.GetUtcNow(), TimeSpan.FromMinutes(1), 10, "first", CancellationToken.None));
    }

    [Fact]
    public async Task A_claim_leaves_the_due_time_alone_and_a_message_handed_back_waits_then_queues_behind_those_already_due()
    {
        var clock = new TestClock();
        await using var host = await DeliveryHarness.CreateAsync(time: clock);
        var store = (PostgresOutboxStore)host.Store;
        var now = clock.GetUtcNow();
        await QueueAsync(host, ("queue:first", now.AddSeconds(-4)), ("queue:second", now.AddSeconds(-3)), ("queue:third", now.AddSeconds(-2)), ("queue:fourth", now.AddSeconds(-1)));

        var first = Assert.Single(await host.Store.ClaimAsync(now, TimeSpan.FromMinutes(1), 1, "a", CancellationToken.None));
        Assert.Equal(("queue:first", now.AddSeconds(-4), now.AddMinutes(1)), (first.IdempotencyKey, first.NextAttemptAt, first.LeasedUntil));
        // Another host passes over the claimed head of the queue, and the backlog does not count it as due.
        Assert.Equal("queue:second", Assert.Single(await host.Store.ClaimAsync(now, TimeSpan.FromMinutes(1), 1, "b", CancellationToken.None)).IdempotencyKey);
        Assert.Equal(2, (await store.BacklogAsync(now, CancellationToken.None)).Due);

        // Handed back with a wait (its receiver is busy): not claimed during it.
        await host.Store.ReleaseAsync([first], now.AddSeconds(5), CancellationToken.None);
        Assert.Equal("queue:third", Assert.Single(await host.Store.ClaimAsync(now.AddSeconds(1), TimeSpan.FromMinutes(1), 1, "c", CancellationToken.None)).IdempotencyKey);
        Assert.Equal(1, (await store.BacklogAsync(now.AddSeconds(1), CancellationToken.None)).Due);

        // After it, behind the message that was due before it, and the hand-back cost no attempt.
        Assert.Equal("queue:fourth", Assert.Single(await host.Store.ClaimAsync(now.AddSeconds(6), TimeSpan.FromMinutes(1), 1, "d", CancellationToken.None)).IdempotencyKey);
        var again = Assert.Single(await host.Store.ClaimAsync(now.AddSeconds(6), TimeSpan.FromMinutes(1), 1, "d", CancellationToken.None));
        Assert.Equal(("queue:first", now.AddSeconds(5), 1), (again.IdempotencyKey, again.NextAttemptAt, again.Attempts));
    }

    [Fact]
    public async Task The_backlog_is_read_from_the_messages_due_first_up_to_its_window_and_the_earliest_due_is_always_exact()
    {
        var clock = new TestClock();
        await using var host = await DeliveryHarness.CreateAsync(time: clock);
        var store = (PostgresOutboxStore)host.Store;
        var now = clock.GetUtcNow();
        await QueueAsync(host, [.. Enumerable.Range(1, 5).Select(i => ($"window:{i}", now.AddSeconds(i - 6)))]);
        // The head of the queue is being delivered: pending, not due.
        Assert.Equal("window:1", Assert.Single(await host.Store.ClaimAsync(now, TimeSpan.FromMinutes(1), 1, "a", CancellationToken.None)).IdempotencyKey);

        Assert.Equal(new OutboxBacklog(5, TimeSpan.FromSeconds(5), 4, TimeSpan.FromSeconds(4), PostgresOutboxStore.BacklogWindow), await store.BacklogAsync(now, CancellationToken.None));
        // A window of three: the counts stop at it; the earliest due, and here the oldest, are among the three.
        Assert.Equal(new OutboxBacklog(3, TimeSpan.FromSeconds(5), 2, TimeSpan.FromSeconds(4), 3), await store.BacklogAsync(now, CancellationToken.None, window: 3));
    }

    /// <summary>Queues messages for no instance, each due at its own time, as a job queues them.</summary>
    private static async Task QueueAsync(DeliveryHarness host, params (string Key, DateTimeOffset At)[] messages)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(host.ConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await ((IOutbox)host.Store).EnqueueAsync(
            transaction, [.. messages.Select(m => new Workflows.Runtime.OutboxMessage(Guid.NewGuid(), null, "http", m.Key, new System.Text.Json.Nodes.JsonObject(), m.At))], CancellationToken.None);
        await transaction.CommitAsync();
    }

    [Fact]
    public async Task A_message_claimed_by_a_host_that_died_is_delivered_by_another_after_the_lease_with_the_same_key()
    {
        await using var agency = await LoopbackAgency.StartAsync(AgencyBehaviour.Ok);
        var clock = new TestClock();
        await using var dead = await DeliveryHarness.CreateAsync(time: clock);
        await using var survivor = await DeliveryHarness.CreateAsync(dead.ConnectionString, time: clock);
        await dead.StartAsync(await dead.PublishAsync(Calls("orphaned", agency.Address, 1)));
        var orphan = Assert.Single(await dead.Store.ClaimAsync(clock.GetUtcNow(), TimeSpan.FromMinutes(2), 10, "dead", CancellationToken.None));

        Assert.Equal(0, await survivor.Dispatcher.DeliverDueAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(1, await survivor.Dispatcher.DeliverDueAsync(CancellationToken.None));

        var request = Assert.Single(agency.Requests);
        Assert.Equal(orphan.IdempotencyKey, request.Header("Idempotency-Key"));
        Assert.Equal(OutboxStatuses.Sent, Assert.Single(await survivor.MessagesAsync()).Status);
    }

    [Fact]
    public async Task Resending_or_dropping_a_dead_letter_is_recorded_with_who_and_when_and_only_dead_letters_can_be_resent()
    {
        await using var agency = await LoopbackAgency.StartAsync(AgencyBehaviour.Fail);
        var clock = new TestClock();
        await using var host = await DeliveryHarness.CreateAsync(time: clock, settings: new Dictionary<string, string?> { ["Outbox:MaxAttempts"] = "1" });
        await host.StartAsync(await host.PublishAsync(Calls("two-dead", agency.Address, 2)));
        await host.Dispatcher.DeliverDueAsync(CancellationToken.None);
        var deadLetters = (await host.MessagesAsync(OutboxStatuses.DeadLettered)).OrderBy(m => m.IdempotencyKey, StringComparer.Ordinal).ToList();
        Assert.Equal(2, deadLetters.Count);

        agency.Behaviour = AgencyBehaviour.Ok;
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.True(await host.Store.RequeueAsync(deadLetters[0].Id, "liaison-admin", "endpoint fixed", clock.GetUtcNow(), CancellationToken.None));
        Assert.True(await host.Store.DropAsync(deadLetters[1].Id, "police-admin", null, clock.GetUtcNow(), CancellationToken.None));
        Assert.False(await host.Store.RequeueAsync(deadLetters[1].Id, "liaison-admin", null, clock.GetUtcNow(), CancellationToken.None));
        await host.DeliverAllDueAsync();

        Assert.Equal(OutboxStatuses.Sent, (await host.Store.GetAsync(deadLetters[0].Id, CancellationToken.None))!.Status);
        Assert.False(await host.Store.RequeueAsync(deadLetters[0].Id, "liaison-admin", "once more", clock.GetUtcNow(), CancellationToken.None));
        Assert.Equal(OutboxStatuses.Dropped, (await host.Store.GetAsync(deadLetters[1].Id, CancellationToken.None))!.Status);
        Assert.Equal([deadLetters[0].IdempotencyKey], agency.Accepted.Select(r => r.Header("Idempotency-Key")));
        var resent = Assert.Single(await host.Store.AuditAsync(deadLetters[0].Id, CancellationToken.None));
        Assert.Equal(("Resent", "liaison-admin", "endpoint fixed", clock.GetUtcNow()), (resent.Action, resent.Actor, resent.Reason, resent.At));
        var dropped = Assert.Single(await host.Store.AuditAsync(deadLetters[1].Id, CancellationToken.None));
        Assert.Equal(("Dropped", "police-admin"), (dropped.Action, dropped.Actor));
    }
}
