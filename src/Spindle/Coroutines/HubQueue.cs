using System.Globalization;

namespace Spindle.Coroutines;

/// <summary>
/// A FIFO queue for coroutines: <see cref="GetAsync"/> waits while it is empty, <see cref="PutAsync"/> while it is full.
/// Python: <c>gevent.queue.Queue(maxsize)</c> and <c>JoinableQueue</c> (<see cref="TaskDone"/>, <see cref="Join"/>).
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class HubQueue<T> : IJoinableQueue<T>
{
    private readonly Queue<T> _items = new();
    private readonly WaiterQueue _getters = new();
    private readonly WaiterQueue _putters = new();
    private readonly WaiterQueue _joiners = new();
    private readonly WaiterQueue _peekers = new();
    private int _unfinished;

    /// <summary>Creates a queue holding at most <paramref name="maxSize"/> items (0: unbounded). Python: <c>Queue(maxsize=None)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSize"/> is negative.</exception>
    public HubQueue(int maxSize = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        MaxSize = maxSize;
    }

    /// <inheritdoc/>
    public int MaxSize { get; }

    /// <inheritdoc/>
    public int Count => _items.Count;

    /// <inheritdoc/>
    public bool IsEmpty => _items.Count == 0;

    /// <inheritdoc/>
    public bool IsFull => MaxSize > 0 && _items.Count >= MaxSize;

    /// <summary>Puts an item, waiting for room (main code; coroutines await <see cref="PutAsync"/>). Python: <c>put(item, block=True, timeout=None)</c>.</summary>
    /// <exception cref="QueueFullException">No room within <paramref name="timeout"/>.</exception>
    public void Put(T item, TimeSpan? timeout = null)
    {
        if (TryPutNow(item)) return;
        if (Deadline.Validate(timeout) == TimeSpan.Zero) throw new QueueFullException();
        MainGreenlet.Run("HubQueue.Put", () => PutAsync(item, timeout));
    }

    /// <inheritdoc/>
    public void PutNoWait(T item)
    {
        if (!TryPutNow(item)) throw new QueueFullException();
    }

    /// <summary>Puts if there is room now, or (main code) within <paramref name="timeout"/>.</summary>
    public bool TryPut(T item, TimeSpan timeout = default)
    {
        if (TryPutNow(item)) return true;
        if (timeout == TimeSpan.Zero) return false;
        try
        {
            Put(item, timeout);
            return true;
        }
        catch (QueueFullException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public async ValueTask PutAsync(T item, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline.Start(timeout);
        while (!TryPutNow(item))
        {
            if (deadline.HasExpired || Deadline.Validate(timeout) == TimeSpan.Zero) throw new QueueFullException();
            bool woken;
            try
            {
                woken = await _putters.WaitAsync("HubQueue.PutAsync", deadline.RemainingOrNull, cancellationToken);
            }
            catch
            {
                PassOnRoom();
                throw;
            }
            if (!woken && !TryPutNow(item)) throw new QueueFullException();
            if (!woken) return;
        }
    }

    /// <summary>Removes an item, waiting while empty (main code; coroutines await <see cref="GetAsync"/>). Python: <c>get(block=True, timeout=None)</c>.</summary>
    /// <exception cref="QueueEmptyException">Nothing arrived within <paramref name="timeout"/>.</exception>
    public T Get(TimeSpan? timeout = null)
    {
        if (TryTakeNow(out var item)) return item;
        if (Deadline.Validate(timeout) == TimeSpan.Zero) throw new QueueEmptyException();
        return MainGreenlet.Run("HubQueue.Get", () => GetAsync(timeout));
    }

    /// <inheritdoc/>
    public T GetNoWait() => TryTakeNow(out var item) ? item : throw new QueueEmptyException();

    /// <summary>Gets an item if one is there now, or (main code) arrives within <paramref name="timeout"/>.</summary>
    public bool TryGet(out T item, TimeSpan timeout = default)
    {
        if (TryTakeNow(out item)) return true;
        if (timeout == TimeSpan.Zero) return false;
        try
        {
            item = Get(timeout);
            return true;
        }
        catch (QueueEmptyException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public async ValueTask<T> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline.Start(timeout);
        T item;
        while (!TryTakeNow(out item))
        {
            if (deadline.HasExpired || Deadline.Validate(timeout) == TimeSpan.Zero) throw new QueueEmptyException();
            bool woken;
            try
            {
                woken = await _getters.WaitAsync("HubQueue.GetAsync", deadline.RemainingOrNull, cancellationToken);
            }
            catch
            {
                PassOnItems();
                throw;
            }
            if (!woken) return TryTakeNow(out item) ? item : throw new QueueEmptyException();
        }
        return item;
    }

    /// <summary>
    /// The next item without removing it, waiting while the queue is empty (main code; coroutines await
    /// <see cref="PeekAsync"/>). Python: <c>peek(block=True, timeout=None)</c>.
    /// </summary>
    /// <exception cref="QueueEmptyException">Nothing arrived within <paramref name="timeout"/>.</exception>
    public T Peek(TimeSpan? timeout = null)
    {
        if (_items.TryPeek(out var item)) return item;
        if (Deadline.Validate(timeout) == TimeSpan.Zero) throw new QueueEmptyException();
        return MainGreenlet.Run("HubQueue.Peek", () => PeekAsync(timeout));
    }

    /// <summary>Awaitable twin of <see cref="Peek"/>.</summary>
    public async ValueTask<T> PeekAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline.Start(timeout);
        T? item;
        // A getter woken by the same put may take the item before this peeker runs: then it waits again.
        while (!_items.TryPeek(out item))
        {
            if (deadline.HasExpired || !await _peekers.WaitAsync("HubQueue.PeekAsync", deadline.RemainingOrNull, cancellationToken))
                return _items.TryPeek(out item) ? item : throw new QueueEmptyException();
        }
        return item;
    }

    /// <summary>The next item without removing it. Python: <c>peek_nowait()</c>.</summary>
    /// <exception cref="QueueEmptyException">The queue is empty.</exception>
    public T PeekNoWait() => _items.TryPeek(out var item) ? item : throw new QueueEmptyException();

    /// <inheritdoc/>
    public void TaskDone()
    {
        if (_unfinished == 0) throw new InvalidOperationException("task_done() called too many times");
        if (--_unfinished == 0 && _joiners.Count > 0) _joiners.WakeAll(Hub.Current, true);
    }

    /// <summary>Waits until every item put was marked done (main code). Python: <c>JoinableQueue.join(timeout=None)</c>.</summary>
    public bool Join(TimeSpan? timeout = null) => _unfinished == 0 || MainGreenlet.Run("HubQueue.Join", () => JoinAsync(timeout));

    /// <inheritdoc/>
    public async ValueTask<bool> JoinAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (_unfinished == 0) return true;
        if (Deadline.Validate(timeout) == TimeSpan.Zero) return false;
        return await _joiners.WaitAsync("HubQueue.JoinAsync", timeout, cancellationToken);
    }

    /// <summary>Python's repr.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"<HubQueue maxsize={MaxSize} queue={_items.Count} getters={_getters.Count + _peekers.Count} putters={_putters.Count}>");

    private bool TryPutNow(T item)
    {
        if (IsFull) return false;
        _items.Enqueue(item);
        _unfinished++;
        PassOnItems();
        if (_peekers.Count > 0) _peekers.WakeAll(Hub.Current, true);
        return true;
    }

    private bool TryTakeNow(out T item)
    {
        if (!_items.TryDequeue(out item!)) return false;
        PassOnRoom();
        PassOnItems();
        return true;
    }

    // Wake a getter for an item that is there (woken getters take it when they run; a newcomer may take it first).
    private void PassOnItems()
    {
        if (_items.Count > 0 && _getters.Count > 0) _getters.WakeOne(Hub.Current);
    }

    private void PassOnRoom()
    {
        if (!IsFull && _putters.Count > 0) _putters.WakeOne(Hub.Current);
    }
}
