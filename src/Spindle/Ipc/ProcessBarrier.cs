using Spindle.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// A barrier for a fixed number of parties in any processes. Python: <c>multiprocessing.Barrier(parties, action=None, timeout=None)</c>,
/// without <c>action</c> (run the action in the party whose <see cref="Wait(TimeSpan?)"/> returned 0 instead).
/// </summary>
/// <remarks>
/// Layout: a signal word (the futex word, bumped whenever a generation ends or the barrier breaks), the generation,
/// the arrivals, the broken flag, the parties, the last generation that passed, and a small internal lock guarding
/// them (a futex mutex; a process killed inside its few instructions leaves it abandoned, which is then taken over
/// silently since every step leaves the fields consistent). A timeout, <see cref="Abort"/> or <see cref="Reset"/>
/// breaks the waiting generation: its waiters get <see cref="BrokenBarrierException"/>.
/// </remarks>
public sealed unsafe class ProcessBarrier : IBarrier, IShareable<ProcessBarrier>, IDisposable
{
    private const int Fields = 8;

    private readonly Segment _segment;
    private readonly int* _signal;
    private readonly TimeSpan? _defaultTimeout;

    /// <summary>Creates a barrier for <paramref name="parties"/> parties. Python: <c>multiprocessing.Barrier(parties, timeout=None)</c>.</summary>
    /// <param name="parties">How many parties must arrive (at least 1).</param>
    /// <param name="timeout">Default timeout of <see cref="Wait(TimeSpan?)"/>.</param>
    public ProcessBarrier(int parties, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parties, 1);
        Deadline.Validate(timeout);
        _segment = Segment.CreateAnonymous(Fields * 4 + OwnerWord.Size, "barrier");
        _signal = _segment.Int(0);
        *PartiesField = parties;
        *PassedGen = -1;
        _defaultTimeout = timeout;
    }

    private ProcessBarrier(Segment segment, TimeSpan? timeout)
    {
        _segment = segment;
        _signal = segment.Int(0);
        _defaultTimeout = timeout;
    }

    private int* Signal => _segment.IsClosed ? throw new ObjectDisposedException(nameof(ProcessBarrier)) : _signal;

    private int* Gen => _signal + 1;

    private int* Count => _signal + 2;

    private int* Broken => _signal + 3;

    private int* PartiesField => _signal + 4;

    private int* PassedGen => _signal + 5;

    private int* Guard => _signal + Fields;

    /// <summary>How many parties must arrive. Python: <c>parties</c>.</summary>
    public int Parties => *PartiesField;

    /// <summary>How many parties are waiting now. Python: <c>n_waiting</c>.</summary>
    public int Waiting => Volatile.Read(ref *Broken) != 0 ? 0 : Volatile.Read(ref *Count);

    /// <summary>Whether the barrier is broken. Python: <c>broken</c>.</summary>
    public bool IsBroken => Volatile.Read(ref *Broken) != 0;

    /// <summary>Waits for all parties. Python: <c>wait(timeout=None)</c> (null uses the barrier's default timeout).</summary>
    /// <returns>The arrival index, 0 … Parties−1, different for each party.</returns>
    /// <exception cref="BrokenBarrierException">The barrier is or became broken (timeout, abort or reset).</exception>
    public int Wait(TimeSpan? timeout = null) => Wait(Deadline.Start(timeout ?? _defaultTimeout), CancellationToken.None);

    /// <summary>Awaitable twin of <see cref="Wait(TimeSpan?)"/>; a cancelled wait breaks the barrier, as a timeout does.</summary>
    public ValueTask<int> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline.Start(timeout ?? _defaultTimeout);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<int>(cancellationToken);
        return FutexWait.RunAsync(ct => Wait(deadline, ct), _signal, cancellationToken);
    }

    /// <summary>Breaks the barrier: current and future waiters fail until <see cref="Reset"/>. Python: <c>abort()</c>.</summary>
    public void Abort()
    {
        Lock();
        Break();
        Unlock();
    }

    /// <summary>Returns the barrier to its initial state; current waiters fail. Python: <c>reset()</c>.</summary>
    public void Reset()
    {
        Lock();
        *Gen += 1; // the waiting generation ends without passing: its waiters see a broken barrier
        *Count = 0;
        *Broken = 0;
        Bump();
        Unlock();
    }

    /// <summary>Unmaps this process's view; other processes keep theirs.</summary>
    public void Dispose() => _segment.Dispose();

    /// <summary>Python's repr, e.g. <c>&lt;ProcessBarrier(waiters=1/3)&gt;</c>.</summary>
    public override string ToString() => IsBroken ? "<ProcessBarrier(broken)>" : $"<ProcessBarrier(waiters={Waiting}/{Parties})>";

    /// <summary>Describes the barrier for a child process (by reference).</summary>
    public ShareableHandle Export()
    {
        Span<byte> extra = stackalloc byte[8];
        BitConverter.TryWriteBytes(extra, _defaultTimeout?.Ticks ?? -1);
        return _segment.ToHandle(extra);
    }

    /// <summary>Rebuilds the barrier in the receiving process.</summary>
    public static ProcessBarrier Import(ShareableHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var state = handle.State.Span;
        long ticks = BitConverter.ToInt64(state[Segment.ExportSize..]);
        return new ProcessBarrier(Segment.Import(state), ticks < 0 ? null : TimeSpan.FromTicks(ticks));
    }

    private int Wait(Deadline deadline, CancellationToken cancellationToken)
    {
        int* signal = Signal;
        Lock();
        if (*Broken != 0)
        {
            Unlock();
            throw new BrokenBarrierException();
        }
        int gen = *Gen;
        int index = (*Count)++;
        if (*Count == *PartiesField)
        {
            *Count = 0;
            *PassedGen = gen;
            *Gen = gen + 1;
            Bump();
            Unlock();
            return index;
        }
        int seen = Volatile.Read(ref *signal);
        Unlock();
        try
        {
            for (;;)
            {
                if (Volatile.Read(ref *Gen) != gen) return Outcome(gen, index);
                if (Volatile.Read(ref *Broken) != 0) throw new BrokenBarrierException();
                if (!FutexWait.Sleep(signal, seen, deadline, cancellationToken, out _))
                {
                    Lock();
                    bool passed = *Gen != gen;
                    if (!passed) Break();
                    Unlock();
                    if (passed) return Outcome(gen, index);
                    throw new BrokenBarrierException("The barrier broke: a party's wait timed out.");
                }
                seen = Volatile.Read(ref *signal);
            }
        }
        catch (OperationCanceledException)
        {
            Lock();
            if (*Gen == gen) Break();
            Unlock();
            throw;
        }
        finally
        {
            GC.KeepAlive(this);
        }
    }

    private int Outcome(int gen, int index) =>
        Volatile.Read(ref *PassedGen) == gen ? index : throw new BrokenBarrierException("The barrier was reset while waiting.");

    private void Break()
    {
        *Broken = 1;
        *Count = 0;
        Bump();
    }

    private void Bump()
    {
        Interlocked.Increment(ref *_signal);
        FutexWait.WakeAll(_signal);
    }

    private void Lock()
    {
        int* guard = Guard;
        if (OwnerWord.TryAcquire(guard)) return;
        // Abandoned: every step under the guard leaves the fields consistent, so taking it over needs no repair.
        _ = OwnerWord.Acquire(guard, Deadline.Infinite, CancellationToken.None, out _);
    }

    private void Unlock() => OwnerWord.Release(Guard);
}
