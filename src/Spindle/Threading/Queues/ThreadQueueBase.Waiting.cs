using Spindle.Threading.Queues;

namespace Spindle.Threading;

// The one wait loop (sync and async) behind put, get and join: an operation is tried under the lock; if the queue
// is not ready the caller enlists in the operation's waiter list and parks until whoever changes the queue wakes it,
// then tries again (Python's `while not ready: cond.wait(remaining)`). Operations are structs so the loop is
// specialised per operation without delegates or allocation.
public abstract partial class ThreadQueueBase<T>
{
    // Spin iterations before a blocked caller parks: a busy producer usually delivers within them, and parking
    // costs the waker a system call.
    private const int SpinLimit = 20;

    private enum Status { Done, NotReady, ShutDown, TimedOut }

    private interface IOperation
    {
        /// <summary>Tries once under the lock; on success may hand back a waiter to wake once the lock is released.</summary>
        Status TryLocked(ThreadQueueBase<T> queue, out QueueWaiter? toWake);

        /// <summary>A lock-free hint that <see cref="TryLocked"/> may succeed now.</summary>
        bool LooksReady(ThreadQueueBase<T> queue);

        QueueWaiterList Waiters(ThreadQueueBase<T> queue);
    }

    private struct PutOperation(T item) : IOperation
    {
        public readonly Status TryLocked(ThreadQueueBase<T> queue, out QueueWaiter? toWake)
        {
            toWake = null;
            if (queue._isShutDown) return Status.ShutDown;
            if (queue._maxSize > 0 && queue._count >= queue._maxSize) return Status.NotReady;
            queue.AddItem(item);
            queue._count++;
            queue._unfinishedTasks++;
            if (!queue._getters.IsEmpty) toWake = queue._getters.TakeFirst();
            return Status.Done;
        }

        public readonly bool LooksReady(ThreadQueueBase<T> queue) => queue._count < queue._maxSize || queue._isShutDown;

        public readonly QueueWaiterList Waiters(ThreadQueueBase<T> queue) => queue._putters;
    }

    private struct GetOperation : IOperation
    {
        public T Item;

        public Status TryLocked(ThreadQueueBase<T> queue, out QueueWaiter? toWake)
        {
            toWake = null;
            if (queue._count == 0) return queue._isShutDown ? Status.ShutDown : Status.NotReady;
            Item = queue.RemoveItem();
            queue._count--;
            if (!queue._putters.IsEmpty) toWake = queue._putters.TakeFirst();
            return Status.Done;
        }

        public readonly bool LooksReady(ThreadQueueBase<T> queue) => queue._count > 0 || queue._isShutDown;

        public readonly QueueWaiterList Waiters(ThreadQueueBase<T> queue) => queue._getters;
    }

    private struct JoinOperation : IOperation
    {
        public readonly Status TryLocked(ThreadQueueBase<T> queue, out QueueWaiter? toWake)
        {
            toWake = null;
            return queue._unfinishedTasks == 0 ? Status.Done : Status.NotReady;
        }

        public readonly bool LooksReady(ThreadQueueBase<T> queue) => queue._unfinishedTasks == 0;

        public readonly QueueWaiterList Waiters(ThreadQueueBase<T> queue) => queue._joiners;
    }

    private Status TryOnce<TOperation>(ref TOperation op)
        where TOperation : struct, IOperation
    {
        Status status;
        QueueWaiter? toWake;
        lock (_lock) status = op.TryLocked(this, out toWake);
        toWake?.Wake();
        return status;
    }

    /// <summary>Runs <paramref name="op"/>, blocking up to <paramref name="limit"/>; false if it timed out.</summary>
    private bool Run<TOperation>(ref TOperation op, TimeSpan? limit)
        where TOperation : struct, IOperation =>
        TryOnce(ref op) switch
        {
            Status.Done => true,
            Status.ShutDown => throw new QueueShutDownException(),
            _ => limit != TimeSpan.Zero && WaitSync(ref op, limit),
        };

    private bool WaitSync<TOperation>(ref TOperation op, TimeSpan? limit)
        where TOperation : struct, IOperation
    {
        var deadline = Deadline.Start(limit);
        var spinner = default(SpinWait);
        while (!op.LooksReady(this) && spinner.Count < SpinLimit) spinner.SpinOnce(sleep1Threshold: -1);

        var waiter = QueueSyncWaiter.ForCurrentThread;
        var waiters = op.Waiters(this);
        try
        {
            while (true)
            {
                Status status;
                QueueWaiter? toWake;
                int remaining = 0;
                lock (_lock)
                {
                    status = op.TryLocked(this, out toWake);
                    if (status == Status.NotReady)
                    {
                        remaining = deadline.RemainingMilliseconds;
                        if (remaining == 0) status = Status.TimedOut;
                    }
                    if (status == Status.NotReady)
                    {
                        // Re-arming is safe under the lock: a wake-up meant for this round can only come after it.
                        waiter.Reset();
                        if (waiter.Owner is null) waiters.Add(waiter);
                    }
                    else
                    {
                        waiters.Remove(waiter);
                    }
                }
                toWake?.Wake();
                switch (status)
                {
                    case Status.Done: return true;
                    case Status.TimedOut: return false;
                    case Status.ShutDown: throw new QueueShutDownException();
                }
                waiter.Wait(remaining);
            }
        }
        catch (Exception e) when (e is not QueueShutDownException)
        {
            // A thread interrupt or a throwing comparer.
            Abandon(waiters, waiter);
            throw;
        }
    }

    /// <summary>
    /// The awaitable wait loop. The operation only ever takes effect inside <see cref="IOperation.TryLocked"/>, so a
    /// cancelled wait has not put or taken anything.
    /// </summary>
    private async ValueTask<(bool Done, TOperation Op)> WaitAsync<TOperation>(TOperation op, TimeSpan? limit, CancellationToken cancellationToken)
        where TOperation : struct, IOperation
    {
        var deadline = Deadline.Start(limit);
        var waiters = op.Waiters(this);
        QueueAsyncWaiter? waiter = null;
        try
        {
            while (true)
            {
                Status status;
                QueueWaiter? toWake;
                lock (_lock)
                {
                    status = op.TryLocked(this, out toWake);
                    if (status == Status.NotReady && deadline.RemainingMilliseconds == 0) status = Status.TimedOut;
                    if (status == Status.NotReady)
                    {
                        if (waiter?.Owner is null)
                        {
                            waiter = new QueueAsyncWaiter();
                            waiters.Add(waiter);
                        }
                    }
                    else if (waiter is not null)
                    {
                        waiters.Remove(waiter);
                    }
                }
                toWake?.Wake();
                switch (status)
                {
                    case Status.Done: return (true, op);
                    case Status.TimedOut: return (false, op);
                    case Status.ShutDown: throw new QueueShutDownException();
                }

                try
                {
                    await waiter!.Task.WaitAsync(deadline.Remaining, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // The next round re-checks the queue once more before reporting the timeout, as Python does.
                }
            }
        }
        catch (Exception e) when (e is not QueueShutDownException)
        {
            // Cancellation, or a throwing comparer.
            Abandon(waiters, waiter);
            throw;
        }
    }

    /// <summary>
    /// Withdraws a waiter that leaves with an exception. If it had already been woken, the wake-up is passed on to
    /// the next waiter, so that an item (or room) meant for it is not left unclaimed while others sleep.
    /// </summary>
    private void Abandon(QueueWaiterList waiters, QueueWaiter? waiter)
    {
        if (waiter is null) return;
        QueueWaiter? toWake = null;
        lock (_lock)
        {
            if (waiter.Owner is not null) waiters.Remove(waiter);
            else toWake = waiters.TakeFirst();
        }
        toWake?.Wake();
    }
}
