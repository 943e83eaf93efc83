using Spindle.Threading.Queues;

namespace Spindle.Threading;

/// <summary>
/// The blocking, joinable, shut-down-able queue shared by <see cref="ThreadQueue{T}"/>, <see cref="ThreadLifoQueue{T}"/>
/// and <see cref="ThreadPriorityQueue{T}"/>, which only choose the ordering — as CPython's <c>queue.Queue</c> is
/// subclassed by <c>LifoQueue</c> and <c>PriorityQueue</c> overriding <c>_put</c>/<c>_get</c>.
/// Python: <c>queue.Queue</c>. Safe for any number of threads and tasks; blocking and awaiting callers may mix
/// (an item put by <see cref="Put"/> may be received by <see cref="GetAsync"/> and the reverse).
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public abstract partial class ThreadQueueBase<T> : IJoinableQueue<T>
{
    private readonly Lock _lock = new();
    private readonly QueueWaiterList _getters = new();
    private readonly QueueWaiterList _putters = new();
    private readonly QueueWaiterList _joiners = new();
    // Written under the lock, read without it by Count, MaxSize and by the spin before parking.
    private volatile int _maxSize;
    private volatile int _count;
    private volatile int _unfinishedTasks;
    private volatile bool _isShutDown;

    /// <summary>Creates the queue; <paramref name="maxSize"/> of 0 or less means unbounded, as in Python.</summary>
    private protected ThreadQueueBase(int maxSize) => _maxSize = Math.Max(0, maxSize);

    /// <summary>Stores an item in the ordering's container. Python: <c>Queue._put</c>. Called under the lock.</summary>
    private protected abstract void AddItem(T item);

    /// <summary>Removes the next item in the ordering (the container is not empty). Python: <c>Queue._get</c>. Called under the lock.</summary>
    private protected abstract T RemoveItem();

    /// <summary>Stores an item so that it comes out next (see <see cref="Requeue"/>); the LIFO and priority orderings already do. Called under the lock.</summary>
    private protected virtual void AddItemFirst(T item) => AddItem(item);

    /// <summary>Discards every item (for an immediate shutdown). Called under the lock.</summary>
    private protected abstract void ClearItems();

    /// <summary>
    /// The capacity, 0 for unbounded (a negative size reads as 0). Setting it applies to the next puts; items already
    /// queued stay, and putters waiting for room try again. Python: <c>Queue.maxsize</c> (an attribute that may be changed).
    /// </summary>
    public int MaxSize
    {
        get => _maxSize;
        set
        {
            lock (_lock)
            {
                _maxSize = Math.Max(0, value);
                _putters.WakeAll(); // those with room now go on; the others park again
            }
        }
    }

    /// <summary>Approximate number of items: another thread may change it at once. Python: <c>Queue.qsize()</c>.</summary>
    public int Count => _count;

    /// <summary>Approximately empty. Python: <c>Queue.empty()</c>.</summary>
    public bool IsEmpty => _count == 0;

    /// <summary>Approximately full (never for an unbounded queue). Python: <c>Queue.full()</c>.</summary>
    public bool IsFull => _maxSize > 0 && _count >= _maxSize;

    /// <summary>Whether <see cref="Shutdown"/> was called. Python 3.13: <c>Queue.is_shutdown</c>.</summary>
    public bool IsShutDown => _isShutDown;

    /// <summary>Puts an item, waiting for room up to <paramref name="timeout"/> (null: forever). Python: <c>Queue.put(item, block=True, timeout=None)</c>.</summary>
    /// <exception cref="QueueFullException">No room before the timeout.</exception>
    /// <exception cref="QueueShutDownException">The queue is shut down, before or during the wait.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than infinite).</exception>
    public void Put(T item, TimeSpan? timeout = null)
    {
        var op = new PutOperation(item);
        if (!Run(ref op, Deadline.Validate(timeout, nameof(timeout)))) throw FullException();
    }

    /// <summary>Puts without waiting. Python: <c>Queue.put_nowait(item)</c>.</summary>
    /// <exception cref="QueueFullException">The queue is full.</exception>
    /// <exception cref="QueueShutDownException">The queue is shut down.</exception>
    public void PutNoWait(T item)
    {
        var op = new PutOperation(item);
        if (!Run(ref op, TimeSpan.Zero)) throw FullException();
    }

    /// <summary>Puts if room appears within <paramref name="timeout"/> (zero: no wait); Python's <c>put</c> with <c>queue.Full</c> caught.</summary>
    /// <returns>false if the queue stayed full.</returns>
    /// <exception cref="QueueShutDownException">The queue is shut down: not a transient condition, so not a false.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than infinite).</exception>
    public bool TryPut(T item, TimeSpan timeout = default)
    {
        var op = new PutOperation(item);
        return Run(ref op, Deadline.Validate(timeout, nameof(timeout)));
    }

    /// <summary>
    /// Awaitable twin of <see cref="Put"/> (Python has none). If <paramref name="cancellationToken"/> cancels the wait,
    /// the item was not put.
    /// </summary>
    /// <exception cref="QueueFullException">No room before the timeout.</exception>
    /// <exception cref="QueueShutDownException">The queue is shut down, before or during the wait.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the item was put.</exception>
    public ValueTask PutAsync(T item, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = Deadline.Validate(timeout, nameof(timeout));
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        var op = new PutOperation(item);
        return TryOnce(ref op) switch
        {
            Status.Done => ValueTask.CompletedTask,
            Status.ShutDown => ValueTask.FromException(new QueueShutDownException()),
            _ when limit == TimeSpan.Zero => ValueTask.FromException(FullException()),
            _ => PutSlowAsync(op, limit, cancellationToken),
        };
    }

    /// <summary>Removes and returns the next item, waiting up to <paramref name="timeout"/> (null: forever). Python: <c>Queue.get(block=True, timeout=None)</c>.</summary>
    /// <exception cref="QueueEmptyException">Nothing arrived before the timeout.</exception>
    /// <exception cref="QueueShutDownException">The queue is shut down and empty, before or during the wait.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than infinite).</exception>
    public T Get(TimeSpan? timeout = null)
    {
        var op = default(GetOperation);
        if (!Run(ref op, Deadline.Validate(timeout, nameof(timeout)))) throw EmptyException();
        return op.Item;
    }

    /// <summary>Gets without waiting. Python: <c>Queue.get_nowait()</c>.</summary>
    /// <exception cref="QueueEmptyException">The queue is empty.</exception>
    /// <exception cref="QueueShutDownException">The queue is shut down and empty.</exception>
    public T GetNoWait()
    {
        var op = default(GetOperation);
        if (!Run(ref op, TimeSpan.Zero)) throw EmptyException();
        return op.Item;
    }

    /// <summary>Gets if an item arrives within <paramref name="timeout"/> (zero: no wait); Python's <c>get</c> with <c>queue.Empty</c> caught.</summary>
    /// <returns>false if the queue stayed empty (<paramref name="item"/> is then default).</returns>
    /// <exception cref="QueueShutDownException">The queue is shut down and empty: not a transient condition, so not a false.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than infinite).</exception>
    public bool TryGet(out T item, TimeSpan timeout = default)
    {
        var op = default(GetOperation);
        var done = Run(ref op, Deadline.Validate(timeout, nameof(timeout)));
        item = op.Item;
        return done;
    }

    /// <summary>
    /// Awaitable twin of <see cref="Get"/> (Python has none). If <paramref name="cancellationToken"/> cancels the wait,
    /// no item was taken: it stays in the queue for another consumer.
    /// </summary>
    /// <exception cref="QueueEmptyException">Nothing arrived before the timeout.</exception>
    /// <exception cref="QueueShutDownException">The queue is shut down and empty, before or during the wait.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before an item was taken.</exception>
    public ValueTask<T> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = Deadline.Validate(timeout, nameof(timeout));
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<T>(cancellationToken);
        var op = default(GetOperation);
        return TryOnce(ref op) switch
        {
            Status.Done => new ValueTask<T>(op.Item),
            Status.ShutDown => ValueTask.FromException<T>(new QueueShutDownException()),
            _ when limit == TimeSpan.Zero => ValueTask.FromException<T>(EmptyException()),
            _ => GetSlowAsync(op, limit, cancellationToken),
        };
    }

    /// <summary>Marks one fetched item done. Python: <c>Queue.task_done()</c>.</summary>
    /// <exception cref="InvalidOperationException">Called more times than items were put (Python's <c>ValueError</c>).</exception>
    public void TaskDone()
    {
        lock (_lock)
        {
            if (_unfinishedTasks == 0) throw new InvalidOperationException("task_done() called too many times");
            if (--_unfinishedTasks == 0) _joiners.WakeAll();
        }
    }

    /// <summary>Waits until every item put has been marked done by <see cref="TaskDone"/>. Python: <c>Queue.join()</c>.</summary>
    /// <returns>false if the timeout elapsed first.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than infinite).</exception>
    public bool Join(TimeSpan? timeout = null)
    {
        var op = default(JoinOperation);
        return Run(ref op, Deadline.Validate(timeout, nameof(timeout)));
    }

    /// <summary>Awaitable twin of <see cref="Join"/> (Python has none).</summary>
    /// <returns>false if the timeout elapsed first.</returns>
    /// <exception cref="OperationCanceledException">Cancelled before all tasks were done.</exception>
    public ValueTask<bool> JoinAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = Deadline.Validate(timeout, nameof(timeout));
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(cancellationToken);
        var op = default(JoinOperation);
        if (TryOnce(ref op) == Status.Done) return new ValueTask<bool>(true);
        return limit == TimeSpan.Zero ? new ValueTask<bool>(false) : JoinSlowAsync(op, limit, cancellationToken);
    }

    /// <summary>
    /// Shuts the queue down: puts fail from now on, gets drain what is left and then fail, and every blocked putter
    /// (and getter, once the queue is empty) wakes with <see cref="QueueShutDownException"/>. With
    /// <paramref name="immediate"/> the remaining items are discarded at once and counted as done, releasing
    /// <see cref="Join"/>. Calling it again is harmless. Python 3.13: <c>Queue.shutdown(immediate=False)</c>.
    /// </summary>
    public void Shutdown(bool immediate = false)
    {
        lock (_lock)
        {
            _isShutDown = true;
            if (immediate)
            {
                // Python drains with _get(), counting each item done; clearing needs no comparisons that could throw.
                _unfinishedTasks = Math.Max(0, _unfinishedTasks - _count);
                ClearItems();
                _count = 0;
                if (_unfinishedTasks == 0) _joiners.WakeAll();
            }
            _getters.WakeAll();
            _putters.WakeAll();
        }
    }

    /// <summary>
    /// Puts back an item a getter took but could not hand on (a manager's client that died while its get waited): it
    /// comes out next, as if it had never been taken, even past the max size (it held its place), and is not counted as a
    /// new task.
    /// </summary>
    internal void Requeue(T item)
    {
        QueueWaiter? toWake = null;
        lock (_lock)
        {
            AddItemFirst(item);
            _count++;
            if (!_getters.IsEmpty) toWake = _getters.TakeFirst();
        }
        toWake?.Wake();
    }

    // How many callers are parked (or suspended) in each wait, so tests can tell a blocked call from a slow one.
    internal int WaitingPutters { get { lock (_lock) return _putters.Count; } }

    internal int WaitingGetters { get { lock (_lock) return _getters.Count; } }

    internal int WaitingJoiners { get { lock (_lock) return _joiners.Count; } }

    private QueueFullException FullException() => new($"The queue is full (max size {_maxSize}).");

    private static QueueEmptyException EmptyException() => new();

    private async ValueTask PutSlowAsync(PutOperation op, TimeSpan? limit, CancellationToken cancellationToken)
    {
        if (!(await WaitAsync(op, limit, cancellationToken).ConfigureAwait(false)).Done) throw FullException();
    }

    private async ValueTask<T> GetSlowAsync(GetOperation op, TimeSpan? limit, CancellationToken cancellationToken)
    {
        var (done, finished) = await WaitAsync(op, limit, cancellationToken).ConfigureAwait(false);
        return done ? finished.Item : throw EmptyException();
    }

    private async ValueTask<bool> JoinSlowAsync(JoinOperation op, TimeSpan? limit, CancellationToken cancellationToken) =>
        (await WaitAsync(op, limit, cancellationToken).ConfigureAwait(false)).Done;
}
