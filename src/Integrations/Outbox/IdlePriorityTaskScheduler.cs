using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace AntiDrugFlow.Integrations.Outbox;

/// <summary>
/// Runs work on threads of its own that the operating system gives a core only when nothing else wants it (Linux's
/// <c>SCHED_IDLE</c>; elsewhere the lowest thread priority), so background work such as the outbox's deliveries yields the
/// cores to the requests. An <c>await</c> inside such work comes back to these threads; a library's own continuations
/// (<c>ConfigureAwait(false)</c>) run on the thread pool. Once disposed, work still queued, and any queued later, runs on the
/// thread pool, so nothing waits for a thread that is gone.
/// </summary>
public sealed class IdlePriorityTaskScheduler : TaskScheduler, IDisposable
{
    // Linux's sched_setscheduler policy: run only when a core would otherwise be idle (sched(7)); an unprivileged thread may
    // take it for itself.
    private const int SchedIdle = 5;

    [ThreadStatic]
    private static IdlePriorityTaskScheduler? _runningOn;

    private readonly ConcurrentQueue<Task> _queue = new();
    private readonly SemaphoreSlim _ready = new(0);
    private readonly Thread[] _threads;
    private int _lowered;
    private volatile bool _disposed;

    public IdlePriorityTaskScheduler(string name, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        _threads = [.. Enumerable.Range(1, threads).Select(i => new Thread(Run) { IsBackground = true, Name = $"{name} {i}" })];
        foreach (var thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>How many of the threads run at idle priority (the system may refuse; they then run as it allows).</summary>
    public int IdleThreads => Volatile.Read(ref _lowered);

    public override int MaximumConcurrencyLevel => _threads.Length;

    public void Dispose()
    {
        _disposed = true;
        _ready.Release(_threads.Length);
    }

    protected override void QueueTask(Task task)
    {
        if (_disposed)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Scheduler.TryExecuteTask(state.Task), (Scheduler: this, Task: task), preferLocal: false);
            return;
        }

        _queue.Enqueue(task);
        _ready.Release();
        if (_disposed)
        {
            // Disposed while queueing: the threads may have gone already; whatever they left runs on the thread pool.
            HandOverQueued();
        }
    }

    // Only this scheduler's own threads run its work inline, so nothing of it runs at a request's priority.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        _runningOn == this && !taskWasPreviouslyQueued && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();

    private void Run()
    {
        _runningOn = this;
        if (Lower())
        {
            Interlocked.Increment(ref _lowered);
        }

        while (true)
        {
            _ready.Wait();
            if (_queue.TryDequeue(out var task))
            {
                TryExecuteTask(task);
            }
            else if (_disposed)
            {
                HandOverQueued();
                return;
            }
        }
    }

    private void HandOverQueued()
    {
        while (_queue.TryDequeue(out var task))
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Scheduler.TryExecuteTask(state.Task), (Scheduler: this, Task: task), preferLocal: false);
        }
    }

    /// <summary>Puts the calling thread at idle priority; true when the system took it.</summary>
    private static bool Lower()
    {
        if (OperatingSystem.IsLinux())
        {
            var priority = 0;
            return sched_setscheduler(0, SchedIdle, ref priority) == 0;
        }

        // The runtime maps this to the system's lowest thread priority where it has one (Windows).
        Thread.CurrentThread.Priority = ThreadPriority.Lowest;
        return OperatingSystem.IsWindows();
    }

    [DllImport("libc", SetLastError = true)]
#pragma warning disable SYSLIB1054 // one call per thread at its start; the generated marshalling would need unsafe code for an int
    private static extern int sched_setscheduler(int pid, int policy, ref int param);
#pragma warning restore SYSLIB1054
}
