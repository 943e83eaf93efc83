using Spindle.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// A re-entrant lock shared between processes: the owning thread of the owning process may acquire it again, and
/// must release it as many times. Python: <c>multiprocessing.RLock</c> (whose owner is also process + thread).
/// </summary>
/// <remarks>
/// The owner is the pid (in the futex word, see <see cref="ProcessLock"/>) plus the managed thread id
/// (<see cref="Environment.CurrentManagedThreadId"/>, stable for the thread's life) and the recursion count beside it,
/// written only by the owner. If the owning process dies, the next acquirer takes the lock over (recursion count 1)
/// and gets an <see cref="AbandonedLockException"/>. A thread that ends while holding it leaves it held, as in Python.
/// </remarks>
public sealed unsafe class ProcessRLock : ILock, IProcessOwnedLock, IShareable<ProcessRLock>, IDisposable
{
    private const int RecursionSize = 16;

    private readonly Segment _segment;
    private readonly int* _word;
    private readonly bool _ownsSegment;

    /// <summary>Creates an unlocked re-entrant lock. Python: <c>multiprocessing.RLock()</c>.</summary>
    public ProcessRLock() : this(Segment.CreateAnonymous(Size, "rlock"), ownsSegment: true) { }

    /// <summary>A lock at the start of <paramref name="segment"/>'s payload; an embedded lock (a shared value's) leaves disposal to its owner.</summary>
    internal ProcessRLock(Segment segment, bool ownsSegment)
    {
        _segment = segment;
        _word = segment.Int(0);
        _ownsSegment = ownsSegment;
    }

    /// <summary>Bytes the lock occupies when embedded in another object's segment.</summary>
    internal const int Size = OwnerWord.Size + RecursionSize;

    private int* Word => _segment.IsClosed ? throw new ObjectDisposedException(nameof(ProcessRLock)) : _word;

    // Beside the owner word: the owning thread as (pid, managed thread id) — the pid keeps a thread of this process
    // from matching what a dead owner left there in the instant after a takeover — then the recursion count.
    private long* Thread => (long*)(_word + OwnerWord.Size / 4);

    private int* Count => _word + OwnerWord.Size / 4 + 2;

    private static long Key(int managedThreadId) => ((long)OwnerLiveness.Pid << 32) | (uint)managedThreadId;

    /// <summary>Whether the calling thread of this process holds the lock. Python: <c>RLock._is_owned()</c>.</summary>
    public bool IsOwnedByCurrentThread
    {
        get
        {
            int w = Volatile.Read(ref *Word);
            return OwnerWord.OwnerOf(w) == OwnerLiveness.Pid && *Thread == Key(Environment.CurrentManagedThreadId);
        }
    }

    /// <summary>
    /// Whether some thread of some process holds the lock (at any depth). Python 3.14: <c>RLock.locked()</c>.
    /// </summary>
    /// <remarks>A lock whose owner died holding it reads as locked until the next acquirer takes it over.</remarks>
    public bool IsLocked => Volatile.Read(ref *Word) != 0;

    /// <summary>How many times the owner holds it (0 when free or held elsewhere as far as this thread can tell).</summary>
    public int RecursionCount => IsOwnedByCurrentThread ? *Count : 0;

    /// <summary>Acquires, or re-enters when the calling thread already holds it. Python: <c>acquire(block=True, timeout=None)</c>.</summary>
    /// <returns>true if acquired, false if the timeout elapsed.</returns>
    /// <exception cref="AbandonedLockException">The owner process died holding the lock; the caller now holds it once.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative timeout other than <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public bool Acquire(TimeSpan? timeout = null)
    {
        if (timeout.HasValue) Deadline.Validate(timeout);
        int* word = Word;
        int me = Environment.CurrentManagedThreadId;
        if (OwnerWord.TryAcquire(word))
        {
            *Thread = Key(me);
            *Count = 1;
            return true;
        }
        if (TryReenter(me)) return true;
        return Acquire(Deadline.Start(timeout), me, CancellationToken.None);
    }

    /// <summary>Awaitable twin of <see cref="Acquire(TimeSpan?)"/>. The owner is the thread that called this method (a contended wait runs on a dedicated thread, on the caller's behalf).</summary>
    /// <exception cref="AbandonedLockException">The owner process died holding the lock; the caller now holds it once.</exception>
    public ValueTask<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline.Start(timeout);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(cancellationToken);
        int me = Environment.CurrentManagedThreadId;
        if (OwnerWord.TryAcquire(Word))
        {
            *Thread = Key(me);
            *Count = 1;
            return new ValueTask<bool>(true);
        }
        if (TryReenter(me)) return new ValueTask<bool>(true);
        if (timeout == TimeSpan.Zero) return new ValueTask<bool>(Acquire(deadline, me, cancellationToken));
        return FutexWait.RunAsync(ct => Acquire(deadline, me, ct), _word, cancellationToken);
    }

    /// <summary>Releases one level; the last release frees the lock. Python: <c>release()</c>.</summary>
    /// <exception cref="SynchronizationLockException">The calling thread of this process does not hold it (Python: <c>AssertionError: attempt to release recursive lock not owned by thread</c>).</exception>
    public void Release()
    {
        if (!IsOwnedByCurrentThread)
            throw new SynchronizationLockException("cannot release un-acquired lock: the ProcessRLock is not held by this thread of this process.");
        if (--*Count > 0) return;
        *Thread = 0;
        OwnerWord.Release(_word);
    }

    /// <summary>Unmaps this process's view; other processes keep theirs. Not a release. The lock of a shared value or array is unmapped with its owner instead.</summary>
    public void Dispose()
    {
        if (_ownsSegment) _segment.Dispose();
    }

    /// <summary>Python's repr, e.g. <c>&lt;ProcessRLock(owner=1234, count=2)&gt;</c>.</summary>
    public override string ToString()
    {
        int w = Volatile.Read(ref *Word);
        return w == 0 ? "<ProcessRLock(owner=None, count=0)>" : $"<ProcessRLock(owner={OwnerWord.OwnerOf(w)}, count={RecursionCount})>";
    }

    /// <summary>Describes the lock for a child process (by reference). Python: the lock's reducer.</summary>
    public ShareableHandle Export() => _segment.ToHandle();

    /// <summary>Rebuilds the lock in the receiving process, bound to the same shared words.</summary>
    public static ProcessRLock Import(ShareableHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return new ProcessRLock(Segment.Import(handle.State.Span), ownsSegment: true);
    }

    bool IProcessOwnedLock.IsOwnedByCaller => IsOwnedByCurrentThread;

    int IProcessOwnedLock.ReleaseSave()
    {
        if (!IsOwnedByCurrentThread)
            throw new SynchronizationLockException("cannot release un-acquired lock: the ProcessRLock is not held by this thread of this process.");
        int depth = *Count;
        *Count = 0;
        *Thread = 0;
        OwnerWord.Release(_word);
        return depth;
    }

    void IProcessOwnedLock.AcquireRestore(int state, int threadId)
    {
        try
        {
            if (!OwnerWord.TryAcquire(Word)) Acquire(Deadline.Infinite, threadId, CancellationToken.None);
            else
            {
                *Thread = Key(threadId);
            }
        }
        finally
        {
            // Abandoned or not, the lock is held now: give it back its depth.
            if (OwnerWord.OwnerOf(Volatile.Read(ref *_word)) == OwnerLiveness.Pid && *Thread == Key(threadId)) *Count = state;
        }
    }

    private bool TryReenter(int me)
    {
        if (!IsOwnedByCurrentThread) return false;
        if (*Count == int.MaxValue) throw new OverflowException("The ProcessRLock's recursion count is at its maximum.");
        ++*Count;
        return true;
    }

    private bool Acquire(Deadline deadline, int me, CancellationToken cancellationToken)
    {
        var outcome = OwnerWord.Acquire(Word, deadline, cancellationToken, out int deadOwner);
        GC.KeepAlive(this);
        if (outcome == AcquireOutcome.TimedOut) return false;
        *Thread = Key(me);
        *Count = 1;
        if (outcome == AcquireOutcome.Abandoned) throw new AbandonedLockException(deadOwner);
        return true;
    }
}
