using Spindle.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// A <see cref="ProcessQueue{T}"/> whose consumers report each item done, so that any process can wait until all the
/// work put so far is finished. Python: <c>multiprocessing.JoinableQueue(maxsize=0)</c>.
/// </summary>
/// <remarks>
/// The count of unfinished tasks lives in the queue's shared memory: <see cref="ProcessQueue{T}.Put"/> in any process
/// raises it before the item can be taken, <see cref="TaskDone"/> in any process lowers it, and <see cref="Join"/>
/// wakes when it reaches zero. An item put by a process that dies before the item reaches the queue stays counted,
/// as in Python.
/// </remarks>
/// <typeparam name="T">The item type; items must be transferable.</typeparam>
public sealed class ProcessJoinableQueue<T> : ProcessQueue<T>, IJoinableQueue<T>, IShareable<ProcessJoinableQueue<T>>
{
    /// <summary>Creates the queue. Python: <c>multiprocessing.JoinableQueue(maxsize=0)</c>.</summary>
    /// <param name="maxSize">The capacity in items; 0 or less means unbounded, as in Python.</param>
    public ProcessJoinableQueue(int maxSize = 0) : base(JoinableKind, maxSize, MessageRing.DefaultCapacity) { }

    private ProcessJoinableQueue(MessageRing ring) : base(ring) { }

    /// <summary>Unfinished tasks: items put and not yet marked done, in every process.</summary>
    /// <exception cref="QueueShutDownException">The queue was closed in this process.</exception>
    public int UnfinishedTasks
    {
        get
        {
            using var lease = End.Use();
            return End.Ring.UnfinishedCount;
        }
    }

    /// <summary>Marks one fetched item done, in whatever process it was fetched. Python: <c>JoinableQueue.task_done()</c>.</summary>
    /// <exception cref="InvalidOperationException">Called more times than items were put (Python: <c>ValueError: task_done() called too many times</c>).</exception>
    /// <exception cref="QueueShutDownException">The queue was closed in this process.</exception>
    public void TaskDone()
    {
        using var lease = End.Use();
        if (!End.Ring.TryTaskDone()) throw new InvalidOperationException("task_done() called too many times");
    }

    /// <summary>Waits until every item put (by any process) has been marked done. Python: <c>JoinableQueue.join()</c>.</summary>
    /// <returns>false if the timeout elapsed first (Python's <c>join</c> has no timeout).</returns>
    /// <exception cref="QueueShutDownException">The queue was closed in this process, before or during the wait.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than infinite).</exception>
    public bool Join(TimeSpan? timeout = null)
    {
        var deadline = Deadline.Start(timeout);
        try
        {
            using var lease = End.Use();
            return End.Ring.WaitAllDone(deadline, End.Closing);
        }
        catch (OperationCanceledException) when (End.IsClosed)
        {
            throw End.Closed();
        }
    }

    /// <summary>Awaitable twin of <see cref="Join"/>; an actual wait runs on a dedicated thread.</summary>
    /// <returns>false if the timeout elapsed first.</returns>
    /// <exception cref="OperationCanceledException">Cancelled before all tasks were done.</exception>
    public ValueTask<bool> JoinAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline.Start(timeout);
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<bool>(cancellationToken);
        if (UnfinishedTasks == 0) return new ValueTask<bool>(true);
        if (timeout == TimeSpan.Zero) return new ValueTask<bool>(false);
        return End.RunAsync(ct => End.Ring.WaitAllDone(deadline, ct), cancellationToken);
    }

    /// <summary>Rebuilds the queue in the receiving process, bound to the same shared ring and task count.</summary>
#pragma warning disable CA1000 // IShareable<TSelf> asks for a static factory on the type itself.
    public static new ProcessJoinableQueue<T> Import(ShareableHandle handle) =>
        new ProcessJoinableQueue<T>(QueueEnd.Import(handle, JoinableKind, "ProcessJoinableQueue"));
#pragma warning restore CA1000
}
