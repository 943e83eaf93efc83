using Spindle.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// A condition variable shared between processes, bound to a <see cref="ProcessRLock"/> (default) or a
/// <see cref="ProcessLock"/>. Python: <c>multiprocessing.Condition(lock=None)</c>.
/// </summary>
/// <remarks>
/// <para>Layout: a sequence word (the futex word, bumped by every notify), the number of waiters not yet notified,
/// and the number of wake-ups handed out but not yet taken. <see cref="Notify"/> moves up to n waiters from the
/// first count to the second and wakes the sleepers; each waiter leaves by taking one wake-up (true) or, on timeout,
/// by removing itself from the waiting count (false) — so <c>Notify(n)</c> makes exactly min(n, waiting) waits return
/// true, and a timed-out waiter never swallows a notification. As in Python's <c>multiprocessing.Condition</c> (whose
/// semaphores behave the same), a waiter that arrives just after a notify may take that wake-up in place of an
/// older waiter, which then waits for the next notify.</para>
/// <para>With a <see cref="ProcessLock"/>, "owning" the lock means this process holds it (a Lock names no thread).
/// An async wait gives the lock back to the calling thread's identity (see <see cref="ProcessRLock.AcquireAsync"/>).</para>
/// </remarks>
public sealed unsafe class ProcessCondition : ICondition, IShareable<ProcessCondition>, IDisposable
{
    private readonly Segment _segment;
    private readonly int* _seq;
    private readonly IProcessOwnedLock _lock;
    private readonly bool _ownsLock;

    /// <summary>A condition with its own new <see cref="ProcessRLock"/>. Python: <c>multiprocessing.Condition()</c>.</summary>
    public ProcessCondition() : this(Segment.CreateAnonymous(12, "cond"), new ProcessRLock(), ownsLock: true) { }

    /// <summary>A condition over an existing re-entrant lock. Python: <c>multiprocessing.Condition(rlock)</c>.</summary>
    public ProcessCondition(ProcessRLock rlock) : this(Segment.CreateAnonymous(12, "cond"), rlock ?? throw new ArgumentNullException(nameof(rlock)), ownsLock: false) { }

    /// <summary>A condition over an existing plain lock. Python: <c>multiprocessing.Condition(lock)</c>.</summary>
    public ProcessCondition(ProcessLock lockToUse) : this(Segment.CreateAnonymous(12, "cond"), lockToUse ?? throw new ArgumentNullException(nameof(lockToUse)), ownsLock: false) { }

    private ProcessCondition(Segment segment, IProcessOwnedLock underlying, bool ownsLock)
    {
        _ownsLock = ownsLock;
        _segment = segment;
        _seq = segment.Int(0);
        _lock = underlying;
    }

    /// <summary>The underlying lock (a <see cref="ProcessRLock"/> or <see cref="ProcessLock"/>). Python: <c>Condition._lock</c>.</summary>
    public ILock Lock => _lock;

    private int* Seq => _segment.IsClosed ? throw new ObjectDisposedException(nameof(ProcessCondition)) : _seq;

    private int* Waiting => _seq + 1;

    private int* Pending => _seq + 2;

    /// <summary>Acquires the underlying lock. Python: <c>acquire(block=True, timeout=None)</c>.</summary>
    public bool Acquire(TimeSpan? timeout = null) => _lock.Acquire(timeout);

    /// <summary>Awaitable twin of <see cref="Acquire"/>.</summary>
    public ValueTask<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) => _lock.AcquireAsync(timeout, cancellationToken);

    /// <summary>Releases the underlying lock. Python: <c>release()</c>.</summary>
    public void Release() => _lock.Release();

    /// <summary>Releases the lock, waits for a notify or the timeout, re-acquires. Python: <c>wait(timeout=None)</c>.</summary>
    /// <returns>false if the timeout elapsed.</returns>
    /// <exception cref="SynchronizationLockException">The caller does not hold the lock (Python: <c>AssertionError: must acquire() condition before using wait()</c>).</exception>
    public bool Wait(TimeSpan? timeout = null)
    {
        var deadline = Deadline.Start(timeout);
        var (seq, depth) = Enter("wait");
        try
        {
            return WaitReleased(seq, deadline, CancellationToken.None);
        }
        finally
        {
            _lock.AcquireRestore(depth, Environment.CurrentManagedThreadId);
        }
    }

    /// <summary>Awaitable twin of <see cref="Wait"/>: the lock is released at once and re-acquired (for the calling thread) before the task completes, cancelled or not.</summary>
    public ValueTask<bool> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline.Start(timeout);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(cancellationToken);
        var (seq, depth) = Enter("wait");
        int me = Environment.CurrentManagedThreadId;
        return FutexWait.RunAsync(ct =>
        {
            bool notified;
            try
            {
                notified = WaitReleased(seq, deadline, ct);
            }
            finally
            {
                _lock.AcquireRestore(depth, me);
            }
            if (!notified) ct.ThrowIfCancellationRequested();
            return notified;
        }, _seq, cancellationToken);
    }

    /// <summary>Waits until <paramref name="predicate"/> is true or the timeout elapses. Python: <c>wait_for(predicate, timeout=None)</c>.</summary>
    /// <returns>The last value of the predicate.</returns>
    public bool WaitFor(Func<bool> predicate, TimeSpan? timeout = null) => PredicateWait.WaitFor(this, predicate, timeout);

    /// <summary>Awaitable twin of <see cref="WaitFor"/>.</summary>
    public ValueTask<bool> WaitForAsync(Func<bool> predicate, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        PredicateWait.WaitForAsync(this, predicate, timeout, cancellationToken);

    /// <summary>Wakes up to <paramref name="count"/> waiters of any process. Python: <c>notify(n=1)</c>.</summary>
    /// <exception cref="SynchronizationLockException">The caller does not hold the lock.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public void Notify(int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int* seq = Seq;
        if (!_lock.IsOwnedByCaller) throw NotOwned("notify");
        for (int w = Volatile.Read(ref *Waiting); ; )
        {
            int moved = Math.Min(count, w);
            if (moved == 0) return;
            int seen = Interlocked.CompareExchange(ref *Waiting, w - moved, w);
            if (seen != w)
            {
                w = seen;
                continue;
            }
            Interlocked.Add(ref *Pending, moved);
            Interlocked.Increment(ref *seq);
            FutexWait.WakeAll(seq);
            return;
        }
    }

    /// <summary>Wakes every waiter. Python: <c>notify_all()</c>.</summary>
    public void NotifyAll() => Notify(int.MaxValue);

    /// <summary>Unmaps this process's view of the condition, and of its lock when the condition made it (or received it); other processes keep theirs.</summary>
    public void Dispose()
    {
        _segment.Dispose();
        if (_ownsLock) _lock.Dispose();
    }

    /// <summary>Python's repr, e.g. <c>&lt;ProcessCondition(&lt;ProcessRLock(owner=None, count=0)&gt;, waiting=0)&gt;</c>.</summary>
    public override string ToString() => $"<ProcessCondition({_lock}, waiting={Volatile.Read(ref *Waiting)})>";

    /// <summary>Describes the condition and its lock for a child process (by reference).</summary>
    public ShareableHandle Export() => _segment.ToHandle(GuardLocks.Export(_lock));

    /// <summary>Rebuilds the condition and its lock in the receiving process.</summary>
    public static ProcessCondition Import(ShareableHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var state = handle.State;
        return new ProcessCondition(Segment.Import(state.Span), GuardLocks.Import(state[Segment.ExportSize..]), ownsLock: true);
    }

    private (int Seq, int Depth) Enter(string operation)
    {
        int* seq = Seq;
        if (!_lock.IsOwnedByCaller) throw NotOwned(operation);
        // Counted while the lock is still held, so a notify made after our release sees us.
        Interlocked.Increment(ref *Waiting);
        return (Volatile.Read(ref *seq), _lock.ReleaseSave());
    }

    private bool WaitReleased(int seq, Deadline deadline, CancellationToken cancellationToken)
    {
        int* word = Seq;
        bool expired = false;
        try
        {
            for (;;)
            {
                if (TryDecrement(Pending)) return true;
                if (expired && TryDecrement(Waiting)) return false;
                if (expired)
                {
                    // Every waiter was just moved to Pending by a notify in flight: our wake-up is about to appear.
                    Thread.Yield();
                    continue;
                }
                expired = !FutexWait.Sleep(word, seq, deadline, CancellationToken.None, out _) || cancellationToken.IsCancellationRequested;
                seq = Volatile.Read(ref *word);
            }
        }
        finally
        {
            GC.KeepAlive(this);
        }
    }

    private static bool TryDecrement(int* counter)
    {
        for (int c = Volatile.Read(ref *counter); c > 0; )
        {
            int seen = Interlocked.CompareExchange(ref *counter, c - 1, c);
            if (seen == c) return true;
            c = seen;
        }
        return false;
    }

    private static SynchronizationLockException NotOwned(string operation) =>
        new($"cannot {operation} on un-acquired lock: the ProcessCondition's lock must be held by the caller (Python: must acquire() condition before using {operation}()).");
}
