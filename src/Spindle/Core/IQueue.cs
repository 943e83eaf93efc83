namespace Spindle;

/// <summary>
/// A blocking FIFO (or LIFO, or priority) queue shared by threads, processes or coroutines
/// (Python: <c>queue.Queue</c>, <c>multiprocessing.Queue</c>, <c>gevent.queue.Queue</c>).
/// Blocking calls throw <see cref="QueueFullException"/>/<see cref="QueueEmptyException"/> on timeout;
/// the <c>Try…</c> methods return false instead.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public interface IQueue<T>
{
    /// <summary>The capacity, 0 for unbounded. Python: <c>maxsize</c>.</summary>
    int MaxSize { get; }

    /// <summary>Approximate number of items. Python: <c>qsize()</c>.</summary>
    int Count { get; }

    /// <summary>Approximately empty. Python: <c>empty()</c>.</summary>
    bool IsEmpty { get; }

    /// <summary>Approximately full. Python: <c>full()</c>.</summary>
    bool IsFull { get; }

    /// <summary>Puts an item, waiting for room up to <paramref name="timeout"/> (null: forever). Python: <c>put(item, block=True, timeout=None)</c>.</summary>
    /// <exception cref="QueueFullException">No room before the timeout.</exception>
    void Put(T item, TimeSpan? timeout = null);

    /// <summary>Puts without waiting. Python: <c>put_nowait(item)</c>.</summary>
    /// <exception cref="QueueFullException">The queue is full.</exception>
    void PutNoWait(T item);

    /// <summary>Puts if room appears within <paramref name="timeout"/> (zero: no wait).</summary>
    bool TryPut(T item, TimeSpan timeout = default);

    /// <summary>Awaitable twin of <see cref="Put"/>.</summary>
    ValueTask PutAsync(T item, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>Removes and returns an item, waiting up to <paramref name="timeout"/> (null: forever). Python: <c>get(block=True, timeout=None)</c>.</summary>
    /// <exception cref="QueueEmptyException">Nothing arrived before the timeout.</exception>
    T Get(TimeSpan? timeout = null);

    /// <summary>Gets without waiting. Python: <c>get_nowait()</c>.</summary>
    /// <exception cref="QueueEmptyException">The queue is empty.</exception>
    T GetNoWait();

    /// <summary>Gets if an item arrives within <paramref name="timeout"/> (zero: no wait).</summary>
    bool TryGet(out T item, TimeSpan timeout = default);

    /// <summary>Awaitable twin of <see cref="Get"/>.</summary>
    ValueTask<T> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default);
}

/// <summary>
/// A queue whose consumers report each item done, so that producers can wait for all work
/// (Python: <c>queue.Queue.task_done/join</c>, <c>multiprocessing.JoinableQueue</c>).
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public interface IJoinableQueue<T> : IQueue<T>
{
    /// <summary>Marks one fetched item done. Python: <c>task_done()</c>.</summary>
    /// <exception cref="InvalidOperationException">Called more times than items were put.</exception>
    void TaskDone();

    /// <summary>Waits until every item put has been marked done. Python: <c>join()</c>.</summary>
    /// <returns>false if the timeout elapsed first.</returns>
    bool Join(TimeSpan? timeout = null);

    /// <summary>Awaitable twin of <see cref="Join"/>.</summary>
    ValueTask<bool> JoinAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default);
}
