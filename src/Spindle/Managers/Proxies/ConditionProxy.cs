using Spindle.Serialization;

namespace Spindle.Managers;

/// <summary>
/// A proxy to a condition variable held by the manager (<see cref="Manager.Condition"/>). Python: <c>ConditionProxy</c>.
/// The lock belongs to the thread that acquired it, so the same thread must wait, notify and release.
/// </summary>
public sealed class ConditionProxy : ManagerProxy, ICondition, IShareable<ConditionProxy>
{
    internal ConditionProxy(ProxyCore core) : base(core) { }

    /// <summary>Acquires the condition's lock. Python: <c>acquire(blocking=True, timeout=None)</c>.</summary>
    public bool Acquire(TimeSpan? timeout = null) =>
        Core.Call((byte)ConditionMethod.Acquire, timeout, static (w, t) => w.Timeout(t), static (ref WireReader r) => r.Bool());

    /// <summary>Awaitable twin of <see cref="Acquire"/>; cancellation stops the wait on the server.</summary>
    public ValueTask<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) => Timed(ConditionMethod.Acquire, timeout, cancellationToken);

    /// <summary>Releases the condition's lock. Python: <c>release()</c>.</summary>
    /// <exception cref="SynchronizationLockException">This thread does not hold the lock.</exception>
    public void Release() => Core.Call((byte)ConditionMethod.Release);

    /// <summary>Releases the lock, waits for a notification or the timeout, re-acquires. Python: <c>wait(timeout=None)</c>.</summary>
    /// <returns>false if the timeout elapsed.</returns>
    /// <exception cref="SynchronizationLockException">This thread does not hold the lock.</exception>
    public bool Wait(TimeSpan? timeout = null) =>
        Core.Call((byte)ConditionMethod.Wait, timeout, static (w, t) => w.Timeout(t), static (ref WireReader r) => r.Bool());

    /// <summary>Awaitable twin of <see cref="Wait"/>; on cancellation the server re-acquires the lock before the call throws <see cref="OperationCanceledException"/>.</summary>
    public ValueTask<bool> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) => Timed(ConditionMethod.Wait, timeout, cancellationToken);

    /// <summary>
    /// Waits until <paramref name="predicate"/>, evaluated here with the lock held, is true, or the timeout elapses.
    /// Python: <c>ConditionProxy.wait_for(predicate, timeout=None)</c>, which also runs the predicate in the caller.
    /// </summary>
    /// <returns>The predicate's last value.</returns>
    public bool WaitFor(Func<bool> predicate, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var deadline = Deadline.Start(timeout);
        bool result;
        while (!(result = predicate()) && !deadline.HasExpired) Wait(deadline.RemainingOrNull);
        return result;
    }

    /// <summary>Awaitable twin of <see cref="WaitFor"/>.</summary>
    public async ValueTask<bool> WaitForAsync(Func<bool> predicate, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var deadline = Deadline.Start(timeout);
        bool result;
        while (!(result = predicate()) && !deadline.HasExpired) await WaitAsync(deadline.RemainingOrNull, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Wakes up to <paramref name="count"/> waiters. Python: <c>notify(n=1)</c>.</summary>
    /// <exception cref="SynchronizationLockException">This thread does not hold the lock.</exception>
    public void Notify(int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Core.Call((byte)ConditionMethod.Notify, count, static (w, n) => w.Int32(n));
    }

    /// <summary>Wakes every waiter. Python: <c>notify_all()</c>.</summary>
    public void NotifyAll() => Notify(int.MaxValue);

    /// <summary>Rebuilds a proxy in the receiving process (it borrows the condition).</summary>
    public static ConditionProxy Import(ShareableHandle handle) => new(ProxyCore.Import(handle, BuiltinTypes.Condition));

    /// <inheritdoc />
    public override string ToString() => $"<ConditionProxy at {Core.Address}>";

    private ValueTask<bool> Timed(ConditionMethod method, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        Deadline.Validate(timeout);
        return new(Core.CallAsync((byte)method, timeout, static (w, t) => w.Timeout(t), static (ref WireReader r) => r.Bool(), cancellationToken));
    }
}
