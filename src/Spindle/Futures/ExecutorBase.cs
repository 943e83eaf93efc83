namespace Spindle;

/// <summary>
/// What every executor shares, whatever runs the work (Python: <c>concurrent.futures._base.Executor</c> plus the
/// submit/shutdown bookkeeping of <c>thread.py</c>): the shutdown and broken states, <see cref="Submit{T}"/>
/// over a queue the subclass owns, and <see cref="Map{TSource, TResult}"/> with chunking over submit.
/// </summary>
public abstract class ExecutorBase : IExecutor
{
    private readonly Lock _stateLock = new();
    private bool _shutdown;
    private readonly BrokenState _broken = new();

    private protected ExecutorBase() { }

    /// <summary>Whether <see cref="Shutdown"/> was called. Python: <c>Executor._shutdown</c>.</summary>
    public bool IsShutdown
    {
        get
        {
            lock (_stateLock) return _shutdown;
        }
    }

    /// <summary>Whether the executor is broken (Python: <c>Executor._broken</c>).</summary>
    public bool IsBroken
    {
        get
        {
            lock (_stateLock) return _broken.IsBroken;
        }
    }

    /// <inheritdoc/>
    public Future<T> Submit<T>(Func<T> fn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fn);
        var item = new WorkItem<T>(fn);
        Schedule(item, cancellationToken);
        return item;
    }

    /// <summary>
    /// Queues a work item (Python: the body of <c>submit</c>): refused when shut down or broken, prepared (see
    /// <see cref="Prepare"/>) before the state lock is taken, cancelled at once by an already cancelled token.
    /// </summary>
    private protected void Schedule(IWorkItem item, CancellationToken cancellationToken)
    {
        lock (_stateLock) ThrowIfNotAccepting(); // Python checks before pickling: a closed executor says so first
        if (cancellationToken.IsCancellationRequested)
        {
            item.Future.Cancel();
            return;
        }
        var prepared = Prepare(item);
        lock (_stateLock)
        {
            ThrowIfNotAccepting();
            Enqueue(prepared);
        }
        if (cancellationToken.CanBeCanceled) item.Future.CancelWhen(cancellationToken);
    }

    /// <inheritdoc/>
    public Future<object?> Submit(Action fn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fn);
        return Submit<object?>(() =>
        {
            fn();
            return null;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public IEnumerable<TResult> Map<TSource, TResult>(Func<TSource, TResult> fn, IEnumerable<TSource> source, TimeSpan? timeout = null,
        int chunkSize = 1, IProgress<MapProgress>? progress = null, int? bufferSize = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fn);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        if (bufferSize is { } asked) ArgumentOutOfRangeException.ThrowIfLessThan(asked, 1, nameof(bufferSize));
        var deadline = Deadline.Start(timeout);
        if ((bufferSize ?? MapBufferSize) is { } buffer)
            return StreamedMap.Run(source.Chunk(chunkSize), chunk => SubmitChunk(fn, chunk, cancellationToken), buffer, deadline, progress);
        if (chunkSize == 1 && !ShipsFunctions)
        {
            var futures = new List<Future<TResult>>();
            foreach (var item in source) futures.Add(Submit(() => fn(item), cancellationToken));
            ReportProgress(futures, progress, static _ => 1);
            return ResultsInOrder<TResult, TResult>(futures, deadline, static result => [result]);
        }
        var chunks = new List<Future<TResult[]>>();
        var sizes = new Dictionary<Future, int>();
        foreach (var chunk in source.Chunk(chunkSize))
        {
            var future = SubmitChunk(fn, chunk, cancellationToken);
            chunks.Add(future);
            sizes[future] = chunk.Length;
        }
        ReportProgress(chunks, progress, future => sizes[future]);
        return ResultsInOrder(chunks, deadline, static results => results);
    }

    /// <summary>
    /// Reports the items of finished futures as they finish, in the done-callbacks (on the thread that completes them,
    /// as every done-callback runs); reports only grow, and the last one is the final count.
    /// </summary>
    private static void ReportProgress<TUnit>(List<Future<TUnit>> futures, IProgress<MapProgress>? progress, Func<Future, int> items)
    {
        if (progress is null) return;
        var total = 0;
        foreach (var future in futures) total += items(future);
        var completed = 0;
        var gate = new Lock();
        foreach (var future in futures)
        {
            var count = items(future);
            future.AddDoneCallback(_ =>
            {
                lock (gate)
                {
                    completed += count;
                    progress.Report(new MapProgress(completed, total));
                }
            });
        }
    }

    /// <summary>
    /// Whether <see cref="SubmitChunk"/> sends the function apart from the items (once per worker), so that even single
    /// items are best mapped as chunks of one rather than as a closure each.
    /// </summary>
    private protected virtual bool ShipsFunctions => false;

    /// <summary>
    /// How many work items <see cref="Map{TSource, TResult}"/> keeps submitted and not yet yielded when its caller sets
    /// no <c>bufferSize</c>; null (the default) submits every item at once, as Python does. An executor whose work goes to a shared queue (a broker) bounds it, so
    /// that a long map neither floods the queue nor holds every result: the source is then read as results are consumed
    /// (Python 3.14: <c>Executor.map(..., buffersize=N)</c>).
    /// </summary>
    private protected virtual int? MapBufferSize => null;

    /// <summary>
    /// Submits one chunk of a <see cref="Map{TSource, TResult}"/> (Python: <c>process._process_chunk</c>).
    /// An executor that ships work elsewhere overrides this to send <paramref name="fn"/> and the items apart.
    /// </summary>
    private protected virtual Future<TResult[]> SubmitChunk<TSource, TResult>(Func<TSource, TResult> fn, TSource[] chunk,
        CancellationToken cancellationToken) =>
        Submit(() => Array.ConvertAll(chunk, item => fn(item)), cancellationToken);

    // Python's result_iterator: each result with the time left; cancel the rest when the consumer stops or a result throws.
    private static IEnumerable<TResult> ResultsInOrder<TUnit, TResult>(List<Future<TUnit>> futures, Deadline deadline,
        Func<TUnit, IEnumerable<TResult>> expand)
    {
        var next = 0;
        try
        {
            for (; next < futures.Count; next++)
            {
                var future = futures[next];
                TUnit unit;
                try
                {
                    unit = future.Result(deadline.RemainingOrNull);
                }
                finally
                {
                    future.Cancel(); // Python's _result_or_cancel: a timed-out future must not run for nothing
                }
                foreach (var result in expand(unit)) yield return result;
            }
        }
        finally
        {
            for (var i = next; i < futures.Count; i++) futures[i].Cancel();
        }
    }

    /// <inheritdoc/>
    public void Shutdown(bool wait = true, bool cancelFutures = false)
    {
        IReadOnlyList<IWorkItem> dropped = [];
        lock (_stateLock)
        {
            _shutdown = true;
            if (cancelFutures) dropped = DrainQueued();
        }
        foreach (var item in dropped) item.Future.Cancel();
        StopWorkers(wait);
    }

    /// <summary>Disposes the executor: <c>Shutdown(wait: true)</c>. Python: <c>Executor.__exit__</c>.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Shuts down and waits when <paramref name="disposing"/>. Python: <c>Executor.__exit__</c>.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing) Shutdown(wait: true);
    }

    /// <summary>
    /// Marks the executor broken: queued work fails with <see cref="BrokenExecutorException"/>, later submits throw it.
    /// Python: <c>ThreadPoolExecutor._initializer_failed</c>.
    /// </summary>
    private protected void MarkBroken(string reason, Exception? cause, Func<string, Exception?, BrokenExecutorException>? create = null)
    {
        IReadOnlyList<IWorkItem> dropped;
        lock (_stateLock)
        {
            _broken.Mark(reason, cause, create);
            dropped = DrainQueued();
        }
        foreach (var item in dropped) item.Fail(Broken());
    }

    private BrokenExecutorException Broken() => _broken.ToException();

    private void ThrowIfNotAccepting()
    {
        if (_broken.IsBroken) throw Broken();
        if (_shutdown) throw new InvalidOperationException("cannot schedule new futures after shutdown");
    }

    /// <summary>
    /// Turns a work item into what <see cref="Enqueue"/> queues, before the state lock is taken: an executor whose
    /// workers are processes encodes the work here, so that what cannot cross is refused by <c>Submit</c>. Threads queue the item itself.
    /// </summary>
    private protected virtual IWorkItem Prepare(IWorkItem item) => item;

    /// <summary>Queues a work item and makes sure a worker will run it. Called under the executor's state lock.</summary>
    private protected abstract void Enqueue(IWorkItem item);

    /// <summary>Removes and returns the work not yet started. Called under the executor's state lock.</summary>
    private protected abstract IReadOnlyList<IWorkItem> DrainQueued();

    /// <summary>Lets the workers exit once the queue is empty; with <paramref name="wait"/>, joins them.</summary>
    private protected abstract void StopWorkers(bool wait);
}
