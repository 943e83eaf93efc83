using Spindle.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// A counting semaphore shared between processes. Python: <c>multiprocessing.Semaphore(value=1)</c>, with
/// <see cref="Value"/> for <c>get_value()</c>. Any process may release.
/// </summary>
/// <remarks>
/// Layout: the counter (the futex word), the number of sleeping waiters (so a release skips the wake-up syscall when
/// nobody sleeps), and the bound (<see cref="int.MaxValue"/> when unbounded). Lives in an anonymous shared mapping:
/// nothing to leak. The sender must keep it undisposed until the receiving process has started.
/// </remarks>
public unsafe class ProcessSemaphore : ISemaphore, IShareable<ProcessSemaphore>, IDisposable
{
    private readonly Segment _segment;
    private readonly int* _count;

    /// <summary>Creates a semaphore whose counter starts at <paramref name="value"/>. Python: <c>multiprocessing.Semaphore(value=1)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative (Python: <c>ValueError: semaphore initial value must be &gt;= 0</c>).</exception>
    public ProcessSemaphore(int value = 1) : this(value, bounded: false) { }

    private protected ProcessSemaphore(int value, bool bounded)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        _segment = Segment.CreateAnonymous(12, bounded ? "bsem" : "sem");
        _count = _segment.Int(0);
        *_count = value;
        *Bound = bounded ? value : int.MaxValue;
    }

    private protected ProcessSemaphore(Segment segment)
    {
        _segment = segment;
        _count = segment.Int(0);
    }

    private int* Count => _segment.IsClosed ? throw new ObjectDisposedException(GetType().Name) : _count;

    private int* Sleepers => _count + 1;

    private int* Bound => _count + 2;

    /// <summary>The current counter. Python: <c>get_value()</c> (which macOS lacks; this one always works).</summary>
    public int Value => Volatile.Read(ref *Count);

    /// <summary>Decrements the counter, waiting at most <paramref name="timeout"/> while it is zero. Python: <c>acquire(block=True, timeout=None)</c>.</summary>
    /// <returns>true if acquired, false if the timeout elapsed.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative timeout other than <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public bool Acquire(TimeSpan? timeout = null)
    {
        if (timeout.HasValue) Deadline.Validate(timeout);
        if (TryTake(Count)) return true;
        return Acquire(Deadline.Start(timeout), CancellationToken.None);
    }

    /// <summary>Awaitable twin of <see cref="Acquire(TimeSpan?)"/> (a contended wait runs on a dedicated thread).</summary>
    public ValueTask<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline.Start(timeout);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(cancellationToken);
        if (TryTake(Count)) return new ValueTask<bool>(true);
        if (timeout == TimeSpan.Zero) return new ValueTask<bool>(false);
        return FutexWait.RunAsync(ct => Acquire(deadline, ct), _count, cancellationToken);
    }

    /// <summary>Increments the counter and wakes a waiter. Python: <c>release()</c>.</summary>
    /// <exception cref="SemaphoreFullException">A bounded semaphore is already at its initial value.</exception>
    public void Release() => Release(1);

    /// <summary>Increments the counter by <paramref name="count"/> and wakes as many waiters. Python: <c>threading.Semaphore.release(n)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 1.</exception>
    /// <exception cref="SemaphoreFullException">A bounded semaphore would rise above its initial value; the counter is unchanged.</exception>
    public void Release(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        int* word = Count;
        int bound = *Bound;
        for (int c = Volatile.Read(ref *word); ; )
        {
            if ((long)c + count > bound)
                throw new SemaphoreFullException(bound == int.MaxValue
                    ? "The ProcessSemaphore's counter would overflow."
                    : "Semaphore released too many times: the ProcessBoundedSemaphore is already at its initial value (Python: ValueError).");
            int seen = Interlocked.CompareExchange(ref *word, c + count, c);
            if (seen == c) break;
            c = seen;
        }
        // The CAS is a full fence, and so is the waiter's increment of Sleepers before it re-reads the counter.
        if (Volatile.Read(ref *Sleepers) > 0) FutexWait.Wake(word, count);
    }

    /// <summary>Unmaps this process's view; other processes keep theirs.</summary>
    public void Dispose()
    {
        _segment.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Python's repr, e.g. <c>&lt;ProcessSemaphore(value=2)&gt;</c>.</summary>
    public override string ToString() => $"<{GetType().Name}(value={Value})>";

    /// <summary>Describes the semaphore for a child process (by reference). Python: the semaphore's reducer.</summary>
    public ShareableHandle Export() => _segment.ToHandle();

    /// <summary>Rebuilds the semaphore in the receiving process, bound to the same shared counter.</summary>
    public static ProcessSemaphore Import(ShareableHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return new ProcessSemaphore(Segment.Import(handle.State.Span));
    }

    private static bool TryTake(int* word)
    {
        int c = Volatile.Read(ref *word);
        while (c > 0)
        {
            int seen = Interlocked.CompareExchange(ref *word, c - 1, c);
            if (seen == c) return true;
            c = seen;
        }
        return false;
    }

    private bool Acquire(Deadline deadline, CancellationToken cancellationToken)
    {
        int* word = Count;
        if (!deadline.HasExpired && FutexWait.SpinWhile(word, 0) && TryTake(word)) return true;
        Interlocked.Increment(ref *Sleepers);
        try
        {
            for (;;)
            {
                if (TryTake(word)) return true;
                if (!FutexWait.Sleep(word, 0, deadline, cancellationToken, out _)) return TryTake(word);
            }
        }
        finally
        {
            Interlocked.Decrement(ref *Sleepers);
            GC.KeepAlive(this);
        }
    }
}
