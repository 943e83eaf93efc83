using System.Globalization;

namespace Spindle.Coroutines;

/// <summary>
/// A counting semaphore for coroutines: <see cref="Acquire"/> takes a unit, waiting while there is none.
/// Python: <c>gevent.lock.Semaphore(value=1)</c>.
/// </summary>
public class HubSemaphore : ISemaphore
{
    private readonly WaiterQueue _waiters = new();
    private readonly int _bound;

    /// <summary>Creates a semaphore whose counter starts at <paramref name="value"/>. Python: <c>Semaphore(value=1)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative (Python: <c>ValueError</c>).</exception>
    public HubSemaphore(int value = 1) : this(value, bounded: false) { }

    private protected HubSemaphore(int value, bool bounded)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        Value = value;
        _bound = bounded ? value : int.MaxValue;
    }

    /// <summary>The counter. Python: <c>Semaphore.counter</c>.</summary>
    public int Value { get; private set; }

    /// <summary>Whether no unit is left. Python: <c>Semaphore.locked()</c>.</summary>
    public bool IsLocked => Value == 0;

    /// <summary>Takes a unit, waiting up to <paramref name="timeout"/> (null: forever; zero: no wait). Main code only;
    /// coroutines await <see cref="AcquireAsync"/>. Python: <c>acquire(blocking=True, timeout=None)</c>.</summary>
    /// <returns>false if the timeout passed.</returns>
    public bool Acquire(TimeSpan? timeout = null) =>
        TryTake() || (Deadline.Validate(timeout) != TimeSpan.Zero && MainGreenlet.Run("HubSemaphore.Acquire", () => AcquireAsync(timeout)));

    /// <summary>Awaitable twin of <see cref="Acquire"/>.</summary>
    public async ValueTask<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline.Start(timeout);
        while (!TryTake())
        {
            if (deadline.HasExpired || Deadline.Validate(timeout) == TimeSpan.Zero) return false;
            bool woken;
            try
            {
                woken = await _waiters.WaitAsync("HubSemaphore.AcquireAsync", deadline.RemainingOrNull, cancellationToken);
            }
            catch
            {
                PassOn();
                throw;
            }
            if (!woken) return TryTake();
        }
        PassOn();
        return true;
    }

    /// <summary>Gives a unit back and wakes a waiter. Python: <c>release()</c>.</summary>
    /// <exception cref="SemaphoreFullException">Bounded: released more than acquired.</exception>
    public void Release() => Release(1);

    /// <summary>Gives <paramref name="count"/> units back. Python: <c>release()</c> n times.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 1.</exception>
    /// <exception cref="SemaphoreFullException">Bounded: the counter would pass its initial value (Python: <c>ValueError</c>).</exception>
    public void Release(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if ((long)Value + count > _bound)
            throw new SemaphoreFullException(string.Create(CultureInfo.InvariantCulture,
                $"Semaphore released too many times: releasing {count} would take the counter from {Value} past its initial value {_bound}."));
        Value += count;
        PassOn();
    }

    /// <summary>Python's repr.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"<{GetType().Name} counter={Value} waiters={_waiters.Count}>");

    private bool TryTake()
    {
        if (Value == 0) return false;
        Value--;
        return true;
    }

    // A woken waiter takes the unit when it runs; if units remain (or the woken one gave up), the next waiter is woken.
    private void PassOn()
    {
        if (Value > 0 && _waiters.Count > 0) _waiters.WakeOne(Hub.Current);
    }
}

/// <summary>A semaphore that refuses to be released above its initial value. Python: <c>gevent.lock.BoundedSemaphore</c>.</summary>
public sealed class HubBoundedSemaphore : HubSemaphore
{
    /// <summary>Creates the semaphore. Python: <c>BoundedSemaphore(value=1)</c>.</summary>
    public HubBoundedSemaphore(int value = 1) : base(value, bounded: true) { }
}

/// <summary>
/// A mutex for coroutines (Python: <c>threading.Lock</c> semantics on gevent's <c>BoundedSemaphore(1)</c>). Not
/// re-entrant: a coroutine that acquires it twice waits for itself (use <see cref="HubRLock"/>).
/// </summary>
public sealed class HubLock : ILock
{
    private readonly HubBoundedSemaphore _semaphore = new(1);

    /// <summary>Whether it is held. Python: <c>locked()</c>.</summary>
    public bool IsLocked => _semaphore.IsLocked;

    /// <inheritdoc cref="HubSemaphore.Acquire"/>
    public bool Acquire(TimeSpan? timeout = null) => _semaphore.Acquire(timeout);

    /// <inheritdoc cref="HubSemaphore.AcquireAsync"/>
    public ValueTask<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _semaphore.AcquireAsync(timeout, cancellationToken);

    /// <summary>Releases it. Python: <c>release()</c>.</summary>
    /// <exception cref="SynchronizationLockException">It is not held (Python: <c>RuntimeError: release unlocked lock</c>).</exception>
    public void Release()
    {
        if (!IsLocked) throw new SynchronizationLockException("release unlocked lock");
        _semaphore.Release();
    }

    /// <summary>Python's repr.</summary>
    public override string ToString() => IsLocked ? "<HubLock locked>" : "<HubLock unlocked>";
}

/// <summary>A re-entrant lock owned by a greenlet. Python: <c>gevent.lock.RLock</c>.</summary>
public sealed class HubRLock : ILock
{
    private readonly HubLock _lock = new();
    private Greenlet? _owner;
    private int _count;

    /// <summary>Whether the running greenlet holds it. Python: <c>RLock._is_owned()</c>.</summary>
    public bool IsOwnedByCurrentGreenlet => _owner is not null && _owner == Greenlet.Current;

    /// <summary>Acquires (again, if the running greenlet holds it). Python: <c>acquire(blocking=True, timeout=None)</c>.</summary>
    public bool Acquire(TimeSpan? timeout = null) =>
        Reenter() || Take(_lock.Acquire(timeout));

    /// <summary>Awaitable twin of <see cref="Acquire"/>.</summary>
    public async ValueTask<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Reenter() || Take(await _lock.AcquireAsync(timeout, cancellationToken));

    /// <summary>Releases once; the last release frees it. Python: <c>release()</c>.</summary>
    /// <exception cref="SynchronizationLockException">The running greenlet does not hold it (Python: <c>RuntimeError: cannot release un-acquired lock</c>).</exception>
    public void Release()
    {
        if (!IsOwnedByCurrentGreenlet) throw new SynchronizationLockException("cannot release un-acquired lock");
        if (--_count > 0) return;
        _owner = null;
        _lock.Release();
    }

    private bool Reenter()
    {
        if (!IsOwnedByCurrentGreenlet) return false;
        _count++;
        return true;
    }

    private bool Take(bool acquired)
    {
        if (!acquired) return false;
        _owner = Greenlet.Current;
        _count = 1;
        return true;
    }
}
