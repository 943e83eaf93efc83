namespace Spindle;

/// <summary>
/// A condition variable bound to a lock (Python: <c>threading.Condition</c>, <c>multiprocessing.Condition</c>).
/// <see cref="ILock.Acquire"/>/<see cref="ILock.Release"/> act on the underlying lock.
/// Waiting or notifying without holding the lock throws <see cref="SynchronizationLockException"/>.
/// </summary>
public interface ICondition : ILock
{
    /// <summary>Releases the lock, waits for a notify or the timeout, re-acquires. Python: <c>wait(timeout=None)</c>.</summary>
    /// <returns>false if the timeout elapsed.</returns>
    bool Wait(TimeSpan? timeout = null);

    /// <summary>Awaitable twin of <see cref="Wait"/>.</summary>
    ValueTask<bool> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Waits until <paramref name="predicate"/> is true or the timeout elapses. Python: <c>wait_for(predicate, timeout=None)</c>.</summary>
    /// <returns>The last value of the predicate.</returns>
    bool WaitFor(Func<bool> predicate, TimeSpan? timeout = null);

    /// <summary>Awaitable twin of <see cref="WaitFor"/>.</summary>
    ValueTask<bool> WaitForAsync(Func<bool> predicate, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Wakes up to <paramref name="count"/> waiters. Python: <c>notify(n=1)</c>.</summary>
    void Notify(int count = 1);

    /// <summary>Wakes every waiter. Python: <c>notify_all()</c>.</summary>
    void NotifyAll();
}
