using System.Globalization;
using Spindle.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// A first-in, first-out queue shared by processes: many producers and many consumers, in any processes it is passed
/// to. Python: <c>multiprocessing.Queue(maxsize=0)</c>. Items cross by value (<see cref="ValueCodec"/>); the queue
/// itself travels to a child by reference (a target's argument or capture).
/// </summary>
/// <remarks>
/// <para>Underneath: a 4 MiB ring of length-prefixed frames in an anonymous shared mapping (nothing in /dev/shm,
/// nothing to leak, freed with the queue's last user), written and read with plain memory copies; a side that finds nothing to do spins briefly, then sleeps on a
/// futex that the other side wakes only when it knows someone sleeps. An item larger than the ring is streamed
/// through it.</para>
/// <para>As in Python, <see cref="Put"/> waits only for a free slot of a bounded queue, never for the consumers: an
/// item that finds no room in the ring waits in this process (packed: a million small items take about a dozen
/// megabytes) and a background thread — Python's feeder thread — moves it in later, in order. Items of a process
/// are delivered in the order it put them. When the process exits normally (its target returns, or
/// <see cref="Environment.Exit"/>), it first waits until its waiting items are in the ring, unless
/// <see cref="CancelJoinThread"/> was called; so, as Python warns, a parent that joins a child before taking
/// everything the child put may wait for ever.</para>
/// <para>Beyond Python: a consumer process killed inside a get (or a producer killed inside a put) does not block the
/// others: the next one takes its side over; the item that process was moving is lost. An item that cannot be
/// encoded is refused by <see cref="Put"/> itself (<see cref="NotTransferableException"/>), and nothing is enqueued
/// (Python's feeder thread only prints the pickling error).</para>
/// <para>The sending process must keep the queue open until the receiving process has started (the receiver maps
/// the memory through the sender). <see cref="Close"/> ends only this process's use.</para>
/// </remarks>
/// <typeparam name="T">The item type; items must be transferable.</typeparam>
public class ProcessQueue<T> : IQueue<T>, IShareable<ProcessQueue<T>>, IDisposable
{
    private protected const int PlainKind = 0x5150_0001;
    private protected const int JoinableKind = 0x5150_0002;

    private readonly bool _joinable;

    /// <summary>Creates the queue. Python: <c>multiprocessing.Queue(maxsize=0)</c>.</summary>
    /// <param name="maxSize">The capacity in items; 0 or less means unbounded, as in Python.</param>
    public ProcessQueue(int maxSize = 0) : this(PlainKind, maxSize, MessageRing.DefaultCapacity) { }

    /// <summary>A queue with a ring of <paramref name="ringCapacity"/> bytes (tests use small rings to reach the slow paths).</summary>
    internal ProcessQueue(int maxSize, int ringCapacity) : this(PlainKind, maxSize, ringCapacity) { }

    private protected ProcessQueue(int kind, int maxSize, int ringCapacity)
        : this(MessageRing.Create(kind, ringCapacity, maxSize <= 0 ? int.MaxValue : maxSize, kind == JoinableKind ? "jqueue" : "queue"))
    {
    }

    private protected ProcessQueue(MessageRing ring)
    {
        _joinable = ring.Kind == JoinableKind;
        MaxSize = ring.MaxSize == int.MaxValue ? 0 : ring.MaxSize;
        End = new QueueEnd(ring, GetType().Name.Split('`')[0]);
        Feeder = new QueueFeeder(End);
    }

    private protected QueueEnd End { get; }

    /// <summary>The shared ring (tests look inside).</summary>
    internal MessageRing SharedRing => End.Ring;

    private QueueFeeder Feeder { get; }

    /// <summary>The capacity, 0 for unbounded. Python: the <c>maxsize</c> given to <c>Queue(maxsize)</c>.</summary>
    public int MaxSize { get; }

    /// <summary>
    /// Approximate number of items: put (in any process, including items still waiting in a producer) and not yet
    /// taken. Python: <c>Queue.qsize()</c> (which macOS lacks; this one always works).
    /// </summary>
    /// <exception cref="QueueShutDownException">The queue was closed in this process.</exception>
    public int Count
    {
        get
        {
            using var lease = End.Use();
            return End.Ring.Count;
        }
    }

    /// <summary>Approximately empty: nothing is waiting in the shared ring and nothing of this process is waiting to enter it. Python: <c>Queue.empty()</c>.</summary>
    /// <exception cref="QueueShutDownException">The queue was closed in this process.</exception>
    public bool IsEmpty
    {
        get
        {
            using var lease = End.Use();
            return End.Ring.IsEmpty && !Feeder.HasBacklog;
        }
    }

    /// <summary>Approximately full: a bounded queue holds <see cref="MaxSize"/> items (never for an unbounded one). Python: <c>Queue.full()</c>.</summary>
    /// <exception cref="QueueShutDownException">The queue was closed in this process.</exception>
    public bool IsFull
    {
        get
        {
            using var lease = End.Use();
            var ring = End.Ring;
            return ring.MaxSize != int.MaxValue && ring.Count >= ring.MaxSize;
        }
    }

    /// <summary>
    /// Puts an item, waiting up to <paramref name="timeout"/> (null: forever) for a free slot of a bounded queue; an
    /// unbounded queue never waits. Python: <c>Queue.put(obj, block=True, timeout=None)</c>.
    /// </summary>
    /// <exception cref="NotTransferableException">The item cannot be sent to another process; nothing was put.</exception>
    /// <exception cref="QueueFullException">No slot was free before the timeout.</exception>
    /// <exception cref="QueueShutDownException">The queue was closed in this process.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than infinite).</exception>
    public void Put(T item, TimeSpan? timeout = null)
    {
        if (!TryPutCore(item, Deadline.Start(timeout))) throw Full();
    }

    /// <summary>Puts without waiting for a slot. Python: <c>Queue.put_nowait(obj)</c>.</summary>
    /// <exception cref="QueueFullException">A bounded queue is full.</exception>
    /// <exception cref="NotTransferableException">The item cannot be sent to another process; nothing was put.</exception>
    /// <exception cref="QueueShutDownException">The queue was closed in this process.</exception>
    public void PutNoWait(T item)
    {
        if (!TryPutCore(item, Deadline.Start(TimeSpan.Zero))) throw Full();
    }

    /// <summary>Puts if a slot frees up within <paramref name="timeout"/> (zero: no wait); Python's <c>put</c> with <c>queue.Full</c> caught.</summary>
    /// <returns>false if a bounded queue stayed full.</returns>
    /// <exception cref="NotTransferableException">The item cannot be sent to another process; nothing was put.</exception>
    /// <exception cref="QueueShutDownException">The queue was closed in this process.</exception>
    public bool TryPut(T item, TimeSpan timeout = default) => TryPutCore(item, Deadline.Start(timeout));

    /// <summary>
    /// Awaitable twin of <see cref="Put"/> (Python has none): the item is encoded at once (a refusal throws here);
    /// a wait for a slot runs on a dedicated thread. Cancelled, the item was not put.
    /// </summary>
    /// <exception cref="NotTransferableException">The item cannot be sent to another process; nothing was put.</exception>
    /// <exception cref="QueueFullException">No slot was free before the timeout.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the item was put.</exception>
    public ValueTask PutAsync(T item, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline.Start(timeout);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        byte[] bytes;
        using (var lease = End.Use())
        {
            using var payload = ValueCodec.EncodeRented(item);
            if (End.Ring.TryReserveSlot())
            {
                Enqueue(payload.Bytes);
                return ValueTask.CompletedTask;
            }
            if (timeout == TimeSpan.Zero) return ValueTask.FromException(Full());
            bytes = payload.Bytes.ToArray();
        }
        return PutSlowAsync(bytes, deadline, cancellationToken);
    }

    /// <summary>
    /// Removes and returns the next item, waiting up to <paramref name="timeout"/> (null: forever).
    /// Python: <c>Queue.get(block=True, timeout=None)</c>.
    /// </summary>
    /// <exception cref="QueueEmptyException">Nothing arrived before the timeout.</exception>
    /// <exception cref="SerializationFormatException">The item could not be decoded in this process (it is consumed).</exception>
    /// <exception cref="QueueShutDownException">The queue was closed in this process, before or during the wait.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than infinite).</exception>
    public T Get(TimeSpan? timeout = null) =>
        TryGetCore(Deadline.Start(timeout), out var item) ? item : throw new QueueEmptyException();

    /// <summary>Gets without waiting. Python: <c>Queue.get_nowait()</c>.</summary>
    /// <exception cref="QueueEmptyException">Nothing is waiting (or another consumer is taking it).</exception>
    /// <exception cref="QueueShutDownException">The queue was closed in this process.</exception>
    public T GetNoWait() => Get(TimeSpan.Zero);

    /// <summary>Gets if an item arrives within <paramref name="timeout"/> (zero: no wait); Python's <c>get</c> with <c>queue.Empty</c> caught.</summary>
    /// <returns>false if nothing arrived (<paramref name="item"/> is then default).</returns>
    /// <exception cref="QueueShutDownException">The queue was closed in this process.</exception>
    public bool TryGet(out T item, TimeSpan timeout = default) => TryGetCore(Deadline.Start(timeout), out item);

    /// <summary>
    /// Awaitable twin of <see cref="Get"/> (Python has none); an actual wait runs on a dedicated thread. Cancelled
    /// before an item began to arrive, nothing was taken.
    /// </summary>
    /// <exception cref="QueueEmptyException">Nothing arrived before the timeout.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while waiting.</exception>
    public ValueTask<T> GetAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline.Start(timeout);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<T>(cancellationToken);
        if (TryGetCore(Deadline.Start(TimeSpan.Zero), out var item, wholeOnly: true)) return new ValueTask<T>(item);
        if (timeout == TimeSpan.Zero) return ValueTask.FromException<T>(new QueueEmptyException());
        return End.RunAsync(ct => Receive(deadline, ct, out var got) ? got : throw new QueueEmptyException(), cancellationToken);
    }

    /// <summary>
    /// Ends this process's use of the queue: puts and gets here fail from now on (calls blocked in them wake with
    /// <see cref="QueueShutDownException"/>), while the items this process still has waiting keep flowing into the
    /// queue in the background. Other processes are not affected. Calling it again does nothing. Python: <c>Queue.close()</c>.
    /// </summary>
    public void Close()
    {
        Feeder.Close();
        End.Close();
    }

    /// <summary>Same as <see cref="Close"/>.</summary>
    public void Dispose()
    {
        Close();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Waits until every item this process put is in the shared queue and its background thread has ended (right away
    /// after <see cref="CancelJoinThread"/>). Python: <c>Queue.join_thread()</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The queue is not closed in this process (Python: <c>AssertionError</c>).</exception>
    public void JoinThread()
    {
        if (!End.IsClosed) throw new InvalidOperationException($"{this} not closed: call Close() before JoinThread() (Python: AssertionError).");
        Feeder.Join();
    }

    /// <summary>
    /// Lets this process exit without waiting for its items still waiting to enter the queue (they may be lost).
    /// Python: <c>Queue.cancel_join_thread()</c>.
    /// </summary>
    public void CancelJoinThread() => Feeder.CancelJoin();

    /// <summary>Python's repr in Spindle's style, e.g. <c>&lt;ProcessQueue(maxsize=0, qsize=3)&gt;</c>.</summary>
    public override string ToString()
    {
        var name = GetType().Name.Split('`')[0];
        return End.IsClosed
            ? $"<{name} closed>"
            : string.Create(CultureInfo.InvariantCulture, $"<{name}(maxsize={MaxSize}, qsize={Count})>");
    }

    /// <summary>Describes the queue for a child process (by reference). Python: the queue's <c>__getstate__</c>.</summary>
    /// <exception cref="QueueShutDownException">The queue was closed in this process.</exception>
    public ShareableHandle Export() => End.Export();

    /// <summary>Rebuilds the queue in the receiving process, bound to the same shared ring.</summary>
#pragma warning disable CA1000 // IShareable<TSelf> asks for a static factory on the type itself.
    public static ProcessQueue<T> Import(ShareableHandle handle) =>
        new ProcessQueue<T>(QueueEnd.Import(handle, PlainKind, "ProcessQueue"));
#pragma warning restore CA1000

    private bool TryPutCore(T item, Deadline deadline)
    {
        using var lease = End.Use();
        using var payload = ValueCodec.EncodeRented(item);
        try
        {
            if (!End.Ring.ReserveSlot(deadline, End.Closing)) return false;
        }
        catch (OperationCanceledException) when (End.IsClosed)
        {
            throw End.Closed();
        }
        Enqueue(payload.Bytes);
        return true;
    }

    private async ValueTask PutSlowAsync(byte[] bytes, Deadline deadline, CancellationToken cancellationToken)
    {
        var put = await End.RunAsync(ct =>
        {
            if (!End.Ring.ReserveSlot(deadline, ct)) return false;
            Enqueue(bytes);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (!put) throw Full();
    }

    /// <summary>A slot is reserved: count the task (joinable queues) before the item can be seen, then send it.</summary>
    private void Enqueue(ReadOnlySpan<byte> bytes)
    {
        if (_joinable) End.Ring.AddUnfinished();
        Feeder.Send(bytes);
    }

    private bool TryGetCore(Deadline deadline, out T item, bool wholeOnly = false)
    {
        try
        {
            using var lease = End.Use();
            return Receive(deadline, End.Closing, out item, wholeOnly);
        }
        catch (OperationCanceledException) when (End.IsClosed)
        {
            throw End.Closed();
        }
    }

    private bool Receive(Deadline deadline, CancellationToken cancellationToken, out T item, bool wholeOnly = false)
    {
        if (!End.Receive(deadline, cancellationToken, out var buffer, out var length, wholeOnly))
        {
            item = default!;
            return false;
        }
        item = QueueEnd.Decode<T>(buffer, length);
        return true;
    }

    private QueueFullException Full() => new($"The queue is full (max size {MaxSize}).");
}
