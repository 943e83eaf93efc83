namespace Spindle.Threading;

/// <summary>
/// A FIFO of <see cref="SyncWaiter"/>s guarded by <see cref="Gate"/> (Python: the <c>deque</c> of waiter locks in
/// <c>threading.Condition</c>). Whether a waiter was signalled or gave up (timeout, cancellation) is decided under the
/// gate, so a signal is never lost to a waiter that is leaving and never delivered twice.
/// </summary>
internal sealed class SyncWaiterQueue
{
    private SyncWaiter? _head;
    private SyncWaiter? _tail;
    private int _count;

    /// <summary>Guards the queue; hold it for every method except <see cref="Count"/>, <see cref="Wait"/> and <see cref="WaitAsync"/>.</summary>
    public Lock Gate { get; } = new();

    /// <summary>Queued waiters; readable without the gate.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Adds a new waiter at the back (or the front, for one that lost a race after being woken).</summary>
    /// <remarks>The count is raised with a full fence so that a caller can re-check its primitive's state afterwards
    /// without a wake-up being lost to a concurrent releaser that reads <see cref="Count"/> (a Dekker handshake).</remarks>
    public SyncWaiter Enqueue(bool atFront = false)
    {
        var waiter = new SyncWaiter { IsQueued = true };
        if (_head is null)
        {
            _head = _tail = waiter;
        }
        else if (atFront)
        {
            waiter.Next = _head;
            _head.Previous = waiter;
            _head = waiter;
        }
        else
        {
            waiter.Previous = _tail;
            _tail!.Next = waiter;
            _tail = waiter;
        }
        Interlocked.Increment(ref _count);
        return waiter;
    }

    /// <summary>Removes <paramref name="waiter"/> if it is still queued; false if it was already signalled.</summary>
    public bool TryRemove(SyncWaiter waiter)
    {
        if (!waiter.IsQueued) return false;
        Unlink(waiter);
        return true;
    }

    /// <summary>Signals up to <paramref name="count"/> waiters, oldest first; returns how many.</summary>
    public int Signal(int count = 1)
    {
        int signalled = 0;
        while (signalled < count && _head is { } waiter)
        {
            Unlink(waiter);
            waiter.TrySetResult(true);
            signalled++;
        }
        return signalled;
    }

    /// <summary>Blocks until <paramref name="waiter"/> is signalled or the timeout elapses; on timeout it leaves the queue.</summary>
    /// <returns>true if signalled (also when the signal raced with the timeout and won).</returns>
    public bool Wait(SyncWaiter waiter, int millisecondsTimeout)
    {
        bool completed = false;
        try
        {
            completed = waiter.Task.Wait(millisecondsTimeout);
        }
        finally
        {
            if (!completed) completed = !Withdraw(waiter); // also on Thread.Interrupt, so no signal goes to a dead waiter
        }
        return completed;
    }

    /// <summary>Awaitable twin of <see cref="Wait"/>; cancellation behaves as a timeout here and the caller reports it.</summary>
    /// <returns>true if signalled; false if it timed out or was cancelled first (the caller checks the token).</returns>
    public async ValueTask<bool> WaitAsync(SyncWaiter waiter, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!waiter.Task.IsCompleted)
        {
            await ((Task)waiter.Task.WaitAsync(timeout, cancellationToken)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        return waiter.Task.IsCompleted || !Withdraw(waiter);
    }

    private bool Withdraw(SyncWaiter waiter)
    {
        lock (Gate) return TryRemove(waiter);
    }

    private void Unlink(SyncWaiter waiter)
    {
        if (waiter.Previous is null) _head = waiter.Next; else waiter.Previous.Next = waiter.Next;
        if (waiter.Next is null) _tail = waiter.Previous; else waiter.Next.Previous = waiter.Previous;
        waiter.Previous = waiter.Next = null;
        waiter.IsQueued = false;
        Interlocked.Decrement(ref _count);
    }
}
