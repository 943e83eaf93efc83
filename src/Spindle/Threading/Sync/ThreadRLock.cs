using System.Globalization;
using System.Threading.Tasks.Sources;

namespace Spindle.Threading;

/// <summary>
/// A re-entrant lock owned by a thread (Python: <c>threading.RLock</c>): the owner may acquire it again, and must
/// release it as many times; only the owner may release it.
/// </summary>
/// <remarks>
/// Ownership belongs to a <em>thread</em>, as in Python, not to an async flow. <see cref="AcquireAsync"/> therefore
/// re-enters at once when the calling thread already owns the lock; otherwise it waits asynchronously and, once the lock
/// is free, makes the thread that resumes after the <c>await</c> the owner (ownership is taken when the awaiter reads
/// the result, on the resuming thread). That code must release before its next <c>await</c> that may change threads,
/// or <see cref="Release"/> throws because another thread is running it.
/// </remarks>
public sealed class ThreadRLock : ILock, IOwnedLock
{
    private readonly ThreadLock _lock = new();
    private int _owner; // managed thread id of the owner; 0 when free (ids start at 1)
    private int _count; // touched only by the owner

    /// <summary>Whether any thread holds the lock. Python 3.14: <c>RLock.locked()</c>.</summary>
    public bool IsLocked => _lock.IsLocked;

    /// <summary>Whether the calling thread owns the lock. Python: <c>RLock._is_owned()</c>.</summary>
    public bool IsOwnedByCurrentThread => Volatile.Read(ref _owner) == Environment.CurrentManagedThreadId;

    /// <summary>How many times the calling thread holds the lock; 0 if it does not own it. Python: <c>RLock._recursion_count()</c>.</summary>
    public int RecursionCount => IsOwnedByCurrentThread ? _count : 0;

    /// <summary>
    /// Acquires, or re-enters at once if the calling thread owns the lock; waits at most <paramref name="timeout"/>
    /// (null: forever; <see cref="TimeSpan.Zero"/>: no wait). Python: <c>RLock.acquire(blocking=True, timeout=-1)</c>.
    /// </summary>
    /// <returns>true if acquired, false if the timeout elapsed.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative timeout other than <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public bool Acquire(TimeSpan? timeout = null)
    {
        if (timeout.HasValue) Deadline.Validate(timeout);
        if (TryReenter()) return true;
        if (!_lock.Acquire(timeout)) return false;
        TakeOwnership(1);
        return true;
    }

    /// <summary>
    /// Awaitable twin of <see cref="Acquire"/>: re-enters at once if the calling thread owns the lock, otherwise waits
    /// and makes the thread that completes the wait the owner (see the remarks on the class). Python has none.
    /// A cancelled wait throws <see cref="OperationCanceledException"/> and never leaves the lock held.
    /// </summary>
    public ValueTask<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (timeout.HasValue) Deadline.Validate(timeout);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(cancellationToken);
        if (TryReenter()) return new ValueTask<bool>(true);
        return AcquireFirstAsync(timeout, cancellationToken);
    }

    /// <summary>Releases one level; the lock is free when the owner has released as often as it acquired. Python: <c>RLock.release()</c>.</summary>
    /// <exception cref="SynchronizationLockException">The calling thread does not own the lock (Python: <c>RuntimeError: cannot release un-acquired lock</c>).</exception>
    public void Release()
    {
        CheckOwned();
        if (--_count == 0) ReleaseOwnership();
    }

    /// <summary>Python's repr, e.g. <c>&lt;ThreadRLock locked owner=7 count=2&gt;</c>.</summary>
    public override string ToString()
    {
        int owner = Volatile.Read(ref _owner);
        return owner == 0
            ? "<ThreadRLock unlocked owner=0 count=0>"
            : string.Create(CultureInfo.InvariantCulture, $"<ThreadRLock locked owner={owner} count={Volatile.Read(ref _count)}>");
    }

    int IOwnedLock.ReleaseSave()
    {
        CheckOwned();
        int count = _count;
        ReleaseOwnership();
        return count;
    }

    void IOwnedLock.AcquireRestore(int state)
    {
        _lock.Acquire();
        TakeOwnership(state);
    }

    async ValueTask IOwnedLock.AcquireRestoreAsync(int state) => await OwnOnResume(_lock.AcquireAsync(), state);

    private bool TryReenter()
    {
        if (!IsOwnedByCurrentThread) return false;
        _count = checked(_count + 1);
        return true;
    }

    private ValueTask<bool> AcquireFirstAsync(TimeSpan? timeout, CancellationToken cancellationToken) =>
        OwnOnResume(_lock.AcquireAsync(timeout, cancellationToken), 1);

    /// <summary>
    /// The wait for the inner lock, with ownership taken by whichever thread reads the result. Taking it in a
    /// continuation instead would race: an awaiter that finds the wait already complete resumes on its own thread,
    /// not on the one that ran the continuation.
    /// </summary>
    private ValueTask<bool> OwnOnResume(ValueTask<bool> wait, int count)
    {
        if (wait.IsCompletedSuccessfully)
        {
            if (wait.Result) TakeOwnership(count);
            return new ValueTask<bool>(wait.Result);
        }
        return OwnershipSource.Track(wait, () => TakeOwnership(count), onlyIfTrue: true);
    }

    ValueTask<bool> IOwnedLock.OwnedOnResume(ValueTask<bool> operation)
    {
        if (!operation.IsCompleted) return OwnershipSource.Track(operation, Rebind, onlyIfTrue: false);
        // Completed already — possibly on the notifying thread, which re-acquired for us: the caller reads it now.
        Rebind();
        return operation;
    }

    /// <summary>
    /// Completes with the outcome of a wait and runs <c>claim</c> on the thread that reads it (the thread the awaiting
    /// code resumes on), so that thread is the owner whichever thread completed the wait.
    /// </summary>
    private sealed class OwnershipSource(Action claim, bool onlyIfTrue) : IValueTaskSource<bool>
    {
        private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = false };

        public static ValueTask<bool> Track(ValueTask<bool> wait, Action claim, bool onlyIfTrue)
        {
            var source = new OwnershipSource(claim, onlyIfTrue);
            var awaiter = wait.ConfigureAwait(false).GetAwaiter();
            awaiter.UnsafeOnCompleted(() =>
            {
                try
                {
                    source._core.SetResult(awaiter.GetResult());
                }
                catch (Exception e)
                {
                    source._core.SetException(e);
                }
            });
            return new ValueTask<bool>(source, source._core.Version);
        }

        public bool GetResult(short token)
        {
            if (!onlyIfTrue) claim(); // before a stored exception is rethrown: the operation ends holding the lock
            var result = _core.GetResult(token);
            if (onlyIfTrue && result) claim();
            return result;
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }

    /// <summary>The owner's async flow resumed on another thread: that thread owns the lock now, with the same count.</summary>
    private void Rebind() => Volatile.Write(ref _owner, Environment.CurrentManagedThreadId);

    private void TakeOwnership(int count)
    {
        _count = count;
        Volatile.Write(ref _owner, Environment.CurrentManagedThreadId);
    }

    private void ReleaseOwnership()
    {
        _count = 0;
        Volatile.Write(ref _owner, 0);
        _lock.Release();
    }

    private void CheckOwned()
    {
        int owner = Volatile.Read(ref _owner);
        int me = Environment.CurrentManagedThreadId;
        if (owner == me) return;
        throw new SynchronizationLockException(owner == 0
            ? "cannot release un-acquired lock: the ThreadRLock is not held."
            : string.Create(CultureInfo.InvariantCulture,
                $"cannot release un-acquired lock: the ThreadRLock is owned by thread {owner}, not by the calling thread {me}."));
    }
}
