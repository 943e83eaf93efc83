using Spindle.Serialization;

namespace Spindle.Managers;

/// <summary>
/// A proxy to a queue held by the manager (<see cref="Manager.Queue{T}"/>, <see cref="Manager.JoinableQueue{T}"/>):
/// blocking gets and puts wait on the server. Python: the proxy of <c>manager.Queue()</c> (a <c>queue.Queue</c>, so
/// it has <c>task_done</c> and <c>join</c> too).
/// </summary>
/// <typeparam name="T">The item type; items are encoded here and decoded by the getter, never by the server.</typeparam>
public sealed class QueueProxy<T> : ManagerProxy, IJoinableQueue<T>, IShareable<QueueProxy<T>>
{
    private static readonly Action<WireWriter, (TimeSpan? Timeout, T Item)> s_writePut = static (w, s) =>
    {
        w.Timeout(s.Timeout);
        ValueWire.Write(w, s.Item);
    };

    internal QueueProxy(ProxyCore core) : base(core) { }

    /// <summary>The capacity, 0 for unbounded. Python: <c>maxsize</c>.</summary>
    public int MaxSize => State().MaxSize;

    /// <summary>Approximate number of items. Python: <c>qsize()</c>.</summary>
    public int Count => State().Count;

    /// <summary>Approximately empty. Python: <c>empty()</c>.</summary>
    public bool IsEmpty => Count == 0;

    /// <summary>Approximately full. Python: <c>full()</c>.</summary>
    public bool IsFull => State() is var (count, max) && max > 0 && count >= max;

    /// <summary>Puts an item, waiting on the server for room up to <paramref name="timeout"/>. Python: <c>put(item, block=True, timeout=None)</c>.</summary>
    /// <exception cref="QueueFullException">No room before the timeout.</exception>
    /// <exception cref="NotTransferableException">The item cannot cross to another process.</exception>
    public void Put(T item, TimeSpan? timeout = null)
    {
        if (!TryPut(item, timeout)) throw new QueueFullException();
    }

    /// <summary>Puts without waiting. Python: <c>put_nowait(item)</c>.</summary>
    /// <exception cref="QueueFullException">The queue is full.</exception>
    public void PutNoWait(T item) => Put(item, TimeSpan.Zero);

    /// <summary>Puts if room appears within <paramref name="timeout"/> (zero: no wait).</summary>
    public bool TryPut(T item, TimeSpan timeout = default) => TryPut(item, (TimeSpan?)timeout);

    /// <summary>Awaitable twin of <see cref="Put"/>; cancellation stops the wait on the server.</summary>
    public async ValueTask PutAsync(T item, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Deadline.Validate(timeout);
        if (!await Core.CallAsync((byte)QueueMethod.Put, (timeout, item), s_writePut, static (ref WireReader r) => r.Bool(), cancellationToken).ConfigureAwait(false))
            throw new QueueFullException();
    }

    /// <summary>Removes and returns an item, waiting on the server up to <paramref name="timeout"/>. Python: <c>get(block=True, timeout=None)</c>.</summary>
    /// <exception cref="QueueEmptyException">Nothing arrived before the timeout.</exception>
    public T Get(TimeSpan? timeout = null) => TryGet(timeout, out var item) ? item : throw new QueueEmptyException();

    /// <summary>Gets without waiting. Python: <c>get_nowait()</c>.</summary>
    /// <exception cref="QueueEmptyException">The queue is empty.</exception>
    public T GetNoWait() => Get(TimeSpan.Zero);

    /// <summary>Gets if an item arrives within <paramref name="timeout"/> (zero: no wait).</summary>
    public bool TryGet(out T item, TimeSpan timeout = default) => TryGet(timeout, out item);

    /// <summary>Awaitable twin of <see cref="Get"/>; cancellation stops the wait on the server (no item is lost).</summary>
    public async ValueTask<T> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Deadline.Validate(timeout);
        var (got, item) = await Core.CallAsync((byte)QueueMethod.Get, timeout, static (w, t) => w.Timeout(t), static (ref WireReader r) => ValueWire.ReadFound<T>(ref r), cancellationToken).ConfigureAwait(false);
        return got ? item : throw new QueueEmptyException();
    }

    /// <summary>Marks one fetched item done. Python: <c>task_done()</c>.</summary>
    /// <exception cref="InvalidOperationException">Called more times than items were put.</exception>
    public void TaskDone() => Core.Call((byte)QueueMethod.TaskDone);

    /// <summary>Waits on the server until every item put has been marked done. Python: <c>join()</c>.</summary>
    /// <returns>false if the timeout elapsed first.</returns>
    public bool Join(TimeSpan? timeout = null) =>
        Core.Call((byte)QueueMethod.Join, timeout, static (w, t) => w.Timeout(t), static (ref WireReader r) => r.Bool());

    /// <summary>Awaitable twin of <see cref="Join"/>.</summary>
    public ValueTask<bool> JoinAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Deadline.Validate(timeout);
        return new(Core.CallAsync((byte)QueueMethod.Join, timeout, static (w, t) => w.Timeout(t), static (ref WireReader r) => r.Bool(), cancellationToken));
    }

    /// <summary>Rebuilds a proxy in the receiving process (it borrows the queue).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "IShareable<TSelf> requires a static Import on the type itself.")]
    public static QueueProxy<T> Import(ShareableHandle handle) => new(ProxyCore.Import(handle, BuiltinTypes.Queue, BuiltinTypes.JoinableQueue));

    /// <inheritdoc />
    public override string ToString() => $"<QueueProxy typeid='{Core.TypeId}' at {Core.Address}>";

    private bool TryPut(T item, TimeSpan? timeout) =>
        Core.Call((byte)QueueMethod.Put, (timeout, item), s_writePut, static (ref WireReader r) => r.Bool());

    private bool TryGet(TimeSpan? timeout, out T item)
    {
        bool got;
        (got, item) = Core.Call((byte)QueueMethod.Get, timeout, static (w, t) => w.Timeout(t), static (ref WireReader r) => ValueWire.ReadFound<T>(ref r));
        return got;
    }

    private (int Count, int MaxSize) State() =>
        Core.Call((byte)QueueMethod.State, static (ref WireReader r) => (r.Int32(), r.Int32()));
}
