using System.Globalization;
using Spindle.Threading;

namespace Spindle.Managers;

/// <summary>
/// The re-entrant lock a manager serves (Python: the <c>threading.RLock</c> behind <c>manager.RLock()</c>), owned by
/// the client connection that acquired it — one per client thread — rather than by a server thread, so a wait that
/// resumes on another thread still belongs to its caller (<see cref="CallerContext"/>).
/// </summary>
internal sealed class CallerRLock : IOwnedLock
{
    private readonly ThreadLock _lock = new();
    private object? _owner;
    private int _count; // touched only by the owner

    public bool IsOwnedByCurrentThread => Volatile.Read(ref _owner) is { } owner && ReferenceEquals(owner, CallerContext.Current);

    public bool Acquire(TimeSpan? timeout = null)
    {
        if (TryReenter()) return true;
        if (!_lock.Acquire(timeout)) return false;
        TakeOwnership(1);
        return true;
    }

    public async ValueTask<bool> AcquireAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (TryReenter()) return true;
        if (!await _lock.AcquireAsync(timeout, cancellationToken).ConfigureAwait(false)) return false;
        TakeOwnership(1);
        return true;
    }

    public void Release()
    {
        CheckOwned();
        if (--_count == 0) ReleaseOwnership();
    }

    public int ReleaseSave()
    {
        CheckOwned();
        var count = _count;
        ReleaseOwnership();
        return count;
    }

    public void AcquireRestore(int state)
    {
        _lock.Acquire();
        TakeOwnership(state);
    }

    public async ValueTask AcquireRestoreAsync(int state)
    {
        await _lock.AcquireAsync().ConfigureAwait(false);
        TakeOwnership(state);
    }

    // The owner is the caller's context, which flows with the async call: whichever thread resumes already owns it.
    public ValueTask<bool> OwnedOnResume(ValueTask<bool> operation) => operation;

    public override string ToString() => Volatile.Read(ref _owner) is null
        ? "<RLock unlocked>"
        : string.Create(CultureInfo.InvariantCulture, $"<RLock locked count={_count}>");

    private bool TryReenter()
    {
        if (!IsOwnedByCurrentThread) return false;
        _count = checked(_count + 1);
        return true;
    }

    private void TakeOwnership(int count)
    {
        _count = count;
        Volatile.Write(ref _owner, CallerContext.Current);
    }

    private void ReleaseOwnership()
    {
        _count = 0;
        Volatile.Write(ref _owner, null);
        _lock.Release();
    }

    private void CheckOwned()
    {
        if (!IsOwnedByCurrentThread)
            throw new SynchronizationLockException(Volatile.Read(ref _owner) is null
                ? "cannot release un-acquired lock: the manager's RLock is not held."
                : "cannot release un-acquired lock: the manager's RLock is held by another thread (each client thread owns what it acquires).");
    }
}
