namespace Spindle.Threading;

/// <summary>
/// What <see cref="ThreadCondition"/> needs from its lock beyond <see cref="ILock"/> (Python: the optional
/// <c>_is_owned</c>, <c>_release_save</c> and <c>_acquire_restore</c> methods that <c>threading.Condition</c> borrows
/// from its lock).
/// </summary>
internal interface IOwnedLock : ILock
{
    /// <summary>Whether the calling thread may wait/notify. Python: <c>_is_owned()</c>.</summary>
    bool IsOwnedByCurrentThread { get; }

    /// <summary>Releases completely (every recursion level) and returns what <see cref="AcquireRestore"/> needs. Python: <c>_release_save()</c>.</summary>
    int ReleaseSave();

    /// <summary>Re-acquires (waiting forever) and restores the saved state. Python: <c>_acquire_restore(state)</c>.</summary>
    void AcquireRestore(int state);

    /// <summary>Awaitable twin of <see cref="AcquireRestore"/>; not cancellable, since a condition wait must return holding the lock.</summary>
    ValueTask AcquireRestoreAsync(int state);

    /// <summary>
    /// Wraps an async operation that ends holding the lock (a condition wait) so that the thread that reads its outcome
    /// is the owner: an async flow may resume on another thread than the one that re-acquired. Locks owned by no thread
    /// return <paramref name="operation"/> unchanged.
    /// </summary>
    ValueTask<bool> OwnedOnResume(ValueTask<bool> operation);
}

/// <summary>
/// Adapts any other <see cref="ILock"/> the way Python's <c>Condition</c> treats a lock without those methods:
/// "owned" means "cannot be acquired without waiting", save is one release, restore is one acquire.
/// </summary>
internal sealed class ForeignOwnedLock(ILock inner) : IOwnedLock
{
    public bool IsOwnedByCurrentThread
    {
        get
        {
            if (!inner.Acquire(TimeSpan.Zero)) return true;
            inner.Release();
            return false;
        }
    }

    public bool Acquire(TimeSpan? timeout = null) => inner.Acquire(timeout);

    public ValueTask<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        inner.AcquireAsync(timeout, cancellationToken);

    public void Release() => inner.Release();

    public int ReleaseSave()
    {
        inner.Release();
        return 1;
    }

    public void AcquireRestore(int state) => inner.Acquire();

    public async ValueTask AcquireRestoreAsync(int state) => await inner.AcquireAsync().ConfigureAwait(false);

    public ValueTask<bool> OwnedOnResume(ValueTask<bool> operation) => operation;
}
