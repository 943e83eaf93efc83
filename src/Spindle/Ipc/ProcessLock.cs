using Spindle.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// A non-reentrant lock shared between processes; any thread of any process may release it, as in Python.
/// Python: <c>multiprocessing.Lock</c>. Pass it to a child (<c>SpindleProcess.Create(f, theLock)</c> or as a capture)
/// and both processes use the same lock.
/// </summary>
/// <remarks>
/// <para>Lives in an anonymous shared mapping (a memfd): nothing appears in /dev/shm and nothing can leak, even if
/// every process using it is killed. Uncontended acquire + release is two atomic instructions; a waiter spins briefly,
/// then sleeps on a futex.</para>
/// <para>Beyond Python: if the process holding the lock dies, the next acquirer takes it over and gets an
/// <see cref="AbandonedLockException"/> — holding the lock.</para>
/// <para>The sending process must keep the lock undisposed until the receiver has started (the receiver opens the
/// memory through the sender). <see cref="Dispose"/> unmaps this process's view only.</para>
/// </remarks>
public sealed unsafe class ProcessLock : ILock, IProcessOwnedLock, IShareable<ProcessLock>, IDisposable
{
    private readonly Segment _segment;
    private readonly int* _word;

    /// <summary>Creates an unlocked lock. Python: <c>multiprocessing.Lock()</c>.</summary>
    public ProcessLock() : this(Segment.CreateAnonymous(OwnerWord.Size, "lock")) { }

    private ProcessLock(Segment segment)
    {
        _segment = segment;
        _word = segment.Int(0);
    }

    /// <summary>Whether some thread of some process holds the lock. Python: the <c>locked</c> state in <c>repr</c>.</summary>
    public bool IsLocked => Volatile.Read(ref *Word) != 0;

    /// <summary>Pid of the process holding the lock, or null when free.</summary>
    public int? OwnerPid => Volatile.Read(ref *Word) is var w && w != 0 ? OwnerWord.OwnerOf(w) : null;

    private int* Word => _segment.IsClosed ? throw new ObjectDisposedException(nameof(ProcessLock)) : _word;

    /// <summary>
    /// Acquires, waiting at most <paramref name="timeout"/> (null: forever; zero: no wait). Python: <c>acquire(block=True, timeout=None)</c>.
    /// </summary>
    /// <returns>true if acquired, false if the timeout elapsed.</returns>
    /// <exception cref="AbandonedLockException">The owner died holding the lock; the caller now holds it.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative timeout other than <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public bool Acquire(TimeSpan? timeout = null)
    {
        if (timeout.HasValue) Deadline.Validate(timeout);
        if (OwnerWord.TryAcquire(Word)) return true;
        return Acquire(Deadline.Start(timeout), CancellationToken.None);
    }

    /// <summary>Awaitable twin of <see cref="Acquire(TimeSpan?)"/> (a contended wait runs on a dedicated thread).</summary>
    /// <exception cref="AbandonedLockException">The owner died holding the lock; the caller now holds it.</exception>
    public ValueTask<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline.Start(timeout);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(cancellationToken);
        if (OwnerWord.TryAcquire(Word)) return new ValueTask<bool>(true);
        if (timeout == TimeSpan.Zero) return new ValueTask<bool>(Acquire(deadline, cancellationToken));
        return FutexWait.RunAsync(ct => Acquire(deadline, ct), _word, cancellationToken);
    }

    /// <summary>Releases the lock; any thread of any process may. Python: <c>release()</c>.</summary>
    /// <exception cref="SynchronizationLockException">The lock is not held (Python: <c>ValueError: semaphore or lock released too many times</c>).</exception>
    public void Release()
    {
        if (OwnerWord.Release(Word) == 0)
            throw new SynchronizationLockException("release unlocked lock: the ProcessLock is not held.");
    }

    /// <summary>Unmaps this process's view of the lock; other processes keep theirs. Not a release.</summary>
    public void Dispose() => _segment.Dispose();

    /// <summary>Python's repr, e.g. <c>&lt;ProcessLock(owner=1234)&gt;</c>.</summary>
    public override string ToString() => OwnerPid is { } pid ? $"<ProcessLock(owner={pid})>" : "<ProcessLock(owner=None)>";

    /// <summary>Describes the lock for a child process (by reference). Python: the lock's reducer.</summary>
    public ShareableHandle Export() => _segment.ToHandle();

    /// <summary>Rebuilds the lock in the receiving process, bound to the same shared word.</summary>
    public static ProcessLock Import(ShareableHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return new ProcessLock(Segment.Import(handle.State.Span));
    }

    // A Lock names its owner process only (any thread may release it), so "owned" means "held by this process".
    bool IProcessOwnedLock.IsOwnedByCaller => OwnerPid == OwnerLiveness.Pid;

    int IProcessOwnedLock.ReleaseSave()
    {
        Release();
        return 1;
    }

    void IProcessOwnedLock.AcquireRestore(int state, int threadId) => Acquire(Deadline.Infinite, CancellationToken.None);

    private bool Acquire(Deadline deadline, CancellationToken cancellationToken)
    {
        var outcome = OwnerWord.Acquire(Word, deadline, cancellationToken, out int deadOwner);
        GC.KeepAlive(this);
        return outcome switch
        {
            AcquireOutcome.Acquired => true,
            AcquireOutcome.Abandoned => throw new AbandonedLockException(deadOwner),
            _ => false,
        };
    }
}
