using Spindle.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// The plainest process queue: unbounded, no counts, no background thread — <see cref="Put"/> writes the item into
/// the shared ring itself and waits there while the ring is full. Python: <c>multiprocessing.SimpleQueue()</c>.
/// </summary>
/// <remarks>
/// Same ring as <see cref="ProcessQueue{T}"/> (anonymous shared memory, spin-then-futex hand-offs, items of any size
/// streamed through, a process killed inside a put or get taken over by the next). It travels to a child by
/// reference; the sending process must keep it open until the receiver has started.
/// </remarks>
/// <typeparam name="T">The item type; items must be transferable.</typeparam>
public sealed class ProcessSimpleQueue<T> : IShareable<ProcessSimpleQueue<T>>, IDisposable
{
    private const int SimpleKind = 0x5150_0003;

    private readonly QueueEnd _end;

    /// <summary>Creates the queue. Python: <c>multiprocessing.SimpleQueue()</c>.</summary>
    public ProcessSimpleQueue() : this(MessageRing.Create(SimpleKind, MessageRing.DefaultCapacity, int.MaxValue, "squeue")) { }

    /// <summary>A queue with a ring of <paramref name="ringCapacity"/> bytes (tests use small rings to reach the slow paths).</summary>
    internal ProcessSimpleQueue(int ringCapacity) : this(MessageRing.Create(SimpleKind, ringCapacity, int.MaxValue, "squeue")) { }

    private ProcessSimpleQueue(MessageRing ring) => _end = new QueueEnd(ring, "ProcessSimpleQueue");

    /// <summary>The shared ring (tests look inside).</summary>
    internal MessageRing SharedRing => _end.Ring;

    /// <summary>Whether nothing is waiting in the queue. Python: <c>SimpleQueue.empty()</c>.</summary>
    /// <exception cref="QueueShutDownException">The queue was closed in this process.</exception>
    public bool IsEmpty
    {
        get
        {
            using var lease = _end.Use();
            return _end.Ring.IsEmpty;
        }
    }

    /// <summary>Puts an item, waiting while the queue's memory is full. Python: <c>SimpleQueue.put(obj)</c>.</summary>
    /// <exception cref="NotTransferableException">The item cannot be sent to another process; nothing was put.</exception>
    /// <exception cref="QueueShutDownException">The queue was closed in this process, before or during the wait.</exception>
    public void Put(T item)
    {
        try
        {
            using var lease = _end.Use();
            using var payload = ValueCodec.EncodeRented(item);
            Write(payload.Bytes, _end.Closing);
        }
        catch (OperationCanceledException) when (_end.IsClosed)
        {
            throw _end.Closed();
        }
    }

    /// <summary>
    /// Awaitable twin of <see cref="Put"/>: encoded at once (a refusal throws here); a wait for room runs on a
    /// dedicated thread. Cancelled while the item was partly written, the item is dropped (readers never see half of it).
    /// </summary>
    public ValueTask PutAsync(T item, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        byte[] bytes;
        using (var lease = _end.Use())
        {
            using var payload = ValueCodec.EncodeRented(item);
            var ring = _end.Ring;
            if (ring.TryEnterProducer())
            {
                try
                {
                    if (ring.TryWrite(payload.Bytes)) return ValueTask.CompletedTask;
                }
                finally
                {
                    ring.ExitProducer();
                }
            }
            bytes = payload.Bytes.ToArray();
        }
        return new ValueTask(_end.RunAsync(ct =>
        {
            Write(bytes, ct);
            return true;
        }, cancellationToken).AsTask());
    }

    /// <summary>Removes and returns the next item, waiting for one. Python: <c>SimpleQueue.get()</c>.</summary>
    /// <exception cref="QueueShutDownException">The queue was closed in this process, before or during the wait.</exception>
    /// <exception cref="SerializationFormatException">The item could not be decoded in this process (it is consumed).</exception>
    public T Get()
    {
        try
        {
            using var lease = _end.Use();
            _end.Receive(Deadline.Infinite, _end.Closing, out var buffer, out var length);
            return QueueEnd.Decode<T>(buffer, length);
        }
        catch (OperationCanceledException) when (_end.IsClosed)
        {
            throw _end.Closed();
        }
    }

    /// <summary>Awaitable twin of <see cref="Get"/>; an actual wait runs on a dedicated thread.</summary>
    /// <exception cref="OperationCanceledException">Cancelled while waiting.</exception>
    public ValueTask<T> GetAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<T>(cancellationToken);
        using (var lease = _end.Use())
        {
            if (_end.Receive(Deadline.Start(TimeSpan.Zero), CancellationToken.None, out var buffer, out var length, wholeOnly: true))
                return new ValueTask<T>(QueueEnd.Decode<T>(buffer, length));
        }
        return _end.RunAsync(ct =>
        {
            _end.Receive(Deadline.Infinite, ct, out var buffer, out var length);
            return QueueEnd.Decode<T>(buffer, length);
        }, cancellationToken);
    }

    /// <summary>Ends this process's use of the queue; blocked calls wake with <see cref="QueueShutDownException"/>. Python: <c>SimpleQueue.close()</c>.</summary>
    public void Close() => _end.Close();

    /// <summary>Same as <see cref="Close"/>.</summary>
    public void Dispose() => Close();

    /// <summary>Python's repr in Spindle's style: <c>&lt;ProcessSimpleQueue&gt;</c>.</summary>
    public override string ToString() => _end.IsClosed ? "<ProcessSimpleQueue closed>" : "<ProcessSimpleQueue>";

    /// <summary>Describes the queue for a child process (by reference).</summary>
    /// <exception cref="QueueShutDownException">The queue was closed in this process.</exception>
    public ShareableHandle Export() => _end.Export();

    /// <summary>Rebuilds the queue in the receiving process, bound to the same shared ring.</summary>
#pragma warning disable CA1000 // IShareable<TSelf> asks for a static factory on the type itself.
    public static ProcessSimpleQueue<T> Import(ShareableHandle handle) =>
        new ProcessSimpleQueue<T>(QueueEnd.Import(handle, SimpleKind, "ProcessSimpleQueue"));
#pragma warning restore CA1000

    private void Write(ReadOnlySpan<byte> bytes, CancellationToken cancellationToken)
    {
        var ring = _end.Ring;
        ring.EnterProducer(Deadline.Infinite, cancellationToken);
        try
        {
            ring.Write(bytes, cancellationToken);
        }
        finally
        {
            ring.ExitProducer();
        }
    }
}
