using AntiDrugFlow.Workflows.Runtime;
using Npgsql;

namespace AntiDrugFlow.Workflows.Persistence;

/// <summary>A start's first step to write (its rows with the version it ran on) and the caller's batched rows.</summary>
public sealed record StartWrite(StepRows Rows, IReadOnlyList<NpgsqlBatchCommand> Also);

/// <summary>
/// Writes the first steps of starts that arrive together in one round trip and one commit (group commit): a start
/// queues its step and waits; a writer takes every start queued by then (up to <see cref="EngineOptions.StartGroupSize"/>)
/// and writes them as one implicit transaction, so sixteen callers cost PostgreSQL a few commits, WAL flushes and round
/// trips instead of sixteen. At most <see cref="EngineOptions.StartWriters"/> writers run at once; a start that finds
/// none running starts one, so a lone caller waits for nothing but its own write, and another starts only once
/// <see cref="EngineOptions.StartWriterBacklog"/> starts wait.
/// </summary>
/// <remarks>
/// Each start stays atomic: its rows are all in the group's transaction, which commits or not as a whole, and a caller
/// is answered only after the commit. When PostgreSQL refuses a group (a start's version retracted meanwhile, a unique
/// key of one caller's rows), nothing of it committed, and each start of the group is written again on its own, so only
/// the starts that fail alone fail, each with its own error. When the connection fails instead, the outcome is unknown,
/// as for a start written alone, and every start of the group gets that error.
/// </remarks>
public sealed class StartGroups(PostgresInstanceStore store, EngineOptions options) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Queue<Pending> _queue = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _writers = [];
    private int _running;
    private long _groups;
    private long _written;

    /// <summary>Transactions committed so far, each holding one group (a refused group's starts, written again alone, count one each).</summary>
    internal long Groups => Interlocked.Read(ref _groups);

    /// <summary>Starts committed so far.</summary>
    internal long Written => Interlocked.Read(ref _written);

    /// <summary>Starts waiting for a writer now.</summary>
    internal int Queued
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Writes the start with whatever other starts are queued, and returns once it has committed.</summary>
    /// <remarks>
    /// A caller that finds a writer's place free writes itself: it takes the queue (its own start with it) and, once
    /// its start is written, hands what has queued meanwhile to a writer of its own and returns. A lone start is thus
    /// written on the caller's own flow, with no hop to another thread.
    /// </remarks>
    public async Task WriteAsync(StartWrite start, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(start);
        bool lead;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            _queue.Enqueue(pending);
            // The first writer starts for any start; another only once enough starts wait to make a group worth its commit.
            lead = _running == 0 || (_running < Math.Max(1, options.StartWriters) && _queue.Count >= Math.Max(1, options.StartWriterBacklog));
            if (lead)
            {
                _running++;
            }
        }

        if (lead)
        {
            await WriteQueuedAsync(pending);
        }

        // The caller may stop waiting; its start is written or not as the group's is (as with a start written alone and cancelled after it was sent).
        await pending.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Writes groups from the queue until it is empty or, for a caller writing (<paramref name="own"/>), until its start is written.</summary>
    private async Task WriteQueuedAsync(Pending? own)
    {
        var group = new List<Pending>();
        while (true)
        {
            group.Clear();
            lock (_gate)
            {
                if (own is { Done.Task.IsCompleted: true } && _queue.Count > 0)
                {
                    // The caller goes back to its work; a writer of its own takes over its place and the queue.
                    _writers.RemoveAll(w => w.IsCompleted);
                    _writers.Add(Task.Run(() => WriteQueuedAsync(null)));
                    return;
                }

                while (group.Count < Math.Max(1, options.StartGroupSize) && _queue.TryDequeue(out var next))
                {
                    group.Add(next);
                }

                if (group.Count == 0)
                {
                    _running--;
                    return;
                }
            }

            await WriteGroupAsync(group);
        }
    }

    private async Task WriteGroupAsync(List<Pending> group)
    {
        var cancellationToken = _stopping.Token;
        try
        {
            await store.SaveStartsAsync(group.ConvertAll(p => p.Start), cancellationToken);
            Committed(group.Count);
            group.ForEach(p => p.Done.TrySetResult());
            return;
        }
        catch (PostgresException) when (group.Count > 1)
        {
            // Refused as a whole: nothing committed. Each start is written alone below, and fails alone if it must.
        }
        catch (Exception ex)
        {
            group.ForEach(p => p.Done.TrySetException(ex));
            return;
        }

        foreach (var pending in group)
        {
            try
            {
                await store.SaveStartsAsync([pending.Start], cancellationToken);
                Committed(1);
                pending.Done.TrySetResult();
            }
            catch (Exception ex)
            {
                pending.Done.TrySetException(ex);
            }
        }
    }

    private void Committed(int starts)
    {
        Interlocked.Increment(ref _groups);
        Interlocked.Add(ref _written, starts);
        Diagnostics.EngineTelemetry.StartGroupWritten(starts);
    }

    public async ValueTask DisposeAsync()
    {
        Task[] writers;
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            _stopping.Cancel();
            writers = [.. _writers];
        }

        await Task.WhenAll(writers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (_gate)
        {
            while (_queue.TryDequeue(out var left))
            {
                left.Done.TrySetException(new ObjectDisposedException(nameof(StartGroups)));
            }
        }

        // Not disposed: a caller still writing its group reads its token (cancelled) and fails its starts.
    }

    private sealed class Pending(StartWrite start)
    {
        public StartWrite Start { get; } = start;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
