using System.Runtime.InteropServices;
using Spindle.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// One process's end of a process queue (<see cref="ProcessQueue{T}"/>, <see cref="ProcessJoinableQueue{T}"/>,
/// <see cref="ProcessSimpleQueue{T}"/>): its view of the shared <see cref="MessageRing"/>, kept mapped while any call
/// (or the feeder thread) uses it, and the close that wakes every wait of this process with
/// <see cref="QueueShutDownException"/>.
/// </summary>
internal sealed class QueueEnd : IDisposable
{
    private readonly Mapping _mapping;
    private readonly CancellationTokenSource _closing = new();
    private readonly string _typeName;
    private int _closed;

    public QueueEnd(MessageRing ring, string typeName)
    {
        Ring = ring;
        _typeName = typeName;
        _mapping = new Mapping(ring.Segment);
    }

    public MessageRing Ring { get; }

    /// <summary>Cancelled by <see cref="Close"/>: the token every blocking call of this process waits with.</summary>
    public CancellationToken Closing => _closing.Token;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Keeps the ring mapped for one call.</summary>
    /// <exception cref="QueueShutDownException">This process closed its end.</exception>
    public Lease Use()
    {
        var lease = Retain();
        if (!IsClosed) return lease;
        lease.Dispose();
        throw Closed();
    }

    /// <summary>Keeps the ring mapped, closed or not: for work that must finish after a close (the feeder's flush).</summary>
    /// <exception cref="QueueShutDownException">The mapping is gone: closed, and no call uses it any more.</exception>
    public Lease Retain()
    {
        var added = false;
        try
        {
            _mapping.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            throw Closed();
        }
        return new Lease(_mapping);
    }

    /// <summary>Closes this process's end: blocked calls wake with <see cref="QueueShutDownException"/>; the mapping goes with the last user.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        _closing.Cancel();
        Ring.WakeAll();
        _mapping.Dispose();
    }

    /// <summary>Same as <see cref="Close"/>. The token source stays undisposed: async waits may still hold its token.</summary>
    public void Dispose() => Close();

    public QueueShutDownException Closed() =>
        new($"{_typeName} is closed: Close() or Dispose() was called on it in this process (Python: ValueError: Queue is closed).");

    /// <summary>Describes the shared ring for another process (by reference).</summary>
    /// <exception cref="QueueShutDownException">This process closed its end.</exception>
    public ShareableHandle Export()
    {
        using var lease = Use();
        return Ring.Segment.ToHandle();
    }

    /// <summary>Maps the ring another process exported; it must hold a queue of <paramref name="kind"/>.</summary>
    public static MessageRing Import(ShareableHandle handle, int kind, string typeName)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return MessageRing.Open(Segment.Import(handle.State.Span), kind, typeName);
    }

    /// <summary>
    /// Takes the next item's bytes, waiting until <paramref name="deadline"/>; false on timeout. With
    /// <paramref name="wholeOnly"/>, only an item that has fully arrived is taken (see <see cref="MessageRing.TryRead"/>).
    /// The caller holds a lease.
    /// </summary>
    public bool Receive(Deadline deadline, CancellationToken cancellationToken, out byte[] buffer, out int length, bool wholeOnly = false)
    {
        var ring = Ring;
        buffer = [];
        length = 0;
        if (!ring.EnterConsumer(deadline, cancellationToken)) return false;
        bool got;
        try
        {
            got = ring.TryRead(deadline, cancellationToken, out buffer, out length, wholeOnly);
        }
        finally
        {
            ring.ExitConsumer();
        }
        if (got) ring.Taken();
        return got;
    }

    /// <summary>Decodes an item received by <see cref="Receive"/> and gives its buffer back to the pool.</summary>
    public static T Decode<T>(byte[] buffer, int length)
    {
        try
        {
            return ValueCodec.Decode<T>(buffer.AsSpan(0, length));
        }
        finally
        {
            FrameBuffers.Return(buffer);
        }
    }

    /// <summary>
    /// Runs a blocking core on a dedicated thread for an async twin, with a token cancelled by either the caller or
    /// <see cref="Close"/>; either wakes every sleeper of the ring so that the core notices at once.
    /// </summary>
    public async ValueTask<TResult> RunAsync<TResult>(Func<CancellationToken, TResult> blocking, CancellationToken cancellationToken)
    {
        using var lease = Use();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        try
        {
            return await FutexWait.RunAsync(blocking, Ring.WakeAll, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && IsClosed)
        {
            throw Closed();
        }
    }

    /// <summary>A reference on the mapping held for the length of one call.</summary>
    internal readonly struct Lease(SafeHandle mapping) : IDisposable
    {
        public void Dispose() => mapping.DangerousRelease();
    }

    /// <summary>Unmaps the segment when this end is closed and the last call using it has returned.</summary>
    private sealed class Mapping : SafeHandle
    {
        private readonly Segment _segment;

        public Mapping(Segment segment) : base(0, ownsHandle: true)
        {
            _segment = segment;
            SetHandle(1);
        }

        public override bool IsInvalid => false;

        protected override bool ReleaseHandle()
        {
            _segment.Dispose();
            return true;
        }
    }
}
