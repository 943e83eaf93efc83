using Spindle.Ipc;
using Spindle.Processes;

namespace Spindle.Pools;

/// <summary>A task sent to a worker and not yet answered.</summary>
/// <param name="Task">The task.</param>
/// <param name="Seq">Its sequence number (unique in the group, increasing in send order).</param>
/// <param name="SentAt">When it was sent (Stopwatch ticks): it cannot have started earlier.</param>
/// <param name="Short">Sent as predicted short.</param>
internal readonly record struct InFlight(RemoteTask Task, long Seq, long SentAt, bool Short);

/// <summary>
/// The pool's side of one worker process: the process, the channel and its buffers, the ledger, the tasks it holds in
/// the order it runs them, and the map functions it knows. Owned by the group's manager thread.
/// </summary>
internal sealed class WorkerSlot
{
    private readonly Connection _channel;
    private readonly SharedArray<byte> _ledgerMemory;
    private readonly HashSet<int> _functions = [];
    private readonly Queue<int> _functionOrder = new();

    public WorkerSlot(int id, SpindleProcess process, Connection channel, SharedArray<byte> ledgerMemory)
    {
        Id = id;
        Process = process;
        Pid = process.Pid ?? 0;
        _channel = channel;
        _ledgerMemory = ledgerMemory;
        Ledger = new WorkerLedger(ledgerMemory);
        Fd = channel.FileDescriptor;
    }

    public int Id { get; }

    public SpindleProcess Process { get; }

    public int Pid { get; }

    public int Fd { get; }

    public WorkerLedger Ledger { get; }

    /// <summary>What the worker sent and the pool has not parsed yet.</summary>
    public ByteBuffer In { get; } = new();

    /// <summary>What the pool sends next (a whole frame at a time), kept while the socket is full.</summary>
    public ByteBuffer Out { get; } = new(16 * 1024);

    /// <summary>The mark of the frame being filled in <see cref="Out"/> this dispatch round, or −1.</summary>
    public int FrameMark { get; set; } = -1;

    /// <summary>Tasks sent and not answered, in the order the worker runs them.</summary>
    public Queue<InFlight> Outstanding { get; } = new();

    /// <summary>How many of <see cref="Outstanding"/> were not sent as short.</summary>
    public int LongOutstanding { get; set; }

    /// <summary>Tasks sent to it in all (for max tasks per child).</summary>
    public int Dispatched { get; set; }

    /// <summary>Exit was sent: it finishes what it holds, then exits.</summary>
    public bool Retiring { get; set; }

    /// <summary>Its end of the channel closed: it has exited or is exiting.</summary>
    public bool Closed { get; set; }

    /// <summary>The pool killed it (a task overran its timeout, the pool was terminated or broke).</summary>
    public bool Killed { get; private set; }

    /// <summary>The task whose timeout killed it, or 0.</summary>
    public long TimedOutSeq { get; private set; }

    /// <summary>Whether the socket filled up and the manager waits for it to drain (EPOLLOUT armed).</summary>
    public bool WaitingToWrite { get; set; }

    /// <summary>Whether more tasks may be sent to it.</summary>
    public bool Accepting => !Retiring && !Closed && !Killed;

    /// <summary>Writes the Define record of <paramref name="function"/> unless the worker knows it, evicting as the worker does.</summary>
    public void Define(FunctionRef function, ByteBuffer output)
    {
        if (!_functions.Add(function.Id)) return;
        output.Write(Wire.Define);
        output.Write(function.Id);
        output.Write(function.Payload.Length);
        output.Write(function.Payload);
        _functionOrder.Enqueue(function.Id);
        if (_functionOrder.Count > FunctionRef.WorkerCapacity) _functions.Remove(_functionOrder.Dequeue());
    }

    /// <summary>Kills the worker (SIGKILL: it is running user code that may not stop otherwise).</summary>
    /// <param name="timedOutSeq">The task that overran its timeout, or 0.</param>
    public void Kill(long timedOutSeq = 0)
    {
        if (!Killed) TimedOutSeq = timedOutSeq;
        Killed = true;
        try
        {
            Process.Kill();
        }
        catch (InvalidOperationException)
        {
            // already closed: it has exited
        }
    }

    /// <summary>Releases the channel, the ledger and the process object, once the worker has exited and been read to the end.</summary>
    public void Release()
    {
        _channel.Dispose();
        _ledgerMemory.Dispose();
        Process.Dispose();
    }
}
