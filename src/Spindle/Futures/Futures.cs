using System.Runtime.CompilerServices;

namespace Spindle;

/// <summary>
/// Waiting on many futures at once, whatever executed them (Python: <c>concurrent.futures.wait</c> and
/// <c>concurrent.futures.as_completed</c>).
/// </summary>
public static class Futures
{
    /// <summary>
    /// Waits until the futures meet <paramref name="returnWhen"/> or the timeout elapses, and returns which are done.
    /// Cancelled futures count as done. Python: <c>concurrent.futures.wait(fs, timeout=None, return_when=ALL_COMPLETED)</c>.
    /// </summary>
    /// <param name="futures">The futures; duplicates count once.</param>
    /// <param name="timeout">How long to wait; null waits forever. A timeout does not throw: see <see cref="DoneAndNotDone.NotDone"/>.</param>
    /// <param name="returnWhen">When to return.</param>
    public static DoneAndNotDone Wait(IEnumerable<Future> futures, TimeSpan? timeout = null, ReturnWhen returnWhen = ReturnWhen.AllCompleted)
    {
        var deadline = Deadline.Start(timeout);
        var waiter = CompletionWaiter.Install(futures, returnWhen);
        try
        {
            waiter.WaitSignalled(deadline);
        }
        finally
        {
            waiter.Uninstall();
        }
        return waiter.Snapshot();
    }

    /// <summary>Awaitable twin of <see cref="Wait"/>. Python: <c>asyncio.wait</c> over wrapped futures.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<DoneAndNotDone> WaitAsync(IEnumerable<Future> futures, TimeSpan? timeout = null,
        ReturnWhen returnWhen = ReturnWhen.AllCompleted, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline.Start(timeout);
        var waiter = CompletionWaiter.Install(futures, returnWhen);
        try
        {
            await waiter.WaitSignalledAsync(deadline, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            waiter.Uninstall();
        }
        return waiter.Snapshot();
    }

    /// <summary>
    /// Yields the futures as they complete (finished or cancelled): those already done first, then in completion order;
    /// duplicates once. Lazy: it registers on the futures when enumeration starts.
    /// Python: <c>concurrent.futures.as_completed(fs, timeout=None)</c>.
    /// </summary>
    /// <param name="futures">The futures.</param>
    /// <param name="timeout">Total time allowed, measured from this call; null waits forever.</param>
    /// <exception cref="TimeoutException">
    /// Thrown by the enumerator when not all futures completed in time, with the message "N (of M) futures unfinished".
    /// </exception>
    public static IEnumerable<Future> AsCompleted(IEnumerable<Future> futures, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(futures);
        return AsCompletedIterator(futures, Deadline.Start(timeout));
    }

    /// <summary>
    /// Asynchronous twin of <see cref="AsCompleted"/>: the same order, the same timeout, plus cancellation.
    /// Python: <c>asyncio.as_completed</c>.
    /// </summary>
    public static IAsyncEnumerable<Future> AsCompletedAsync(IEnumerable<Future> futures, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(futures);
        return AsCompletedAsyncIterator(futures, Deadline.Start(timeout), cancellationToken);
    }

    private static IEnumerable<Future> AsCompletedIterator(IEnumerable<Future> futures, Deadline deadline)
    {
        var waiter = CompletionWaiter.Install(futures, ReturnWhen.FirstCompleted);
        try
        {
            var yielded = 0;
            while (yielded < waiter.All.Count)
            {
                var batch = waiter.TakeFinished();
                if (batch.Count == 0)
                {
                    if (!waiter.WaitSignalled(deadline)) throw Unfinished(waiter.All.Count - yielded, waiter.All.Count);
                    continue;
                }
                foreach (var future in batch)
                {
                    yielded++;
                    yield return future;
                }
            }
        }
        finally
        {
            waiter.Uninstall();
        }
    }

    private static async IAsyncEnumerable<Future> AsCompletedAsyncIterator(IEnumerable<Future> futures, Deadline deadline,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var waiter = CompletionWaiter.Install(futures, ReturnWhen.FirstCompleted);
        try
        {
            var yielded = 0;
            while (yielded < waiter.All.Count)
            {
                var batch = waiter.TakeFinished();
                if (batch.Count == 0)
                {
                    if (!await waiter.WaitSignalledAsync(deadline, cancellationToken).ConfigureAwait(false))
                        throw Unfinished(waiter.All.Count - yielded, waiter.All.Count);
                    continue;
                }
                foreach (var future in batch)
                {
                    yielded++;
                    yield return future;
                }
            }
        }
        finally
        {
            waiter.Uninstall();
        }
    }

    private static TimeoutException Unfinished(int unfinished, int total) =>
        new($"{unfinished} (of {total}) futures unfinished");
}
