namespace Spindle;

/// <summary>
/// A fixed set of workers that run calls and maps (Python: <c>multiprocessing.pool.Pool</c>, and with threads
/// <c>multiprocessing.dummy.Pool</c> / <c>multiprocessing.pool.ThreadPool</c>). Every execution unit's pool has exactly
/// this API. <c>Dispose</c> is <see cref="Terminate"/>, as Python's <c>with</c> block.
/// </summary>
public interface IPool : IDisposable
{
    /// <summary>Runs <paramref name="fn"/> on a worker and waits for its result. Python: <c>Pool.apply(func)</c>.</summary>
    /// <param name="fn">The work.</param>
    /// <param name="cancellationToken">Cancelling it before the work starts cancels it (it never runs; <see cref="FutureCancelledException"/>); it does not stop running work.</param>
    T Apply<T>(Func<T> fn, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs <paramref name="fn"/> on a worker. <paramref name="callback"/> gets the result, <paramref name="errorCallback"/>
    /// the exception, both on the pool's single result-handler thread. Python: <c>Pool.apply_async(func, callback, error_callback)</c>.
    /// </summary>
    /// <param name="fn">The work.</param>
    /// <param name="callback">Gets the result.</param>
    /// <param name="errorCallback">Gets the exception (a <see cref="FutureCancelledException"/> when the call was cancelled).</param>
    /// <param name="cancellationToken">Cancelling it before the work starts cancels the call: the work never runs (beyond Python).</param>
    /// <exception cref="InvalidOperationException">The pool was closed or terminated ("Pool not running").</exception>
    AsyncResult<T> ApplyAsync<T>(Func<T> fn, Action<T>? callback = null, Action<Exception>? errorCallback = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies <paramref name="fn"/> to every item and waits for the results, in order. Python: <c>Pool.map(func, iterable, chunksize=None)</c>.
    /// </summary>
    /// <param name="fn">The function.</param>
    /// <param name="items">The items.</param>
    /// <param name="chunkSize">Items per task; default as Python: <c>ceil(len / (workers * 4))</c>.</param>
    /// <param name="progress">Told how many items are done each time a chunk finishes, on the pool's result-handler thread (beyond Python).</param>
    /// <param name="cancellationToken">Chunks not started when it is cancelled never run; the map then fails with <see cref="FutureCancelledException"/>.</param>
    List<TResult> Map<TSource, TResult>(Func<TSource, TResult> fn, IEnumerable<TSource> items, int? chunkSize = null,
        IProgress<MapProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Asynchronous <see cref="Map{TSource, TResult}"/>. Python: <c>Pool.map_async(func, iterable, chunksize, callback, error_callback)</c>.</summary>
    AsyncResult<List<TResult>> MapAsync<TSource, TResult>(Func<TSource, TResult> fn, IEnumerable<TSource> items, int? chunkSize = null,
        Action<List<TResult>>? callback = null, Action<Exception>? errorCallback = null,
        IProgress<MapProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lazy map: results in input order, as they arrive. Python: <c>Pool.imap(func, iterable, chunksize=1)</c>.
    /// A collection is queued at once; any other sequence is read on a feeder thread (Python's task handler), so results
    /// stream out while it is still producing, and an exception it throws is raised at its place by the iterator.
    /// Chunks not started when <paramref name="cancellationToken"/> is cancelled never run: each raises
    /// <see cref="FutureCancelledException"/> at its place. <paramref name="progress"/> is told as chunks finish.
    /// </summary>
    PoolResultIterator<TResult> IMap<TSource, TResult>(Func<TSource, TResult> fn, IEnumerable<TSource> items, int chunkSize = 1,
        IProgress<MapProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lazy map: results in completion order. Python: <c>Pool.imap_unordered(func, iterable, chunksize=1)</c>.
    /// Sources are read, cancelled and reported as for <see cref="IMap{TSource, TResult}"/>.
    /// </summary>
    PoolResultIterator<TResult> IMapUnordered<TSource, TResult>(Func<TSource, TResult> fn, IEnumerable<TSource> items, int chunkSize = 1,
        IProgress<MapProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Map over argument pairs (cancellation and progress as <see cref="Map{TSource, TResult}"/>). Python: <c>Pool.starmap(func, iterable, chunksize=None)</c>.</summary>
    List<TResult> StarMap<T1, T2, TResult>(Func<T1, T2, TResult> fn, IEnumerable<(T1, T2)> items, int? chunkSize = null,
        IProgress<MapProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Map over argument triples (cancellation and progress as <see cref="Map{TSource, TResult}"/>). Python: <c>Pool.starmap(func, iterable, chunksize=None)</c>.</summary>
    List<TResult> StarMap<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> fn, IEnumerable<(T1, T2, T3)> items, int? chunkSize = null,
        IProgress<MapProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Asynchronous <c>StarMap</c> over pairs. Python: <c>Pool.starmap_async(func, iterable, chunksize, callback, error_callback)</c>.</summary>
    AsyncResult<List<TResult>> StarMapAsync<T1, T2, TResult>(Func<T1, T2, TResult> fn, IEnumerable<(T1, T2)> items, int? chunkSize = null,
        Action<List<TResult>>? callback = null, Action<Exception>? errorCallback = null,
        IProgress<MapProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Asynchronous <c>StarMap</c> over triples. Python: <c>Pool.starmap_async(func, iterable, chunksize, callback, error_callback)</c>.</summary>
    AsyncResult<List<TResult>> StarMapAsync<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> fn, IEnumerable<(T1, T2, T3)> items,
        int? chunkSize = null, Action<List<TResult>>? callback = null, Action<Exception>? errorCallback = null,
        IProgress<MapProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Accepts no more work; workers exit once the queued work is done. Python: <c>Pool.close()</c>.</summary>
    void Close();

    /// <summary>
    /// Stops now: queued work is dropped (its results raise <see cref="FutureCancelledException"/>), then the workers
    /// exit — worker threads after their running work (threads cannot be killed), worker processes at once (killed;
    /// their running work raises <see cref="FutureCancelledException"/> too). Python: <c>Pool.terminate()</c>.
    /// </summary>
    void Terminate();

    /// <summary>Waits for the workers and the result handler to exit. Python: <c>Pool.join()</c>.</summary>
    /// <exception cref="InvalidOperationException">Neither <see cref="Close"/> nor <see cref="Terminate"/> was called ("Pool is still running").</exception>
    void Join();

    /// <summary>Awaitable twin of <see cref="Join"/>.</summary>
    Task JoinAsync(CancellationToken cancellationToken = default);
}
