using System.Globalization;

namespace Spindle.Threading;

/// <summary>
/// A condition variable bound to a lock (Python: <c>threading.Condition(lock=None)</c>). <see cref="Acquire"/> and
/// <see cref="Release"/> act on that lock; <see cref="Wait"/>, <see cref="WaitFor"/>, <see cref="Notify"/> and
/// <see cref="NotifyAll"/> require the calling thread to hold it.
/// </summary>
/// <remarks>
/// Each waiting call queues its own waiter, and notifications wake the oldest first, as Python's deque of waiter locks.
/// With a <see cref="ThreadRLock"/> a wait releases every recursion level and restores them afterwards.
/// An async wait re-acquires the lock before it completes, even when cancelled, so the caller always holds it afterwards;
/// with a <see cref="ThreadRLock"/> the thread that completes the wait becomes the owner (see <see cref="ThreadRLock"/>).
/// </remarks>
public sealed class ThreadCondition : ICondition, IOwnedLock
{
    private readonly IOwnedLock _lock;
    private readonly SyncWaiterQueue _waiters = new();

    /// <summary>
    /// Creates a condition over <paramref name="lock"/>, or over a new <see cref="ThreadRLock"/> when null.
    /// Any <see cref="ILock"/> works: one that is not Spindle's counts as owned while it cannot be acquired without
    /// waiting, as Python treats a lock without <c>_is_owned</c>. Python: <c>threading.Condition(lock=None)</c>.
    /// </summary>
    public ThreadCondition(ILock? @lock = null)
    {
        UnderlyingLock = @lock ?? new ThreadRLock();
        _lock = UnderlyingLock as IOwnedLock ?? new ForeignOwnedLock(UnderlyingLock);
    }

    /// <summary>The lock the condition uses. Python: <c>Condition._lock</c>.</summary>
    public ILock UnderlyingLock { get; }

    /// <summary>How many calls are waiting for a notification (Python: <c>len(Condition._waiters)</c>).</summary>
    internal int WaiterCount => _waiters.Count;

    /// <summary>Acquires the underlying lock. Python: <c>Condition.acquire(*args)</c>.</summary>
    public bool Acquire(TimeSpan? timeout = null) => _lock.Acquire(timeout);

    /// <summary>Awaitable twin of <see cref="Acquire"/>.</summary>
    public ValueTask<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _lock.AcquireAsync(timeout, cancellationToken);

    /// <summary>Releases the underlying lock. Python: <c>Condition.release()</c>.</summary>
    public void Release() => _lock.Release();

    /// <summary>
    /// Releases the lock (fully, for a re-entrant one), waits until notified or until <paramref name="timeout"/> elapses
    /// (null: forever), then re-acquires it. Python: <c>Condition.wait(timeout=None)</c>.
    /// </summary>
    /// <returns>false if the timeout elapsed, true if notified.</returns>
    /// <exception cref="SynchronizationLockException">The calling thread does not hold the lock (Python: <c>RuntimeError: cannot wait on un-acquired lock</c>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative timeout other than <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public bool Wait(TimeSpan? timeout = null) => WaitUntil(Deadline.Start(timeout));

    /// <summary>
    /// Awaitable twin of <see cref="Wait"/>. On cancellation it re-acquires the lock, then throws
    /// <see cref="OperationCanceledException"/>; a wait notified before it saw the cancellation returns true.
    /// </summary>
    public ValueTask<bool> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline.Start(timeout);
        CheckOwned("wait on");
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(cancellationToken);
        return _lock.OwnedOnResume(WaitUntilAsync(deadline, cancellationToken));
    }

    /// <summary>
    /// Waits until <paramref name="predicate"/> returns true or the overall <paramref name="timeout"/> elapses, evaluating
    /// it with the lock held, first before any wait. Python: <c>Condition.wait_for(predicate, timeout=None)</c>.
    /// </summary>
    /// <returns>The predicate's last value: false only if the timeout elapsed first.</returns>
    /// <exception cref="SynchronizationLockException">The calling thread does not hold the lock.</exception>
    public bool WaitFor(Func<bool> predicate, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var deadline = Deadline.Start(timeout);
        CheckOwned("wait on");
        bool result;
        while (!(result = predicate()) && !deadline.HasExpired) WaitUntil(deadline);
        return result;
    }

    /// <summary>Awaitable twin of <see cref="WaitFor"/>; cancellation re-acquires the lock, then throws <see cref="OperationCanceledException"/>.</summary>
    public ValueTask<bool> WaitForAsync(Func<bool> predicate, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var deadline = Deadline.Start(timeout);
        CheckOwned("wait on");
        return _lock.OwnedOnResume(WaitForUntilAsync(predicate, deadline, cancellationToken));
    }

    private async ValueTask<bool> WaitForUntilAsync(Func<bool> predicate, Deadline deadline, CancellationToken cancellationToken)
    {
        bool result;
        while (!(result = predicate()) && !deadline.HasExpired)
        {
            await _lock.OwnedOnResume(WaitUntilAsync(deadline, cancellationToken)).ConfigureAwait(false);
        }
        return result;
    }

    /// <summary>Wakes the <paramref name="count"/> oldest waiters, if any. Python: <c>Condition.notify(n=1)</c>.</summary>
    /// <exception cref="SynchronizationLockException">The calling thread does not hold the lock (Python: <c>RuntimeError: cannot notify on un-acquired lock</c>).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public void Notify(int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        CheckOwned("notify on");
        lock (_waiters.Gate) _waiters.Signal(count);
    }

    /// <summary>Wakes every waiter. Python: <c>Condition.notify_all()</c>.</summary>
    /// <exception cref="SynchronizationLockException">The calling thread does not hold the lock.</exception>
    public void NotifyAll() => Notify(int.MaxValue);

    /// <summary>Python's repr, e.g. <c>&lt;Condition(&lt;ThreadRLock …&gt;, 2)&gt;</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"<Condition({UnderlyingLock}, {WaiterCount})>");

    // A condition can serve as another condition's lock, as in Python (which copies the lock's methods onto it).
    bool IOwnedLock.IsOwnedByCurrentThread => _lock.IsOwnedByCurrentThread;

    int IOwnedLock.ReleaseSave() => _lock.ReleaseSave();

    void IOwnedLock.AcquireRestore(int state) => _lock.AcquireRestore(state);

    ValueTask IOwnedLock.AcquireRestoreAsync(int state) => _lock.AcquireRestoreAsync(state);

    ValueTask<bool> IOwnedLock.OwnedOnResume(ValueTask<bool> operation) => _lock.OwnedOnResume(operation);

    private void CheckOwned(string action)
    {
        if (!_lock.IsOwnedByCurrentThread)
            throw new SynchronizationLockException($"cannot {action} un-acquired lock: the calling thread does not hold the condition's lock.");
    }

    /// <summary>Queues this call's waiter while the lock is still held, so a notify issued after we release cannot miss it.</summary>
    private SyncWaiter EnqueueAndRelease(out int saved)
    {
        SyncWaiter waiter;
        lock (_waiters.Gate) waiter = _waiters.Enqueue();
        saved = _lock.ReleaseSave();
        return waiter;
    }

    private bool WaitUntil(Deadline deadline)
    {
        CheckOwned("wait on");
        var waiter = EnqueueAndRelease(out int saved);
        try
        {
            return _waiters.Wait(waiter, deadline.RemainingMilliseconds);
        }
        finally
        {
            _lock.AcquireRestore(saved);
        }
    }

    private async ValueTask<bool> WaitUntilAsync(Deadline deadline, CancellationToken cancellationToken)
    {
        var waiter = EnqueueAndRelease(out int saved);
        bool notified = await _waiters.WaitAsync(waiter, deadline.Remaining, cancellationToken).ConfigureAwait(false);
        await _lock.AcquireRestoreAsync(saved).ConfigureAwait(false);
        if (!notified) cancellationToken.ThrowIfCancellationRequested();
        return notified;
    }
}
