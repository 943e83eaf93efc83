using System.Runtime.CompilerServices;

namespace Spindle;

/// <summary>
/// The pending result of a pool call (Python: <c>multiprocessing.pool.AsyncResult</c>), a view over a
/// <see cref="Future{T}"/> so pools and executors share one completion mechanism. Awaitable.
/// </summary>
/// <typeparam name="T">The result type.</typeparam>
public sealed class AsyncResult<T>
{
    /// <summary>Wraps a future. Python: <c>ApplyResult(pool, callback, error_callback)</c>.</summary>
    public AsyncResult(Future<T> future)
    {
        ArgumentNullException.ThrowIfNull(future);
        Future = future;
    }

    /// <summary>The future underneath, for <see cref="Futures.Wait"/> and <see cref="Futures.AsCompleted"/> (Python keeps an <c>Event</c> instead).</summary>
    public Future<T> Future { get; }

    /// <summary>Whether the call has completed. Python: <c>AsyncResult.ready()</c>.</summary>
    public bool Ready => Future.IsDone;

    /// <summary>Whether the call completed without raising. Python: <c>AsyncResult.successful()</c>.</summary>
    /// <exception cref="InvalidOperationException">The result is not ready (Python: <c>ValueError</c>).</exception>
    public bool Successful
    {
        get
        {
            if (!Ready) throw new InvalidOperationException($"{Future} not ready");
            return !Future.IsCancelled && Future.StoredException is null;
        }
    }

    /// <summary>
    /// Waits for the result and returns it, or rethrows the task's exception with its type and stack trace.
    /// Python: <c>AsyncResult.get(timeout=None)</c>.
    /// </summary>
    /// <exception cref="TimeoutException">The result did not arrive in time (Python: <c>multiprocessing.TimeoutError</c>).</exception>
    public T Get(TimeSpan? timeout = null) => Future.Result(timeout);

    /// <summary>Awaitable twin of <see cref="Get"/>. Python: <c>AsyncResult.get()</c>, awaited.</summary>
    public Task<T> GetAsync(CancellationToken cancellationToken = default) => Future.AsTask().WaitAsync(cancellationToken);

    /// <summary>
    /// Waits until the result is ready or the timeout elapses. Python: <c>AsyncResult.wait(timeout=None)</c>
    /// (which returns None; here the return says whether it is ready).
    /// </summary>
    public bool Wait(TimeSpan? timeout = null) => Future.WaitDone(timeout);

    /// <summary>Awaitable twin of <see cref="Wait"/>. Python: <c>AsyncResult.wait(timeout)</c>, awaited.</summary>
    public Task<bool> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Future.WaitDoneAsync(timeout, cancellationToken);

    /// <summary>Lets <c>await result</c> work: the same outcomes as <see cref="Get"/> (Python: <c>get()</c>).</summary>
    public TaskAwaiter<T> GetAwaiter() => Future.GetAwaiter();
}
