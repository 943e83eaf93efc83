namespace Spindle;

/// <summary>
/// Runs callables asynchronously and hands back futures, on threads, processes, a hub or a broker
/// (Python: <c>concurrent.futures.Executor</c>). <c>Dispose</c> is <c>Shutdown(wait: true)</c>, as Python's <c>with</c> block.
/// </summary>
public interface IExecutor : IDisposable
{
    /// <summary>
    /// Schedules <paramref name="fn"/> and returns its future. Python: <c>Executor.submit(fn, /, *args, **kwargs)</c>.
    /// </summary>
    /// <param name="fn">The work.</param>
    /// <param name="cancellationToken">Cancelling it while the work is pending cancels the future; the work never starts.</param>
    /// <exception cref="InvalidOperationException">The executor was shut down ("cannot schedule new futures after shutdown").</exception>
    /// <exception cref="BrokenExecutorException">The executor is broken (a worker initializer failed).</exception>
    Future<T> Submit<T>(Func<T> fn, CancellationToken cancellationToken = default);

    /// <summary>Schedules an action; the future's result is null (Python's <c>None</c>). Python: <c>Executor.submit(fn)</c>.</summary>
    Future<object?> Submit(Action fn, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies <paramref name="fn"/> to every item: all items are submitted now (or, with <paramref name="bufferSize"/>,
    /// as results are taken), results are yielded lazily in order.
    /// Python: <c>Executor.map(fn, *iterables, timeout=None, chunksize=1, buffersize=None)</c>.
    /// </summary>
    /// <param name="fn">The function.</param>
    /// <param name="source">The items, read completely by this call — unless the work in flight is bounded (<paramref name="bufferSize"/>, or a broker executor's own bound), when they are read as results are consumed.</param>
    /// <param name="timeout">Total time allowed, measured from this call; the enumerator throws <see cref="TimeoutException"/> when it passes.</param>
    /// <param name="chunkSize">Items per submitted work item (at least 1).</param>
    /// <param name="progress">Told how many items are done as work items finish (beyond Python), from the thread that finishes them.</param>
    /// <param name="bufferSize">
    /// At most this many work items (of <paramref name="chunkSize"/> items each) submitted and not yet yielded: the call
    /// submits the first ones, and each result taken submits the next, so an endless source can be mapped. Null submits
    /// everything now. Python 3.14: <c>buffersize</c>.
    /// </param>
    /// <param name="cancellationToken">Cancels the work items still pending.</param>
    /// <remarks>
    /// An item's exception is thrown when its result is reached. Disposing the enumerator early (break) cancels
    /// the work items not yet started.
    /// </remarks>
    IEnumerable<TResult> Map<TSource, TResult>(Func<TSource, TResult> fn, IEnumerable<TSource> source, TimeSpan? timeout = null,
        int chunkSize = 1, IProgress<MapProgress>? progress = null, int? bufferSize = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stops accepting work and releases the workers once the queued work is done. Python: <c>Executor.shutdown(wait=True, *, cancel_futures=False)</c>.
    /// </summary>
    /// <param name="wait">Block until all queued work has run and the workers have exited.</param>
    /// <param name="cancelFutures">Cancel the work that has not started.</param>
    void Shutdown(bool wait = true, bool cancelFutures = false);
}
