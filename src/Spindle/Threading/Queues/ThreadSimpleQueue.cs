namespace Spindle.Threading;

/// <summary>
/// An unbounded first-in, first-out queue without task tracking: <see cref="Put"/> never waits. Python:
/// <c>queue.SimpleQueue()</c>.
/// </summary>
/// <remarks>An unbounded <see cref="ThreadQueue{T}"/> underneath, without <c>task_done</c>/<c>join</c>, as Python's.</remarks>
/// <typeparam name="T">The item type.</typeparam>
public sealed class ThreadSimpleQueue<T> : IQueue<T>
{
    private readonly ThreadQueue<T> _items = new();

    /// <summary>Always 0: the queue is unbounded.</summary>
    public int MaxSize => 0;

    /// <summary>Approximate number of items. Python: <c>SimpleQueue.qsize()</c>.</summary>
    public int Count => _items.Count;

    /// <summary>Approximately empty. Python: <c>SimpleQueue.empty()</c>.</summary>
    public bool IsEmpty => _items.IsEmpty;

    /// <summary>Always false: the queue is unbounded.</summary>
    public bool IsFull => false;

    /// <summary>Puts an item; never waits (the timeout is accepted for compatibility, as Python's).
    /// Python: <c>SimpleQueue.put(item, block=True, timeout=None)</c>.</summary>
    public void Put(T item, TimeSpan? timeout = null) => _items.PutNoWait(item);

    /// <summary>Puts an item. Python: <c>SimpleQueue.put_nowait(item)</c>.</summary>
    public void PutNoWait(T item) => _items.PutNoWait(item);

    /// <summary>Puts an item; always true.</summary>
    public bool TryPut(T item, TimeSpan timeout = default)
    {
        _items.PutNoWait(item);
        return true;
    }

    /// <summary>Puts an item; completes at once.</summary>
    public ValueTask PutAsync(T item, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _items.PutNoWait(item);
        return ValueTask.CompletedTask;
    }

    /// <summary>Removes and returns the next item, waiting up to <paramref name="timeout"/> (null: forever).
    /// Python: <c>SimpleQueue.get(block=True, timeout=None)</c>.</summary>
    /// <exception cref="QueueEmptyException">No item arrived in time (Python: <c>queue.Empty</c>).</exception>
    public T Get(TimeSpan? timeout = null) => _items.Get(timeout);

    /// <summary>Removes and returns the next item without waiting. Python: <c>SimpleQueue.get_nowait()</c>.</summary>
    /// <exception cref="QueueEmptyException">The queue is empty.</exception>
    public T GetNoWait() => _items.GetNoWait();

    /// <summary>Gets an item if one arrives within <paramref name="timeout"/> (zero: no wait).</summary>
    public bool TryGet(out T item, TimeSpan timeout = default) => _items.TryGet(out item, timeout);

    /// <summary>Awaitable twin of <see cref="Get"/>.</summary>
    public ValueTask<T> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) => _items.GetAsync(timeout, cancellationToken);
}
