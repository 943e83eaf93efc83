namespace Spindle;

/// <summary>
/// The lock protocol shared by every execution unit's locks and semaphores
/// (Python: the <c>acquire</c>/<c>release</c> protocol of <c>threading.Lock</c>, <c>multiprocessing.Lock</c>,
/// <c>gevent.lock.Semaphore</c>). Implemented per unit: <c>ThreadLock</c>, <c>ProcessLock</c>, <c>HubLock</c>, …
/// </summary>
public interface ILock
{
    /// <summary>
    /// Acquires, waiting at most <paramref name="timeout"/> (null waits forever; <see cref="TimeSpan.Zero"/> does not wait).
    /// Python: <c>acquire(blocking=True, timeout=-1)</c>; <c>acquire(blocking=False)</c> is <c>Acquire(TimeSpan.Zero)</c>.
    /// </summary>
    /// <returns>true if acquired, false if the timeout elapsed.</returns>
    bool Acquire(TimeSpan? timeout = null);

    /// <summary>Awaitable twin of <see cref="Acquire"/>. Python has none; gevent's <c>acquire</c> in a greenlet is the closest.</summary>
    ValueTask<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Releases once. Python: <c>release()</c>.</summary>
    void Release();
}

/// <summary>Holds an <see cref="ILock"/> for the length of a <c>using</c> block (Python: <c>with lock:</c>).</summary>
public readonly struct LockScope : IDisposable
{
    private readonly ILock? _lock;

    internal LockScope(ILock held) => _lock = held;

    /// <summary>Releases the lock taken by <see cref="LockExtensions.EnterScope"/>.</summary>
    public void Dispose() => _lock?.Release();
}

/// <summary>Python's <c>with</c> statement for locks, as <c>using</c>.</summary>
public static class LockExtensions
{
    /// <summary>Acquires (waiting forever) and returns a scope that releases on dispose. Python: <c>with lock:</c>.</summary>
    public static LockScope EnterScope(this ILock held)
    {
        ArgumentNullException.ThrowIfNull(held);
        held.Acquire();
        return new LockScope(held);
    }

    /// <summary>Awaitable twin of <see cref="EnterScope"/>. Python: <c>async with lock:</c>.</summary>
    public static async ValueTask<LockScope> EnterScopeAsync(this ILock held, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(held);
        await held.AcquireAsync(null, cancellationToken).ConfigureAwait(false);
        return new LockScope(held);
    }
}
