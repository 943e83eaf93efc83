namespace Spindle.Ipc;

/// <summary>
/// The producing side of a <see cref="ProcessQueue{T}"/> in this process. An item goes straight into the ring when it
/// fits and nothing of this process is still waiting; otherwise it joins a packed backlog that a background thread
/// moves into the ring in order, waiting for room — Python's feeder thread, so that a put on an unbounded queue never
/// blocks. Items still in the backlog when the process exits normally (its target returned, or
/// <see cref="Environment.Exit"/>) are flushed before it goes, as Python's queue finalizer joins the feeder thread.
/// </summary>
internal sealed class QueueFeeder
{
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(1);
    private static readonly Lock s_liveGate = new();
    private static readonly HashSet<QueueFeeder> s_live = [];
    private static bool s_exitHooked;

    private readonly QueueEnd _end;
    private readonly object _gate = new();
    private readonly PendingFrames _pending = new();
    private int _unflushed; // items handed to the backlog and not yet in the ring
    private bool _running;
    private bool _closed;
    private volatile bool _joinCancelled;

    public QueueFeeder(QueueEnd end) => _end = end;

    /// <summary>Whether items of this process still wait for room in the ring.</summary>
    public bool HasBacklog => Volatile.Read(ref _unflushed) != 0;

    /// <summary>Sends an encoded item without blocking. The caller holds a lease on the end.</summary>
    public void Send(ReadOnlySpan<byte> body)
    {
        if (Volatile.Read(ref _unflushed) == 0 && TryWriteNow(body)) return;
        lock (_gate)
        {
            _pending.Add(body);
            Interlocked.Increment(ref _unflushed);
            if (_running)
            {
                Monitor.Pulse(_gate);
                return;
            }
            _running = true;
            Live(true);
            // The thread keeps the ring mapped while it runs, even if the queue is closed (or collected) meanwhile;
            // the caller's lease guarantees the mapping is there to retain.
            var lease = _end.Retain();
            new Thread(() => Run(lease)) { IsBackground = true, Name = "Spindle queue feeder" }.Start();
        }
    }

    /// <summary>No more items will come from this process: the thread ends once the backlog is in the ring. Python: <c>Queue.close()</c>.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Exit no longer waits for the backlog (it may be lost). Python: <c>Queue.cancel_join_thread()</c>.</summary>
    public void CancelJoin()
    {
        _joinCancelled = true;
        lock (_gate) Monitor.PulseAll(_gate);
    }

    /// <summary>Waits until the backlog is in the ring (and, once closed, the thread has ended); returns at once after <see cref="CancelJoin"/>. Python: <c>Queue.join_thread()</c>.</summary>
    public void Join()
    {
        lock (_gate)
        {
            while ((_running || _unflushed != 0) && !_joinCancelled) Monitor.Wait(_gate);
        }
    }

    private bool TryWriteNow(ReadOnlySpan<byte> body)
    {
        var ring = _end.Ring;
        if (!ring.TryEnterProducer()) return false;
        try
        {
            return ring.TryWrite(body);
        }
        finally
        {
            ring.ExitProducer();
        }
    }

    /// <summary>Enters or leaves the set of feeders that exit waits for; called under <c>_gate</c> with <c>_running</c>.</summary>
    private void Live(bool running)
    {
        lock (s_liveGate)
        {
            if (!running)
            {
                s_live.Remove(this);
                return;
            }
            s_live.Add(this);
            if (s_exitHooked) return;
            s_exitHooked = true;
            AppDomain.CurrentDomain.ProcessExit += static (_, _) => FlushAllAtExit();
        }
    }

    private void Run(QueueEnd.Lease lease)
    {
        using (lease)
        {
            while (NextChunk() is { } chunk)
            {
                Feed(chunk);
                chunk.Release();
            }
        }
    }

    /// <summary>The oldest chunk of the backlog; null when the thread should end (closed and drained, or idle a while).</summary>
    private PendingFrames.Chunk? NextChunk()
    {
        lock (_gate)
        {
            for (;;)
            {
                if (_pending.TakeChunk() is { } chunk) return chunk;
                if (_closed || !Monitor.Wait(_gate, Linger) && _pending.IsEmpty)
                {
                    _running = false;
                    Live(false);
                    Monitor.PulseAll(_gate);
                    return null;
                }
            }
        }
    }

    private void Feed(PendingFrames.Chunk chunk)
    {
        var ring = _end.Ring;
        while (chunk.HasItem)
        {
            // Bursts under one hold of the producer side, released now and then so other producers get a turn.
            ring.EnterProducer(Deadline.Infinite, CancellationToken.None);
            int written = 0;
            try
            {
                do
                {
                    ring.Write(chunk.Peek(), CancellationToken.None);
                    chunk.Skip();
                    written++;
                }
                while (chunk.HasItem && written < 1024);
            }
            finally
            {
                ring.ExitProducer();
            }
            if (Interlocked.Add(ref _unflushed, -written) == 0)
            {
                lock (_gate) Monitor.PulseAll(_gate);
            }
        }
    }

    private static void FlushAllAtExit()
    {
        QueueFeeder[] live;
        lock (s_liveGate) live = [.. s_live];
        foreach (var feeder in live)
        {
            if (!feeder._joinCancelled) feeder.WaitFlushed();
        }
    }

    private void WaitFlushed()
    {
        lock (_gate)
        {
            while (_unflushed != 0 && !_joinCancelled) Monitor.Wait(_gate);
        }
    }
}
