namespace Spindle.Ipc;

/// <summary>
/// What <see cref="ProcessCondition"/> needs from its lock (Python: the <c>_is_mine</c> / release-all / re-acquire
/// steps <c>multiprocessing.Condition</c> performs on its <c>SemLock</c>).
/// </summary>
internal interface IProcessOwnedLock : ILock, IDisposable
{
    /// <summary>Whether the caller may wait/notify: an RLock held by this thread, a Lock held by this process.</summary>
    bool IsOwnedByCaller { get; }

    /// <summary>Releases completely and returns the recursion depth to restore.</summary>
    int ReleaseSave();

    /// <summary>Re-acquires (forever) for thread <paramref name="threadId"/> and restores the depth; not cancellable, since a condition wait must return holding the lock.</summary>
    void AcquireRestore(int state, int threadId);
}
