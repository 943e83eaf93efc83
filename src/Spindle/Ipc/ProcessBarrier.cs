using Spindle.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// A barrier for a fixed number of parties in any processes. Python: <c>multiprocessing.Barrier(parties, action=None, timeout=None)</c>.
/// </summary>
/// <remarks>
/// <para>Layout: a signal word (the futex word, bumped whenever a generation ends or the barrier breaks), the
/// generation, the arrivals, the broken flag, the parties, the last generation that passed, the generation whose
/// action is running (−1: none) and the process running it, and a small internal lock guarding them (a futex mutex;
/// a process killed inside its few instructions leaves it abandoned, which is then taken over silently since every
/// step leaves the fields consistent). A timeout, <see cref="Abort"/> or <see cref="Reset"/> breaks the waiting
/// generation: its waiters get <see cref="BrokenBarrierException"/>.</para>
/// <para>The action runs in the process of the last party to arrive, outside the internal lock, before anyone is
/// released; meanwhile the others wait for it whatever their timeout (as in Python, where it runs under the
/// barrier's lock), and a party arriving for the next round waits for it too. If the action throws, the barrier
/// breaks and that party gets the action's exception; if its process dies, the barrier breaks. The action travels to
/// child processes with the barrier, so it must be transferable (a static method, or a lambda whose captures cross).</para>
/// </remarks>
public sealed unsafe class ProcessBarrier : IBarrier, IShareable<ProcessBarrier>, IDisposable
{
    private const int Fields = 12;

    private readonly Segment _segment;
    private readonly int* _signal;
    private readonly Action? _action;
    private readonly TimeSpan? _defaultTimeout;

    /// <summary>
    /// Creates a barrier for <paramref name="parties"/> parties; <paramref name="action"/>, if given, runs once per
    /// round in the last party to arrive, before anyone is released. Python: <c>multiprocessing.Barrier(parties, action=None, timeout=None)</c>.
    /// </summary>
    /// <param name="parties">How many parties must arrive (at least 1).</param>
    /// <param name="action">Runs once per round; it travels to child processes with the barrier.</param>
    /// <param name="timeout">Default timeout of <see cref="Wait(TimeSpan?)"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parties"/> is less than 1, or the timeout is negative.</exception>
    public ProcessBarrier(int parties, Action? action = null, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parties, 1);
        Deadline.Validate(timeout);
        _segment = Segment.CreateAnonymous(Fields * 4 + OwnerWord.Size, "barrier");
        _signal = _segment.Int(0);
        *PartiesField = parties;
        *PassedGen = -1;
        *Tripping = -1;
        _action = action;
        _defaultTimeout = timeout;
    }

    private ProcessBarrier(Segment segment, Action? action, TimeSpan? timeout)
    {
        _segment = segment;
        _signal = segment.Int(0);
        _action = action;
        _defaultTimeout = timeout;
    }

    private int* Signal => _segment.IsClosed ? throw new ObjectDisposedException(nameof(ProcessBarrier)) : _signal;

    private int* Gen => _signal + 1;

    private int* Count => _signal + 2;

    private int* Broken => _signal + 3;

    private int* PartiesField => _signal + 4;

    private int* PassedGen => _signal + 5;

    private int* Tripping => _signal + 6;

    private int* RunnerPid => _signal + 7;

    private long* RunnerStamp => (long*)(_signal + 8);

    private int* Guard => _signal + Fields;

    /// <summary>How many parties must arrive. Python: <c>parties</c>.</summary>
    public int Parties => *PartiesField;

    /// <summary>How many parties are waiting now. Python: <c>n_waiting</c>.</summary>
    public int Waiting => Volatile.Read(ref *Broken) != 0 ? 0 : Volatile.Read(ref *Count);

    /// <summary>Whether the barrier is broken. Python: <c>broken</c>.</summary>
    public bool IsBroken => Volatile.Read(ref *Broken) != 0;

    /// <summary>Waits for all parties. Python: <c>wait(timeout=None)</c> (null uses the barrier's default timeout).</summary>
    /// <returns>The arrival index, 0 … Parties−1, different for each party.</returns>
    /// <exception cref="BrokenBarrierException">The barrier is or became broken (timeout, abort, reset, or a failing action in another party).</exception>
    /// <remarks>The last party to arrive runs the action; if it throws, the barrier breaks and that party gets the action's exception.</remarks>
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
        *Tripping = -1; // an action running now finds its round reset
        Bump();
        Unlock();
    }

    /// <summary>Unmaps this process's view; other processes keep theirs.</summary>
    public void Dispose() => _segment.Dispose();

    /// <summary>Python's repr, e.g. <c>&lt;ProcessBarrier(waiters=1/3)&gt;</c>.</summary>
    public override string ToString() => IsBroken ? "<ProcessBarrier(broken)>" : $"<ProcessBarrier(waiters={Waiting}/{Parties})>";

    /// <summary>Describes the barrier for a child process: the shared state by reference, the action by value.</summary>
    /// <exception cref="NotTransferableException">The action cannot be sent to another process.</exception>
    public ShareableHandle Export()
    {
        var action = _action is null ? [] : ValueCodec.Encode(_action);
        var extra = new byte[8 + action.Length];
        BitConverter.TryWriteBytes(extra, _defaultTimeout?.Ticks ?? -1);
        action.CopyTo(extra, 8);
        return _segment.ToHandle(extra);
    }

    /// <summary>Rebuilds the barrier (and its action) in the receiving process.</summary>
    public static ProcessBarrier Import(ShareableHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var state = handle.State.Span;
        long ticks = BitConverter.ToInt64(state[Segment.ExportSize..]);
        var action = state[(Segment.ExportSize + 8)..];
        return new ProcessBarrier(Segment.Import(state), action.IsEmpty ? null : ValueCodec.Decode<Action>(action), ticks < 0 ? null : TimeSpan.FromTicks(ticks));
    }

    private int Wait(Deadline deadline, CancellationToken cancellationToken)
    {
        int* signal = Signal;
        Lock();
        while (*Tripping >= 0)
        {
            // The last round's action is running: a party of the next round waits for it (Python drains first).
            int before = Volatile.Read(ref *signal);
            Unlock();
            FutexWait.Sleep(signal, before, Deadline.Infinite, cancellationToken, out bool stalled);
            Lock();
            if (stalled) BreakIfRunnerDied();
        }
        if (*Broken != 0)
        {
            Unlock();
            throw new BrokenBarrierException();
        }
        int gen = *Gen;
        int index = (*Count)++;
        if (*Count == *PartiesField)
        {
            if (_action is null)
            {
                Pass(gen);
                Unlock();
                return index;
            }
            *Tripping = gen;
            *RunnerPid = OwnerLiveness.Pid;
            *RunnerStamp = OwnerLiveness.Stamp;
            Unlock();
            return RunAction(gen, index);
        }
        int seen = Volatile.Read(ref *signal);
        Unlock();
        try
        {
            for (;;)
            {
                if (Volatile.Read(ref *Gen) != gen) return Outcome(gen, index);
                if (Volatile.Read(ref *Broken) != 0) throw new BrokenBarrierException();
                if (!FutexWait.Sleep(signal, seen, deadline, cancellationToken, out bool stalled))
                {
                    Lock();
                    bool passed = *Gen != gen;
                    bool acting = *Tripping == gen;
                    if (!passed && !acting) Break();
                    Unlock();
                    if (passed) return Outcome(gen, index);
                    if (!acting) throw new BrokenBarrierException("The barrier broke: a party's wait timed out.");
                    deadline = Deadline.Infinite; // the round is complete: its action decides, as in Python
                }
                else if (stalled && Volatile.Read(ref *Tripping) == gen)
                {
                    Lock();
                    BreakIfRunnerDied();
                    Unlock();
                }
                seen = Volatile.Read(ref *signal);
            }
        }
        catch (OperationCanceledException)
        {
            Lock();
            if (*Gen == gen && *Tripping != gen) Break();
            Unlock();
            throw;
        }
        finally
        {
            GC.KeepAlive(this);
        }
    }

    /// <summary>Runs the action of the round that just filled, then passes it (or breaks the barrier if the action threw).</summary>
    private int RunAction(int gen, int index)
    {
        try
        {
            _action!();
        }
        catch
        {
            Lock();
            if (*Tripping == gen)
            {
                *Tripping = -1;
                Break();
            }
            Unlock();
            throw;
        }
        Lock();
        bool intact = *Tripping == gen && *Broken == 0;
        if (*Tripping == gen) *Tripping = -1;
        if (intact) Pass(gen);
        else Bump();
        Unlock();
        return intact ? index : throw new BrokenBarrierException("The barrier was aborted or reset while its action ran.");
    }

    /// <summary>Called under the guard after a quiet slice: if the process running the action died, break the barrier.</summary>
    private void BreakIfRunnerDied()
    {
        if (*Tripping < 0 || !OwnerLiveness.IsDead(*RunnerPid, *RunnerStamp)) return;
        *Tripping = -1;
        Break();
    }

    private void Pass(int gen)
    {
        *Count = 0;
        *PassedGen = gen;
        *Gen = gen + 1;
        Bump();
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
