using System.Diagnostics;
using Spindle.Ipc;

namespace Spindle.Pools;

/// <summary>
/// A page shared by a pool and one worker, which makes the pool exact about a worker that dies. The worker writes,
/// without a system call, which task it runs and since when (per item of a chunk that has a timeout), and it writes each
/// result here before it starts the next task; it sends them in batches. When the worker dies, the pool finds here the
/// results it had not sent yet and the task that was running: that one fails, the ones not started run elsewhere.
/// </summary>
/// <remarks>
/// Layout: <c>[i64 running seq][i64 started, Stopwatch ticks][i32 pending bytes]</c>, then the pending result records
/// (as they appear in a frame body) from <see cref="HeaderBytes"/>. Stopwatch ticks are CLOCK_MONOTONIC on Linux,
/// the same clock in both processes.
/// </remarks>
internal sealed unsafe class WorkerLedger
{
    public const int HeaderBytes = 64;
    private const int DefaultArea = 256 * 1024;

    private readonly SharedArray<byte> _memory;
    private readonly byte* _base;

    public WorkerLedger(SharedArray<byte> memory)
    {
        _memory = memory;
        _base = memory.ElementPointer(0);
    }

    /// <summary>The shared memory of a new ledger (it travels to the worker in its start payload).</summary>
    public static SharedArray<byte> CreateMemory() => new(HeaderBytes + DefaultArea, lockEnabled: false);

    /// <summary>The sequence number of the task running now, or of the last one that ran.</summary>
    public long RunningSeq
    {
        get => Volatile.Read(ref *(long*)_base);
        set => Volatile.Write(ref *(long*)_base, value);
    }

    /// <summary>When the running task (or, with a timeout, the running item of a chunk) started.</summary>
    public long StartedAt
    {
        get => Volatile.Read(ref *(long*)(_base + 8));
        set => Volatile.Write(ref *(long*)(_base + 8), value);
    }

    /// <summary>Bytes of complete result records in <see cref="Area"/> not yet sent.</summary>
    public int PendingBytes
    {
        get => Volatile.Read(ref *(int*)(_base + 16));
        set => Volatile.Write(ref *(int*)(_base + 16), value);
    }

    /// <summary>Where result records wait to be sent.</summary>
    public Span<byte> Area => new(_base + HeaderBytes, _memory.Length - HeaderBytes);

    /// <summary>Marks the start of a task (or item): the time first, so the pool never reads a new task with an old start.</summary>
    public void Start(long seq)
    {
        StartedAt = Stopwatch.GetTimestamp();
        RunningSeq = seq;
    }
}
