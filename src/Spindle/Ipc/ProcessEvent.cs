using Spindle.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// A flag that threads of several processes wait on. Python: <c>multiprocessing.Event</c>.
/// </summary>
/// <remarks>
/// Layout: the flag (the futex word) and the number of sleeping waiters, so <see cref="Set"/> makes no syscall when
/// nobody sleeps. Waiters spin briefly before sleeping: a set that follows within microseconds is seen without a
/// sleep/wake round trip. Lives in an anonymous shared mapping: nothing to leak. The sender must keep it undisposed
/// until the receiving process has started.
/// </remarks>
public sealed unsafe class ProcessEvent : IEvent, IShareable<ProcessEvent>, IDisposable
{
    private readonly Segment _segment;
    private readonly int* _flag;

    /// <summary>Creates a cleared event. Python: <c>multiprocessing.Event()</c>.</summary>
    public ProcessEvent() : this(Segment.CreateAnonymous(8, "event")) { }

    private ProcessEvent(Segment segment)
    {
        _segment = segment;
        _flag = segment.Int(0);
    }

    private int* Flag => _segment.IsClosed ? throw new ObjectDisposedException(nameof(ProcessEvent)) : _flag;

    private int* Sleepers => _flag + 1;

    /// <summary>Whether the flag is set. Python: <c>is_set()</c>.</summary>
    public bool IsSet => Volatile.Read(ref *Flag) != 0;

    /// <summary>Sets the flag and wakes every waiter of every process. Python: <c>set()</c>.</summary>
    public void Set()
    {
        int* flag = Flag;
        // Exchange is a full fence, and so is a waiter's increment of Sleepers before it re-reads the flag.
        if (Interlocked.Exchange(ref *flag, 1) == 0 && Volatile.Read(ref *Sleepers) > 0) FutexWait.WakeAll(flag);
    }

    /// <summary>Clears the flag. Python: <c>clear()</c>.</summary>
    public void Clear() => Volatile.Write(ref *Flag, 0);

    /// <summary>Waits until the flag is set or the timeout elapses. Python: <c>wait(timeout=None)</c>.</summary>
    /// <returns>The flag on return: false only when the timeout elapsed.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative timeout other than <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public bool Wait(TimeSpan? timeout = null)
    {
        if (timeout.HasValue) Deadline.Validate(timeout);
        if (IsSet) return true;
        return Wait(Deadline.Start(timeout), CancellationToken.None);
    }

    /// <summary>Awaitable twin of <see cref="Wait(TimeSpan?)"/> (an actual wait runs on a dedicated thread).</summary>
    public ValueTask<bool> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline.Start(timeout);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(cancellationToken);
        if (IsSet) return new ValueTask<bool>(true);
        if (timeout == TimeSpan.Zero) return new ValueTask<bool>(false);
        return FutexWait.RunAsync(ct => Wait(deadline, ct), _flag, cancellationToken);
    }

    /// <summary>Unmaps this process's view; other processes keep theirs.</summary>
    public void Dispose() => _segment.Dispose();

    /// <summary>Python's repr, e.g. <c>&lt;ProcessEvent set&gt;</c>.</summary>
    public override string ToString() => IsSet ? "<ProcessEvent set>" : "<ProcessEvent unset>";

    /// <summary>Describes the event for a child process (by reference). Python: the event's reducer.</summary>
    public ShareableHandle Export() => _segment.ToHandle();

    /// <summary>Rebuilds the event in the receiving process, bound to the same shared flag.</summary>
    public static ProcessEvent Import(ShareableHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return new ProcessEvent(Segment.Import(handle.State.Span));
    }

    private bool Wait(Deadline deadline, CancellationToken cancellationToken)
    {
        int* flag = Flag;
        if (!deadline.HasExpired && FutexWait.SpinWhile(flag, 0)) return true;
        Interlocked.Increment(ref *Sleepers);
        try
        {
            for (;;)
            {
                if (Volatile.Read(ref *flag) != 0) return true;
                if (!FutexWait.Sleep(flag, 0, deadline, cancellationToken, out _)) return Volatile.Read(ref *flag) != 0;
            }
        }
        finally
        {
            Interlocked.Decrement(ref *Sleepers);
            GC.KeepAlive(this);
        }
    }
}
