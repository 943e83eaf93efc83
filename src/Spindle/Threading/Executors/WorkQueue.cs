using System.Collections.Concurrent;

namespace Spindle.Threading;

/// <summary>
/// The work queue of Spindle's thread executors and pools: a lock-free queue whose consumers spin briefly and then
/// park on a Monitor. A producer pays for a wake-up only when a consumer is actually parked, so a busy pool moves
/// work with no kernel call per item (Python's <c>queue.SimpleQueue</c> takes a lock and may signal per put).
/// </summary>
internal sealed class WorkQueue<T>
    where T : class
{
    private const int SpinRounds = 32;

    private readonly ConcurrentQueue<T> _items = new();
    private readonly object _gate = new();
    private int _parked;
    private int _spinning; // consumers between finding the queue empty and parking
    private volatile bool _closed;

    public int Count => _items.Count;

    /// <summary>Adds an item and wakes one parked consumer, unless one is already spinning and will take it.</summary>
    public void Add(T item)
    {
        _items.Enqueue(item);
        // Full fence: either a consumer about to park sees the item, or we see it counted as parked or spinning.
        Interlocked.MemoryBarrier();
        WakeOneIfNeeded();
    }

    private void WakeOneIfNeeded()
    {
        if (Volatile.Read(ref _parked) > 0 && Volatile.Read(ref _spinning) == 0)
        {
            lock (_gate) Monitor.Pulse(_gate);
        }
    }

    /// <summary>A consumer that got an item and sees more queued wakes a peer, so a burst spreads over the workers.</summary>
    private bool Took()
    {
        if (!_items.IsEmpty) WakeOneIfNeeded();
        return true;
    }

    /// <summary>
    /// Takes the next item, waiting for one. Returns false once the queue is closed and empty.
    /// <paramref name="onIdle"/> runs when the queue is found empty, before waiting (Python's idle semaphore release).
    /// </summary>
    public bool TryTake(out T item, Action? onIdle = null)
    {
        if (_items.TryDequeue(out item!)) return true;
        onIdle?.Invoke();
        Interlocked.Increment(ref _spinning);
        var spinner = default(SpinWait);
        for (var round = 0; round < SpinRounds && !_closed; round++)
        {
            if (_items.TryDequeue(out item!))
            {
                Interlocked.Decrement(ref _spinning);
                return Took();
            }
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        Interlocked.Decrement(ref _spinning);
        lock (_gate)
        {
            Interlocked.Increment(ref _parked);
            try
            {
                while (true)
                {
                    if (_items.TryDequeue(out item!)) break;
                    if (_closed) return false;
                    Monitor.Wait(_gate);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _parked);
            }
        }
        return Took();
    }

    /// <summary>Removes everything queued.</summary>
    public List<T> Drain()
    {
        var drained = new List<T>();
        while (_items.TryDequeue(out var item)) drained.Add(item);
        return drained;
    }

    /// <summary>No more waiting: consumers finish what is queued, then <see cref="TryTake"/> returns false.</summary>
    public void Close()
    {
        _closed = true;
        lock (_gate) Monitor.PulseAll(_gate);
    }
}
