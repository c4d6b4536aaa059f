using System.Collections.Concurrent;
using System.Diagnostics;
using AntiDrugFlow.Integrations.Diagnostics;
using AntiDrugFlow.Workflows.Outbox;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AntiDrugFlow.Integrations.Outbox;

public sealed class OutboxOptions
{
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a claimed message is reserved for the host delivering it.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    public int BatchSize { get; set; } = 50;

    /// <summary>Attempts before a message is dead-lettered.</summary>
    public int MaxAttempts { get; set; } = 8;

    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The longest one delivery attempt may take; kept below the lease so no other host takes over a live attempt.</summary>
    public TimeSpan MessageTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Deliveries in flight in this host.</summary>
    public int MaxConcurrency { get; set; } = 32;

    /// <summary>Deliveries in flight to one receiver, so a slow one cannot take every slot.</summary>
    public int MaxConcurrencyPerDestination { get; set; } = 4;

    /// <summary>
    /// The most deliveries this host starts to one receiver in a second (zero: no limit). A mail relay or an agency's system
    /// takes only so many, and deliveries at full speed take the cores that requests need: unlimited, a backlog of mail
    /// to one relay went out at 1,100–1,470 a second beside 500 notifications a second and their p99 rose from 34–79 ms
    /// (150 a second) to 119–232 ms (docs/BENCHMARKS.md, "A rate per receiver").
    /// </summary>
    public int MaxPerSecondPerDestination { get; set; } = 100;

    /// <summary>
    /// How far ahead this host claims for one receiver whose places are all running: the messages waiting here for them
    /// are at most what its places deliver in this time at its measured pace (never fewer than it has places, never more
    /// than the host holds). A fast receiver's backlog is then claimed in a few large claims instead of one small claim per
    /// handful; zero keeps as many waiting as it has places.
    /// </summary>
    public TimeSpan ClaimAhead { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long a delivery's outcome waits to be written with the others that end meanwhile (one statement and one commit
    /// for the group). The receiver's place is free for its next message as soon as the delivery ends, not when it is
    /// recorded; a host that dies in between leaves the message to be delivered again after its lease, under its key.
    /// </summary>
    public TimeSpan RecordDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>On shutdown, how long deliveries under way may take to finish before they are cancelled and handed back.</summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the backlog gauges are refreshed from the database.</summary>
    public TimeSpan BacklogSampleInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The effective per-attempt timeout: never more than 80 % of the lease.</summary>
    public TimeSpan AttemptTimeout => MessageTimeout < Lease * 0.8 ? MessageTimeout : Lease * 0.8;
}

/// <summary>A delivery failed; the message is retried later or dead-lettered.</summary>
public sealed class DeliveryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The receiver refused the message for good (an SMTP 5xx): it is dead-lettered at once, as a retry would be refused the same way.</summary>
public sealed class PermanentDeliveryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Delivers one kind of outbox message (email, http, event, agency system).</summary>
public interface IOutboxChannel
{
    string Kind { get; }

    /// <summary>Who receives the message; messages to one destination share a concurrency limit.</summary>
    string Destination(OutboxItem item);

    Task DeliverAsync(OutboxItem item, CancellationToken cancellationToken);
}

/// <summary>
/// Delivers outbox rows after their step committed. Several hosts share the work through leases and
/// claim tokens; each message carries its idempotency key on every attempt. Deliveries run side by
/// side with a per-attempt timeout and a per-destination limit, so a slow receiver delays only its own.
/// </summary>
public sealed class OutboxDispatcher : BackgroundService
{
    private readonly IOutboxStore _store;
    private readonly Dictionary<string, IOutboxChannel> _channels;
    private readonly TimeProvider _time;
    private readonly IOptions<OutboxOptions> _options;
    private readonly ILogger<OutboxDispatcher> _logger;
    private readonly ConcurrentDictionary<Guid, Task> _inFlight = new();

    // Per receiver: deliveries running and claimed messages waiting for one of its slots (under its own lock).
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    // Claimed messages this host holds, running or waiting. A receiver whose waiting messages run out signals the loop
    // that it may claim again.
    private int _held;

    // How many to claim next: cut to what could be placed when a round had to hand messages back, twice as many after a
    // round that placed them all, so a backlog for one busy receiver is not claimed and handed back over and over, and a
    // receiver whose waiting places grow with its pace gets claims that grow as fast.
    private int _claimSize = int.MaxValue;
    private TaskCompletionSource _slotFreed = NewSignal();
    private bool _stopping;
    private long _handedBack;

    // Deliveries waiting to be recorded, whether a writer is recording them, and that writer.
    private const int RecordGroupSize = 500;
    private readonly ConcurrentQueue<(OutboxItem Claimed, DateTimeOffset At)> _sent = new();
    private int _recording;
    private Task _recorder = Task.CompletedTask;
    private long _recordStatements;
    private long _claimStatements;

    // Per receiver, the average time one delivery took (an exponential average of the last ones, in seconds), under the
    // lanes' lock; kept while the receiver's lane comes and goes.
    private readonly Dictionary<string, double> _pace = new(StringComparer.Ordinal);

    // Per receiver with a rate limit, when its next delivery may start (a TimeProvider timestamp), under the lanes' lock.
    private readonly Dictionary<string, long> _nextStart = new(StringComparer.Ordinal);
    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    // Cancelled after the shutdown grace, not at once: a stopping host claims nothing new but lets deliveries under way finish.
    private readonly CancellationTokenSource _deliveries = new();
    private int _disposed;

    public OutboxDispatcher(IOutboxStore store, IEnumerable<IOutboxChannel> channels, TimeProvider time, IOptions<OutboxOptions> options, ILogger<OutboxDispatcher> logger)
    {
        _store = store;
        _channels = channels.ToDictionary(c => c.Kind, StringComparer.Ordinal);
        _time = time;
        _options = options;
        _logger = logger;
    }

    public const string HttpClientName = "outbox";

    /// <summary>Messages claimed and handed back undelivered: their receiver had no free place, or their lease was too near its end; a test reads it.</summary>
    internal long HandedBack => Interlocked.Read(ref _handedBack);

    /// <summary>Statements that recorded deliveries (each records a group); a test reads it.</summary>
    internal long RecordStatements => Interlocked.Read(ref _recordStatements);

    /// <summary>Claims in this host's loop that found due messages; a test reads it.</summary>
    internal long ClaimStatements => Interlocked.Read(ref _claimStatements);

    /// <summary>
    /// How many claimed messages may wait for a receiver with <paramref name="places"/> places: what those deliver in
    /// <paramref name="ahead"/> at <paramref name="pace"/> (one delivery's average time; null before the first), at least
    /// <paramref name="places"/> and at most <paramref name="most"/>.
    /// </summary>
    internal static int WaitingPlaces(int places, TimeSpan ahead, TimeSpan? pace, int most)
    {
        var least = Math.Min(places, most);
        if (pace is not { } each || ahead <= TimeSpan.Zero)
        {
            return least;
        }

        return each <= TimeSpan.Zero ? most : (int)Math.Clamp(places * (ahead / each), least, most);
    }

    /// <summary>Claims one batch of due messages and delivers it, waiting for every attempt. Returns how many were claimed.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var settings = _options.Value;
        var batch = await _store.ClaimAsync(_time.GetUtcNow(), settings.Lease, settings.BatchSize, _owner, cancellationToken);
        await Task.WhenAll(batch.Select(item => DeliverOneAsync(item, cancellationToken)));
        await FlushRecordsAsync();
        return batch.Count;
    }

    /// <summary>Exponential backoff with jitter: first delay × 2^(attempt-1), capped, ±20 %.</summary>
    public static TimeSpan RetryDelay(int attempt, TimeSpan first, TimeSpan max)
    {
        var exponential = first.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempt - 1));
        var capped = Math.Min(exponential, max.TotalMilliseconds);
        var jitter = 1 + ((Random.Shared.NextDouble() * 0.4) - 0.2);
        return TimeSpan.FromMilliseconds(capped * jitter);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // Taken before the claim, so a slot freed while it runs is not missed.
            var slotFreed = Volatile.Read(ref _slotFreed).Task;
            var round = new Round(0, false, false);
            try
            {
                round = await StartDueAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                _logger.LogError(ex, "Outbox claim round failed; retrying");
            }
            catch (Exception ex) when (stoppingToken.IsCancellationRequested && ex is OperationCanceledException or ObjectDisposedException)
            {
                // Stopping, or disposed without a stop while the round ran (the data source goes with the host).
                break;
            }

            // More due and room for a good part of a claim: claim again at once. Room for only a few (deliveries end one by
            // one beside a full host) is left to gather until a receiver's waiting messages run out, so claims stay large.
            var settings = _options.Value;
            if (round.Kept > 0 && round.More && !round.Full && settings.MaxConcurrency - Volatile.Read(ref _held) >= Math.Min(settings.MaxConcurrency, settings.BatchSize) / 2)
            {
                continue;
            }

            // Nothing due: wait for the next poll. More due but no place for it: wait until a receiver's waiting messages
            // run out, at most a poll.
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var poll = Task.Delay(settings.PollInterval, _time, wake.Token);
            await Task.WhenAny(round.More ? [poll, slotFreed] : [poll]);
            await wake.CancelAsync();
        }

        // Stopping: messages still waiting for a slot go back at once; attempts under way may finish within the grace;
        // those still running then are cancelled and give their messages back at once, so no other host waits for a lease.
        await ReleaseWaitingAsync();
        var underWay = Task.WhenAll(_inFlight.Values);
        if (await Task.WhenAny(underWay, Task.Delay(_options.Value.ShutdownGrace, _time, CancellationToken.None)) != underWay)
        {
            _logger.LogInformation("Stopping: handing back {Count} outbox deliveries still under way", _inFlight.Count);
        }

        await _deliveries.CancelAsync();
        await Task.WhenAll(_inFlight.Values);
        await FlushRecordsAsync();
    }

    /// <summary>
    /// Also for a host disposed without being stopped: the deliveries and the loop are cancelled, and the loop, which still reads
    /// the deliveries' source as it ends, winds down on its own. The source is disposed only once nothing can use it any more.
    /// </summary>
    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _deliveries.Cancel();
        base.Dispose();
        if (ExecuteTask is null || ExecuteTask.IsCompleted)
        {
            _deliveries.Dispose();
        }
    }

    /// <summary>
    /// Claims as many messages as this host may hold and starts each whose receiver has a free slot; the others wait here
    /// for one (at most <see cref="OutboxOptions.MaxConcurrencyPerDestination"/> per receiver, within their lease), and
    /// the rest go back to the table in one statement. <see cref="Round.More"/> says whether more may be due now,
    /// <see cref="Round.Full"/> whether a receiver has no place left for them.
    /// </summary>
    private async Task<Round> StartDueAsync(CancellationToken cancellationToken)
    {
        var settings = _options.Value;
        var free = Math.Min(Math.Min(settings.MaxConcurrency - Volatile.Read(ref _held), settings.BatchSize), _claimSize);
        if (free <= 0)
        {
            return new Round(0, true, true);
        }

        var batch = await _store.ClaimAsync(_time.GetUtcNow(), settings.Lease, free, _owner, cancellationToken);
        IntegrationsTelemetry.Claimed(batch.Count);
        if (batch.Count > 0)
        {
            Interlocked.Increment(ref _claimStatements);
        }

        var handBack = new List<OutboxItem>();
        var full = false;
        foreach (var item in batch)
        {
            var destination = DestinationOf(item);
            Interlocked.Increment(ref _held);
            switch (Enter(item, destination, settings))
            {
                case Entry.Run:
                    var task = RunAsync(item, destination, _deliveries.Token);
                    _inFlight[item.Id] = task;
                    _ = task.ContinueWith(_ => _inFlight.TryRemove(item.Id, out Task? _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    break;
                case Entry.Wait:
                    break;
                case Entry.WaitLast:
                    full = true;
                    break;
                default:
                    // The receiver's slots and waiting places are taken: try this one again shortly, without counting an attempt.
                    Interlocked.Decrement(ref _held);
                    handBack.Add(item);
                    break;
            }
        }

        var kept = batch.Count - handBack.Count;
        _claimSize = handBack.Count > 0 ? Math.Max(1, kept) : _claimSize >= int.MaxValue / 2 ? int.MaxValue : _claimSize * 2;
        await _store.ReleaseAsync(handBack, _time.GetUtcNow() + settings.PollInterval, CancellationToken.None);
        Interlocked.Add(ref _handedBack, handBack.Count);
        return new Round(kept, batch.Count == free, full || handBack.Count > 0);
    }

    /// <summary>Delivers <paramref name="first"/>, then every message that waits for this receiver's slot.</summary>
    private async Task RunAsync(OutboxItem first, string destination, CancellationToken cancellationToken)
    {
        await Task.Yield();
        for (var item = first; item is not null; item = await NextAsync(destination))
        {
            try
            {
                await PaceAsync(destination, cancellationToken);
                var started = _time.GetTimestamp();
                await DeliverOneAsync(item, cancellationToken);
                Timed(destination, _time.GetElapsedTime(started));
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                // The outcome could not be recorded; the claim lapses with its lease and another attempt follows.
                _logger.LogError(ex, "Outbox {Kind} message {Key}: recording the outcome failed", item.Kind, item.IdempotencyKey);
            }
            catch (ObjectDisposedException) when (Volatile.Read(ref _disposed) == 1)
            {
                // The host was disposed without a stop and took the database with it: the claim lapses with its lease.
            }
            finally
            {
                Interlocked.Decrement(ref _held);
            }
        }
    }

    /// <summary>
    /// The next message waiting for <paramref name="destination"/>'s slot, or null (the slot is given up). A message whose
    /// lease would end before an attempt started now could finish goes back to the table instead. The loop is woken when the
    /// receiver has no message waiting any more.
    /// </summary>
    private async Task<OutboxItem?> NextAsync(string destination)
    {
        while (true)
        {
            OutboxItem? next;
            bool room;
            lock (_lanes)
            {
                var lane = _lanes[destination];
                if (_stopping || !lane.Waiting.TryDequeue(out next))
                {
                    next = null;
                    if (--lane.Running == 0 && lane.Waiting.Count == 0)
                    {
                        _lanes.Remove(destination);
                    }
                }

                room = lane.Waiting.Count == 0;
            }

            if (room)
            {
                Interlocked.Exchange(ref _slotFreed, NewSignal()).TrySetResult();
            }

            if (next is null || _time.GetUtcNow() + _options.Value.AttemptTimeout < next.LeasedUntil)
            {
                return next;
            }

            try
            {
                await _store.ReleaseAsync([next], _time.GetUtcNow(), CancellationToken.None);
                Interlocked.Increment(ref _handedBack);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or ObjectDisposedException)
            {
                _logger.LogError(ex, "Outbox {Kind} message {Key}: handing back an expiring claim failed", next.Kind, next.IdempotencyKey);
            }
            finally
            {
                Interlocked.Decrement(ref _held);
            }
        }
    }

    /// <summary>On stopping, every message still waiting for a slot goes back to the table at once.</summary>
    private async Task ReleaseWaitingAsync()
    {
        List<OutboxItem> waiting;
        lock (_lanes)
        {
            _stopping = true;
            waiting = _lanes.Values.SelectMany(lane => lane.Waiting).ToList();
            foreach (var lane in _lanes.Values)
            {
                lane.Waiting.Clear();
            }
        }

        try
        {
            await _store.ReleaseAsync(waiting, _time.GetUtcNow(), CancellationToken.None);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or ObjectDisposedException)
        {
            // Their leases lapse and another host takes them over then.
            _logger.LogError(ex, "Stopping: handing back {Count} waiting outbox messages failed", waiting.Count);
        }

        Interlocked.Add(ref _held, -waiting.Count);
    }

    private async Task DeliverOneAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        var settings = _options.Value;
        using var span = IntegrationsTelemetry.StartDelivery(item);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(settings.AttemptTimeout);
        try
        {
            if (!_channels.TryGetValue(item.Kind, out var channel))
            {
                throw new DeliveryException($"unknown outbox message kind '{item.Kind}'");
            }

            try
            {
                await channel.DeliverAsync(item, attempt.Token);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new DeliveryException($"no answer within {settings.AttemptTimeout.TotalSeconds:0.#} s from {DestinationOf(item)}", ex);
            }

            IntegrationsTelemetry.MessageDelivered(item.Kind);
            RecordSent(item, _time.GetUtcNow());
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host is stopping: hand the message back at once instead of waiting for the lease.
            await _store.ReleaseAsync([item], _time.GetUtcNow(), CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var retryAt = item.Attempts >= settings.MaxAttempts || ex is PermanentDeliveryException ? (DateTimeOffset?)null : _time.GetUtcNow() + RetryDelay(item.Attempts, settings.FirstRetryDelay, settings.MaxRetryDelay);
            span?.SetStatus(ActivityStatusCode.Error, retryAt is null ? "dead-lettered" : "retrying");
            if (retryAt is null)
            {
                IntegrationsTelemetry.MessageDeadLettered(item.Kind);
            }

            // Only the kind, key and error text: a payload may hold case details.
            _logger.LogWarning("Outbox {Kind} message {Key} attempt {Attempt} failed: {Error}; {Next}", item.Kind, item.IdempotencyKey, item.Attempts, ex.Message, retryAt is null ? "dead-lettered" : "retrying");
            await _store.MarkFailedAsync(item, Truncate(ex.Message, 2000), retryAt, CancellationToken.None);
        }
    }

    /// <summary>
    /// Queues a delivery's outcome. A writer waits <see cref="OutboxOptions.RecordDelay"/>, then records every outcome queued
    /// by then in one statement (one commit for the group), and again while more arrive, off the deliveries' own threads.
    /// Only outcomes whose claim is still this host's are recorded.
    /// </summary>
    private void RecordSent(OutboxItem item, DateTimeOffset at)
    {
        _sent.Enqueue((item, at));
        StartRecorder();
    }

    private void StartRecorder()
    {
        if (Interlocked.CompareExchange(ref _recording, 1, 0) == 0)
        {
            Volatile.Write(ref _recorder, Task.Run(RecordSentGroupsAsync));
        }
    }

    private async Task RecordSentGroupsAsync()
    {
        // Having given up its place, the writer looks once more: a record queued after it took its last group, while it
        // still held the place, is written by it.
        do
        {
            try
            {
                if (_options.Value.RecordDelay > TimeSpan.Zero)
                {
                    await Task.Delay(_options.Value.RecordDelay, _time);
                }

                while (TakeSentGroup() is { Count: > 0 } group)
                {
                    Interlocked.Increment(ref _recordStatements);
                    try
                    {
                        var recorded = await _store.MarkSentAsync(group, CancellationToken.None);
                        foreach (var (item, _) in group.Where(g => !recorded.Contains(g.Claimed.Id)))
                        {
                            _logger.LogWarning("Outbox {Kind} message {Key} was delivered after its lease ended; another host owns it now", item.Kind, item.IdempotencyKey);
                        }
                    }
                    catch (Exception ex)
                    {
                        // Not recorded: the claims lapse with their leases and the messages are delivered again, under their keys.
                        _logger.LogError(ex, "Outbox: recording {Count} deliveries failed", group.Count);
                    }
                }
            }
            finally
            {
                Volatile.Write(ref _recording, 0);
            }
        }
        while (!_sent.IsEmpty && Interlocked.CompareExchange(ref _recording, 1, 0) == 0);
    }

    /// <summary>Waits until every outcome queued so far is written (or its write has failed).</summary>
    private async Task FlushRecordsAsync()
    {
        while (Volatile.Read(ref _recording) == 1 || !_sent.IsEmpty)
        {
            await Volatile.Read(ref _recorder);
            if (!_sent.IsEmpty)
            {
                StartRecorder();
            }

            await Task.Yield();
        }
    }

    private List<(OutboxItem Claimed, DateTimeOffset At)> TakeSentGroup()
    {
        var group = new List<(OutboxItem Claimed, DateTimeOffset At)>();
        while (group.Count < RecordGroupSize && _sent.TryDequeue(out var next))
        {
            group.Add(next);
        }

        return group;
    }

    private string DestinationOf(OutboxItem item) =>
        _channels.TryGetValue(item.Kind, out var channel) ? $"{item.Kind}:{channel.Destination(item)}" : item.Kind;

    /// <summary>
    /// Holds a delivery until its receiver's rate allows it to start (<see cref="OutboxOptions.MaxPerSecondPerDestination"/>):
    /// starts are spread one interval apart. A stopping host does not wait: the attempt is cancelled and handed back.
    /// </summary>
    private async Task PaceAsync(string destination, CancellationToken cancellationToken)
    {
        var rate = _options.Value.MaxPerSecondPerDestination;
        if (rate <= 0)
        {
            return;
        }

        TimeSpan wait;
        lock (_lanes)
        {
            var now = _time.GetTimestamp();
            var start = _nextStart.TryGetValue(destination, out var next) && next > now ? next : now;
            _nextStart[destination] = start + (_time.TimestampFrequency / rate);
            wait = _time.GetElapsedTime(now, start);
        }

        if (wait > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(wait, _time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Delivered with the cancelled token, the attempt ends at once and hands its message back.
            }
        }
    }

    /// <summary>Takes one delivery's time into its receiver's pace.</summary>
    private void Timed(string destination, TimeSpan took)
    {
        lock (_lanes)
        {
            _pace[destination] = _pace.TryGetValue(destination, out var average) ? (0.8 * average) + (0.2 * took.TotalSeconds) : took.TotalSeconds;
        }
    }

    private Entry Enter(OutboxItem item, string destination, OutboxOptions settings)
    {
        var limit = settings.MaxConcurrencyPerDestination;
        lock (_lanes)
        {
            if (_stopping)
            {
                return Entry.HandBack;
            }

            if (!_lanes.TryGetValue(destination, out var lane))
            {
                _lanes[destination] = lane = new Lane();
            }

            if (lane.Running < limit)
            {
                lane.Running++;
                return Entry.Run;
            }

            var waiting = WaitingPlaces(limit, settings.ClaimAhead, _pace.TryGetValue(destination, out var pace) ? TimeSpan.FromSeconds(pace) : null, settings.MaxConcurrency);
            if (lane.Waiting.Count < waiting)
            {
                lane.Waiting.Enqueue(item);
                return lane.Waiting.Count < waiting ? Entry.Wait : Entry.WaitLast;
            }

            return Entry.HandBack;
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly record struct Round(int Kept, bool More, bool Full);

    private enum Entry
    {
        Run,
        Wait,

        /// <summary>Waits in the receiver's last waiting place.</summary>
        WaitLast,
        HandBack,
    }

    private sealed class Lane
    {
        public int Running { get; set; }

        public Queue<OutboxItem> Waiting { get; } = new();
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];
}
