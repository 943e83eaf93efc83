using Spindle.Serialization;

namespace Spindle.Managers;

/// <summary>
/// A proxy to a lock or re-entrant lock held by the manager (<see cref="Manager.Lock"/>, <see cref="Manager.RLock"/>).
/// Python: <c>AcquirerProxy</c>. A re-entrant lock is owned by the thread that acquired it (each thread has its own
/// connection to the manager), so only that thread may release it, as in Python; a plain lock may be released by any.
/// </summary>
public sealed class LockProxy : ManagerProxy, ILock, IShareable<LockProxy>
{
    internal LockProxy(ProxyCore core) : base(core) { }

    /// <summary>Acquires, waiting at most <paramref name="timeout"/> on the server. Python: <c>acquire(blocking=True, timeout=None)</c>.</summary>
    /// <returns>true if acquired, false if the timeout elapsed.</returns>
    /// <exception cref="ManagerConnectionException">The manager has shut down.</exception>
    public bool Acquire(TimeSpan? timeout = null) => Acquisition.Acquire(Core, timeout);

    /// <summary>
    /// Awaitable twin of <see cref="Acquire"/>; cancellation stops the wait on the server. The lock is owned by the
    /// thread that called this method (its connection made the request).
    /// </summary>
    public ValueTask<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Acquisition.AcquireAsync(Core, timeout, cancellationToken);

    /// <summary>Releases. Python: <c>release()</c>.</summary>
    /// <exception cref="SynchronizationLockException">The lock is not held, or (re-entrant lock) held by another thread.</exception>
    public void Release() => Acquisition.Release(Core, 1);

    /// <summary>Rebuilds a proxy in the receiving process (it borrows the lock).</summary>
    public static LockProxy Import(ShareableHandle handle) => new(ProxyCore.Import(handle, BuiltinTypes.Lock, BuiltinTypes.RLock));

    /// <inheritdoc />
    public override string ToString() => $"<LockProxy typeid='{Core.TypeId}' at {Core.Address}>";
}

/// <summary>A proxy to a semaphore or bounded semaphore held by the manager. Python: <c>AcquirerProxy</c> for <c>manager.Semaphore()</c>.</summary>
public sealed class SemaphoreProxy : ManagerProxy, ISemaphore, IShareable<SemaphoreProxy>
{
    internal SemaphoreProxy(ProxyCore core) : base(core) { }

    /// <summary>The counter. Python: <c>Semaphore.get_value()</c> (<c>_value</c> of the referent).</summary>
    public int Value => Core.Call((byte)LockMethod.Value, static (ref WireReader r) => r.Int32());

    /// <summary>Acquires, waiting at most <paramref name="timeout"/> on the server. Python: <c>acquire(blocking=True, timeout=None)</c>.</summary>
    /// <returns>true if acquired, false if the timeout elapsed.</returns>
    public bool Acquire(TimeSpan? timeout = null) => Acquisition.Acquire(Core, timeout);

    /// <summary>Awaitable twin of <see cref="Acquire"/>; cancellation stops the wait on the server.</summary>
    public ValueTask<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Acquisition.AcquireAsync(Core, timeout, cancellationToken);

    /// <summary>Releases once. Python: <c>release()</c>.</summary>
    /// <exception cref="SemaphoreFullException">A bounded semaphore would go above its initial value.</exception>
    public void Release() => Release(1);

    /// <summary>Releases <paramref name="count"/> times. Python: <c>release(n)</c>.</summary>
    public void Release(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        Acquisition.Release(Core, count);
    }

    /// <summary>Rebuilds a proxy in the receiving process (it borrows the semaphore).</summary>
    public static SemaphoreProxy Import(ShareableHandle handle) => new(ProxyCore.Import(handle, BuiltinTypes.Semaphore, BuiltinTypes.BoundedSemaphore));

    /// <inheritdoc />
    public override string ToString() => $"<SemaphoreProxy typeid='{Core.TypeId}' at {Core.Address}>";
}

/// <summary>The acquire/release calls shared by lock and semaphore proxies.</summary>
internal static class Acquisition
{
    internal static bool Acquire(ProxyCore core, TimeSpan? timeout) =>
        core.Call((byte)LockMethod.Acquire, timeout, static (w, t) => w.Timeout(t), static (ref WireReader r) => r.Bool());

    internal static ValueTask<bool> AcquireAsync(ProxyCore core, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        Deadline.Validate(timeout);
        return new(core.CallAsync((byte)LockMethod.Acquire, timeout, static (w, t) => w.Timeout(t), static (ref WireReader r) => r.Bool(), cancellationToken));
    }

    internal static void Release(ProxyCore core, int count) =>
        core.Call((byte)LockMethod.Release, count, static (w, n) => w.Int32(n));
}
