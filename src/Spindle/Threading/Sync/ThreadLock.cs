namespace Spindle.Threading;

/// <summary>
/// A primitive, non-reentrant lock that any thread may release (Python: <c>threading.Lock</c>).
/// Use <see cref="LockExtensions.EnterScope"/> for Python's <c>with lock:</c>.
/// </summary>
/// <remarks>
/// Uncontended acquire/release is one compare-and-swap each. Contended callers queue (sync and async alike) and are
/// woken one per release; like Python's lock it is not fair: a running thread may take the lock before the woken one,
/// which keeps throughput up under contention (no lock convoy). A woken waiter that loses retries at the queue's front.
/// </remarks>
public sealed class ThreadLock : ILock, IOwnedLock
{
    private const int Unlocked = 0;
    private const int Locked = 1;

    private int _state;
    private SyncWaiterQueue? _waiters; // created on first contention: most locks are never contended

    /// <summary>Whether the lock is held (by any thread). Python: <c>locked()</c>.</summary>
    public bool IsLocked => Volatile.Read(ref _state) == Locked;

    /// <summary>How many calls are queued waiting for the lock (diagnostics and tests).</summary>
    internal int WaiterCount => Volatile.Read(ref _waiters)?.Count ?? 0;

    /// <summary>
    /// Acquires, waiting at most <paramref name="timeout"/> (null: forever; <see cref="TimeSpan.Zero"/>: no wait).
    /// Python: <c>acquire(blocking=True, timeout=-1)</c>.
    /// </summary>
    /// <returns>true if acquired, false if the timeout elapsed.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative timeout other than <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public bool Acquire(TimeSpan? timeout = null)
    {
        if (timeout.HasValue) Deadline.Validate(timeout);
        return Interlocked.CompareExchange(ref _state, Locked, Unlocked) == Unlocked || AcquireSlow(timeout);
    }

    /// <summary>
    /// Awaitable twin of <see cref="Acquire"/>. Python has none (gevent's <c>Semaphore.acquire</c> in a greenlet is the closest).
    /// A cancelled wait throws <see cref="OperationCanceledException"/> and never leaves the lock held; a wait that was
    /// woken and took the lock before it saw the cancellation returns true.
    /// </summary>
    public ValueTask<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (timeout.HasValue) Deadline.Validate(timeout);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(cancellationToken);
        if (TryTake()) return new ValueTask<bool>(true);
        return AcquireSlowAsync(timeout, cancellationToken);
    }

    /// <summary>Releases the lock; any thread may do so, as in Python. Python: <c>release()</c>.</summary>
    /// <exception cref="SynchronizationLockException">The lock is not held (Python: <c>RuntimeError: release unlocked lock</c>).</exception>
    public void Release()
    {
        if (Interlocked.CompareExchange(ref _state, Unlocked, Locked) != Locked)
            throw new SynchronizationLockException("release unlocked lock: the ThreadLock is not held.");
        // Full fence above, then read the count: pairs with Enqueue's fence in EnqueueOrTake.
        if (Volatile.Read(ref _waiters) is { Count: > 0 } waiters) WakeOne(waiters);
    }

    /// <summary>Python's repr, e.g. <c>&lt;ThreadLock locked&gt;</c>.</summary>
    public override string ToString() => IsLocked ? "<ThreadLock locked>" : "<ThreadLock unlocked>";

    // Python's Condition treats a plain lock as owned when it cannot be acquired without waiting.
    bool IOwnedLock.IsOwnedByCurrentThread => IsLocked;

    int IOwnedLock.ReleaseSave()
    {
        Release();
        return 1;
    }

    void IOwnedLock.AcquireRestore(int state) => Acquire();

    async ValueTask IOwnedLock.AcquireRestoreAsync(int state) => await AcquireAsync().ConfigureAwait(false);

    ValueTask<bool> IOwnedLock.OwnedOnResume(ValueTask<bool> operation) => operation; // any thread may release a Lock

    private bool TryTake() =>
        Volatile.Read(ref _state) == Unlocked && Interlocked.CompareExchange(ref _state, Locked, Unlocked) == Unlocked;

    /// <summary>Queues a waiter, unless the lock was freed meanwhile: then takes it and returns null.</summary>
    private SyncWaiter? EnqueueOrTake(SyncWaiterQueue waiters, bool atFront)
    {
        lock (waiters.Gate)
        {
            var waiter = waiters.Enqueue(atFront);
            if (!TryTake()) return waiter;
            waiters.TryRemove(waiter);
            return null;
        }
    }

    private static void WakeOne(SyncWaiterQueue waiters)
    {
        lock (waiters.Gate) waiters.Signal();
    }

    private SyncWaiterQueue Waiters() =>
        Volatile.Read(ref _waiters) ?? Interlocked.CompareExchange(ref _waiters, new SyncWaiterQueue(), null) ?? _waiters;

    private bool AcquireSlow(TimeSpan? timeout)
    {
        if (timeout == TimeSpan.Zero) return false;
        var deadline = Deadline.Start(timeout);
        var waiters = Waiters();
        for (bool retry = false; ; retry = true)
        {
            if (EnqueueOrTake(waiters, atFront: retry) is not { } waiter) return true;
            if (!waiters.Wait(waiter, deadline.RemainingMilliseconds)) return false;
            // Woken: the lock was free a moment ago. If another thread took it first, that thread's release wakes the next waiter.
            if (TryTake()) return true;
            if (deadline.HasExpired) return false;
        }
    }

    private async ValueTask<bool> AcquireSlowAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (timeout == TimeSpan.Zero) return false;
        var deadline = Deadline.Start(timeout);
        var waiters = Waiters();
        for (bool retry = false; ; retry = true)
        {
            if (EnqueueOrTake(waiters, atFront: retry) is not { } waiter) return true;
            if (!await waiters.WaitAsync(waiter, deadline.Remaining, cancellationToken).ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                return false;
            }
            if (TryTake()) return true;
            cancellationToken.ThrowIfCancellationRequested();
            if (deadline.HasExpired) return false;
        }
    }
}
