using System.Globalization;

namespace Spindle.Threading;

/// <summary>
/// A counting semaphore (Python: <c>threading.Semaphore(value=1)</c>): <see cref="Acquire"/> takes one unit of the
/// counter, waiting while it is zero; <see cref="Release(int)"/> gives units back. Waiters are served first come, first served.
/// </summary>
/// <remarks>A release hands its units directly to queued waiters, so a waiter that was woken never finds the counter empty.</remarks>
public class ThreadSemaphore : ISemaphore
{
    private readonly SyncWaiterQueue _waiters = new();
    private readonly int _bound; // the most the counter may reach: the initial value for a bounded semaphore
    private int _value;           // invariant under the gate: waiters are queued only while it is 0

    /// <summary>Creates a semaphore whose counter starts at <paramref name="value"/>. Python: <c>threading.Semaphore(value=1)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative (Python: <c>ValueError</c>).</exception>
    public ThreadSemaphore(int value = 1) : this(value, bounded: false) { }

    private protected ThreadSemaphore(int value, bool bounded)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        _value = value;
        _bound = bounded ? value : int.MaxValue;
    }

    /// <summary>The current counter. Python: <c>Semaphore._value</c> (<c>multiprocessing.Semaphore.get_value()</c>).</summary>
    public int Value => Volatile.Read(ref _value);

    /// <summary>How many calls are queued waiting for a unit (diagnostics and tests).</summary>
    internal int WaiterCount => _waiters.Count;

    /// <summary>
    /// Takes one unit, waiting at most <paramref name="timeout"/> while the counter is zero (null: forever;
    /// <see cref="TimeSpan.Zero"/>: no wait). Python: <c>Semaphore.acquire(blocking=True, timeout=None)</c>.
    /// </summary>
    /// <returns>true if a unit was taken, false if the timeout elapsed.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative timeout other than <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public bool Acquire(TimeSpan? timeout = null)
    {
        var deadline = Deadline.Start(timeout);
        if (TryTake()) return true;
        if (timeout == TimeSpan.Zero) return false;
        return EnqueueOrTake() is not { } waiter || _waiters.Wait(waiter, deadline.RemainingMilliseconds);
    }

    /// <summary>
    /// Awaitable twin of <see cref="Acquire"/>. A cancelled wait throws <see cref="OperationCanceledException"/> and
    /// takes no unit; a wait that was granted a unit before it saw the cancellation returns true.
    /// </summary>
    public ValueTask<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline.Start(timeout);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(cancellationToken);
        if (TryTake()) return new ValueTask<bool>(true);
        if (timeout == TimeSpan.Zero) return new ValueTask<bool>(false);
        return EnqueueOrTake() is { } waiter ? WaitGrantAsync(waiter, deadline, cancellationToken) : new ValueTask<bool>(true);
    }

    /// <summary>Gives one unit back. Python: <c>Semaphore.release()</c>.</summary>
    /// <exception cref="SemaphoreFullException">Bounded semaphore: the counter would exceed its initial value.</exception>
    public void Release() => Release(1);

    /// <summary>Gives <paramref name="count"/> units back at once, waking as many waiters. Python: <c>Semaphore.release(n=1)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 1 (Python: <c>ValueError: n must be one or more</c>).</exception>
    /// <exception cref="SemaphoreFullException">Bounded semaphore: the counter would exceed its initial value; it is left unchanged
    /// (Python: <c>ValueError: Semaphore released too many times</c>).</exception>
    public void Release(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        lock (_waiters.Gate)
        {
            if ((long)Volatile.Read(ref _value) + count > _bound) throw TooManyReleases(count);
            int left = count - _waiters.Signal(count);
            if (left > 0) Interlocked.Add(ref _value, left);
        }
    }

    /// <summary>Python's repr, e.g. <c>&lt;ThreadSemaphore value=2&gt;</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"<{GetType().Name} value={Value}>");

    private SemaphoreFullException TooManyReleases(int count) => _bound == int.MaxValue
        ? new SemaphoreFullException(string.Create(CultureInfo.InvariantCulture,
            $"Semaphore released too many times: releasing {count} would take the counter ({Value}) past Int32.MaxValue."))
        : new SemaphoreFullException(string.Create(CultureInfo.InvariantCulture,
            $"Semaphore released too many times: releasing {count} would take the counter from {Value} past its initial value {_bound}."));

    private bool TryTake()
    {
        int value;
        while ((value = Volatile.Read(ref _value)) > 0)
        {
            if (Interlocked.CompareExchange(ref _value, value - 1, value) == value) return true;
        }
        return false;
    }

    /// <summary>Takes a unit if one appeared meanwhile (null), otherwise queues a waiter for a release to grant one.</summary>
    private SyncWaiter? EnqueueOrTake()
    {
        lock (_waiters.Gate) return TryTake() ? null : _waiters.Enqueue();
    }

    private async ValueTask<bool> WaitGrantAsync(SyncWaiter waiter, Deadline deadline, CancellationToken cancellationToken)
    {
        if (await _waiters.WaitAsync(waiter, deadline.Remaining, cancellationToken).ConfigureAwait(false)) return true;
        cancellationToken.ThrowIfCancellationRequested();
        return false;
    }
}
