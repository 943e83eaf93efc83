namespace Spindle.Ipc;

/// <summary>
/// The previous owner of a <see cref="ProcessLock"/> or <see cref="ProcessRLock"/> died while holding it, and the
/// acquiring call took the lock over: <b>when this is thrown, the caller holds the lock</b> (once, for an RLock) and
/// must release it. The state the lock protects may be half-updated; the caller decides whether to repair it or give
/// up. Beyond Python (whose <c>multiprocessing.Lock</c> stays locked forever); .NET: <see cref="AbandonedMutexException"/>.
/// </summary>
public sealed class AbandonedLockException : AbandonedMutexException
{
    /// <summary>Creates the exception with the default message.</summary>
    public AbandonedLockException() : base("The lock was abandoned: its owner process died while holding it. The caller now holds the lock.") { }

    /// <summary>Creates the exception with a message.</summary>
    public AbandonedLockException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public AbandonedLockException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for a lock whose owner, process <paramref name="deadPid"/>, died.</summary>
    internal AbandonedLockException(int deadPid)
        : base($"The lock was abandoned: process {deadPid} died while holding it. The caller now holds the lock; the state it protects may be inconsistent.")
    {
        DeadOwnerPid = deadPid;
    }

    /// <summary>The pid of the process that died holding the lock (0 when unknown).</summary>
    public int DeadOwnerPid { get; }
}
