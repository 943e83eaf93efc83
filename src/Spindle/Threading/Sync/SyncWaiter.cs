namespace Spindle.Threading;

/// <summary>
/// One blocked call (sync or async) on a Spindle primitive: Python's per-waiter lock in <c>Condition._waiters</c>.
/// Completing it means "you were signalled" (woken, granted a permit or notified, depending on the primitive).
/// It is also its own node in <see cref="SyncWaiterQueue"/>, so a waiter that times out leaves the queue in O(1).
/// </summary>
internal sealed class SyncWaiter : TaskCompletionSource<bool>
{
    // Continuations must not run inside the signaller's gate.
    public SyncWaiter() : base(TaskCreationOptions.RunContinuationsAsynchronously) { }

    internal SyncWaiter? Previous;
    internal SyncWaiter? Next;
    internal bool IsQueued;
}
