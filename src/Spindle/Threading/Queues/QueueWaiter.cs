namespace Spindle.Threading.Queues;

/// <summary>
/// One blocked caller (thread or task) in a <see cref="QueueWaiterList"/>. Every field is guarded by the lock of the
/// queue whose list holds it; only <see cref="Wake"/> may run outside that lock.
/// </summary>
internal abstract class QueueWaiter
{
    internal QueueWaiter? Previous;
    internal QueueWaiter? Next;

    /// <summary>The list this waiter is in, null once it was woken or withdrew.</summary>
    internal QueueWaiterList? Owner;

    /// <summary>Lets the waiter run again. A late call may reach a waiter that already moved on: waiters tolerate spurious wake-ups.</summary>
    public abstract void Wake();
}

/// <summary>
/// A parked thread. One per thread, reused for every wait, so that blocking on a queue allocates nothing.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable",
    Justification = "One per thread for the thread's lifetime; the event never creates its OS handle, so there is nothing to release.")]
internal sealed class QueueSyncWaiter : QueueWaiter
{
    [ThreadStatic]
    private static QueueSyncWaiter? t_current;

    // The queue spins before parking, so the event itself need not spin much.
    private readonly ManualResetEventSlim _event = new(false, spinCount: 1);

    public static QueueSyncWaiter ForCurrentThread => t_current ??= new QueueSyncWaiter();

    /// <summary>Arms the event; called under the queue lock before the thread parks.</summary>
    public void Reset() => _event.Reset();

    public bool Wait(int milliseconds) => _event.Wait(milliseconds);

    public override void Wake() => _event.Set();
}

/// <summary>A suspended task. A fresh one per wait: a completed source can never be re-armed by a late wake-up.</summary>
internal sealed class QueueAsyncWaiter : QueueWaiter
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Task => _completion.Task;

    public override void Wake() => _completion.TrySetResult();
}
