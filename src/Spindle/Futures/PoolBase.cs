namespace Spindle;

/// <summary>
/// What every pool shares, whatever its workers are (Python: the unit-independent half of
/// <c>multiprocessing.pool.Pool</c>): the run/close/terminate states, chunking, result assembly, callbacks and
/// the star-map adapters. A subclass supplies the workers, the task queue and the result-handler thread.
/// </summary>
public abstract class PoolBase : IPool
{
    private readonly Lock _stateLock = new();
    private RunState _state;
    private readonly BrokenState _broken = new();
    private readonly List<Thread> _feeders = []; // Python's _task_handler, one per lazily fed IMap
    private int _feeding;

    private protected PoolBase(int processes) => Processes = processes;

    private enum RunState
    {
        Run,
        Close,
        Terminate,
    }

    /// <summary>How many workers run. Python: <c>Pool._processes</c>.</summary>
    public int Processes { get; }

    /// <summary>Whether the pool still accepts work (Python: <c>Pool._state == RUN</c>).</summary>
    internal bool IsRunning
    {
        get
        {
            lock (_stateLock) return _state == RunState.Run;
        }
    }

    /// <inheritdoc/>
    public T Apply<T>(Func<T> fn, CancellationToken cancellationToken = default) => ApplyAsync(fn, cancellationToken: cancellationToken).Get();

    /// <inheritdoc/>
    public AsyncResult<T> ApplyAsync<T>(Func<T> fn, Action<T>? callback = null, Action<Exception>? errorCallback = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fn);
        var future = new Future<T>();
        Schedule([new ApplyTask<T>(fn, future)], future, cancellationToken);
        AttachCallbacks(future, callback, errorCallback);
        return new AsyncResult<T>(future);
    }

    /// <inheritdoc/>
    public List<TResult> Map<TSource, TResult>(Func<TSource, TResult> fn, IEnumerable<TSource> items, int? chunkSize = null,
        IProgress<MapProgress>? progress = null, CancellationToken cancellationToken = default) =>
        MapAsync(fn, items, chunkSize, cancellationToken: cancellationToken, progress: progress).Get();

    /// <inheritdoc/>
    public AsyncResult<List<TResult>> MapAsync<TSource, TResult>(Func<TSource, TResult> fn, IEnumerable<TSource> items, int? chunkSize = null,
        Action<List<TResult>>? callback = null, Action<Exception>? errorCallback = null,
        IProgress<MapProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fn);
        ArgumentNullException.ThrowIfNull(items);
        // An array is chunked in place, as Python's map slices a list as it sends it (no copy of a million items).
        var array = items as TSource[] ?? [.. items];
        var size = chunkSize ?? DefaultChunkSize(array.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1, nameof(chunkSize));
        var future = new Future<List<TResult>>();
        var sink = WithProgress(new MapSink<TResult>(future, array.Length), progress, array.Length);
        Schedule(ChunkTask<TSource, TResult>.Split(fn, array, size, sink, cancellationToken), future, cancellationToken);
        if (array.Length == 0) future.TrySetResult([]);
        AttachCallbacks(future, callback, errorCallback);
        return new AsyncResult<List<TResult>>(future);
    }

    /// <inheritdoc/>
    public PoolResultIterator<TResult> IMap<TSource, TResult>(Func<TSource, TResult> fn, IEnumerable<TSource> items, int chunkSize = 1,
        IProgress<MapProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Iterate(fn, items, chunkSize, ordered: true, progress, cancellationToken);

    /// <inheritdoc/>
    public PoolResultIterator<TResult> IMapUnordered<TSource, TResult>(Func<TSource, TResult> fn, IEnumerable<TSource> items, int chunkSize = 1,
        IProgress<MapProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Iterate(fn, items, chunkSize, ordered: false, progress, cancellationToken);

    /// <inheritdoc/>
    public List<TResult> StarMap<T1, T2, TResult>(Func<T1, T2, TResult> fn, IEnumerable<(T1, T2)> items, int? chunkSize = null,
        IProgress<MapProgress>? progress = null, CancellationToken cancellationToken = default) =>
        StarMapAsync(fn, items, chunkSize, cancellationToken: cancellationToken, progress: progress).Get();

    /// <inheritdoc/>
    public List<TResult> StarMap<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> fn, IEnumerable<(T1, T2, T3)> items, int? chunkSize = null,
        IProgress<MapProgress>? progress = null, CancellationToken cancellationToken = default) =>
        StarMapAsync(fn, items, chunkSize, cancellationToken: cancellationToken, progress: progress).Get();

    /// <inheritdoc/>
    public AsyncResult<List<TResult>> StarMapAsync<T1, T2, TResult>(Func<T1, T2, TResult> fn, IEnumerable<(T1, T2)> items,
        int? chunkSize = null, Action<List<TResult>>? callback = null, Action<Exception>? errorCallback = null,
        IProgress<MapProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fn);
        return MapAsync<(T1, T2), TResult>(args => fn(args.Item1, args.Item2), items, chunkSize, callback, errorCallback, progress, cancellationToken);
    }

    /// <inheritdoc/>
    public AsyncResult<List<TResult>> StarMapAsync<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> fn, IEnumerable<(T1, T2, T3)> items,
        int? chunkSize = null, Action<List<TResult>>? callback = null, Action<Exception>? errorCallback = null,
        IProgress<MapProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fn);
        return MapAsync<(T1, T2, T3), TResult>(args => fn(args.Item1, args.Item2, args.Item3), items, chunkSize, callback, errorCallback,
            progress, cancellationToken);
    }

    /// <inheritdoc/>
    public void Close()
    {
        bool stop;
        lock (_stateLock)
        {
            if (_state == RunState.Run) _state = RunState.Close;
            stop = _feeding == 0; // else the last IMap feeder stops the workers once its items are queued
        }
        if (stop) StopAccepting();
    }

    /// <inheritdoc/>
    public void Terminate()
    {
        IReadOnlyList<PoolTask> dropped;
        lock (_stateLock)
        {
            _state = RunState.Terminate;
            dropped = DrainQueued();
        }
        foreach (var task in dropped) task.Abandon(Terminated());
        StopRunningWork();
        StopAccepting();
        JoinFeeders();
        JoinWorkers();
    }

    private static FutureCancelledException Terminated() => new("The pool was terminated before the task ran.");

    /// <inheritdoc/>
    public void Join()
    {
        ThrowIfRunning();
        JoinFeeders();
        JoinWorkers();
    }

    /// <inheritdoc/>
    public Task JoinAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfRunning();
        return WhenWorkersExited().WaitAsync(cancellationToken);
    }

    /// <summary>Terminates the pool. Python: <c>Pool.__exit__</c> calls <c>terminate()</c>.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Terminates the pool when <paramref name="disposing"/>. Python: <c>Pool.__exit__</c>.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing) Terminate();
    }

    /// <summary>Python's default map chunk size: <c>chunksize, extra = divmod(len, workers * 4); if extra: chunksize += 1</c>.</summary>
    internal int DefaultChunkSize(int length)
    {
        var chunkSize = Math.DivRem(length, Processes * 4, out var extra);
        return extra != 0 ? chunkSize + 1 : Math.Max(chunkSize, 1);
    }

    /// <summary>
    /// Marks the pool broken (a worker initializer failed): queued work and later submissions fail with
    /// <see cref="BrokenExecutorException"/>.
    /// </summary>
    private protected void MarkBroken(string reason, Exception? cause, Func<string, Exception?, BrokenExecutorException>? create = null)
    {
        IReadOnlyList<PoolTask> dropped;
        lock (_stateLock)
        {
            _broken.Mark(reason, cause, create);
            dropped = DrainQueued();
        }
        foreach (var task in dropped) task.Abandon(Broken());
    }

    private BrokenExecutorException Broken() => _broken.ToException();

    private PoolResultIterator<TResult> Iterate<TSource, TResult>(Func<TSource, TResult> fn, IEnumerable<TSource> items, int chunkSize, bool ordered,
        IProgress<MapProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fn);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        var iterator = new PoolResultIterator<TResult>(ordered);
        if (items is ICollection<TSource> or IReadOnlyCollection<TSource>)
        {
            var array = items as TSource[] ?? [.. items];
            iterator.Extend(array.Length);
            var sink = WithProgress(iterator, progress, array.Length);
            Schedule(ChunkTask<TSource, TResult>.Split(fn, array, chunkSize, sink, cancellationToken), null, default);
            iterator.EndFeeding();
        }
        else
        {
            StartFeeder(fn, items, chunkSize, iterator, WithProgress(iterator, progress, null), cancellationToken);
        }
        return iterator;
    }

    private IChunkSink<TResult> WithProgress<TResult>(IChunkSink<TResult> sink, IProgress<MapProgress>? progress, int? total) =>
        progress is null ? sink : new ProgressSink<TResult>(sink, progress, total, PostCallback);

    // A lazy source is read on its own thread, as Python's task handler reads imap's iterable: results stream out
    // while the source is still producing, and a slow or endless source never blocks the caller.
    private void StartFeeder<TSource, TResult>(Func<TSource, TResult> fn, IEnumerable<TSource> items, int chunkSize,
        PoolResultIterator<TResult> iterator, IChunkSink<TResult> sink, CancellationToken cancellationToken)
    {
        var feeder = new Thread(() => Feed(fn, items, chunkSize, iterator, sink, cancellationToken))
        {
            IsBackground = true,
            Name = $"{GetType().Name}-tasks",
        };
        lock (_stateLock)
        {
            ThrowIfNotAccepting();
            _feeding++;
            _feeders.RemoveAll(f => !f.IsAlive && f.ThreadState != ThreadState.Unstarted);
            _feeders.Add(feeder);
        }
        feeder.Start();
    }

    private void Feed<TSource, TResult>(Func<TSource, TResult> fn, IEnumerable<TSource> items, int chunkSize, PoolResultIterator<TResult> iterator,
        IChunkSink<TResult> sink, CancellationToken cancellationToken)
    {
        var fed = 0;
        try
        {
            foreach (var chunk in items.Chunk(chunkSize))
            {
                iterator.Extend(chunk.Length);
                var task = new ChunkTask<TSource, TResult>(fn, chunk, fed, sink, cancellationToken);
                fed += chunk.Length;
                if (cancellationToken.IsCancellationRequested)
                {
                    task.TryStart(); // delivers the cancellation at the chunk's place, and the source is read no further
                    break;
                }
                if (!TryFeed(task)) break;
            }
        }
#pragma warning disable CA1031 // Python: an exception from imap's iterable is delivered to the iterator, at its place
        catch (Exception ex)
#pragma warning restore CA1031
        {
            iterator.Extend(1);
            ((IChunkSink<TResult>)iterator).OnChunkFailed(fed, 1, ex);
        }
        finally
        {
            iterator.EndFeeding();
            bool stop;
            lock (_stateLock) stop = --_feeding == 0 && _state != RunState.Run;
            if (stop) StopAccepting();
        }
    }

    /// <summary>
    /// Queues a task of a feeder: allowed after Close (Python keeps feeding), refused after Terminate. A chunk that
    /// cannot be prepared (an item that cannot cross to a worker process) fails at its place and feeding goes on, as
    /// Python's task handler sets the job's error and goes on.
    /// </summary>
    private bool TryFeed(PoolTask task)
    {
        PoolTask prepared;
        try
        {
            prepared = Prepare(task);
        }
#pragma warning disable CA1031 // the chunk's own failure, delivered at its place
        catch (Exception ex)
#pragma warning restore CA1031
        {
            task.Abandon(ex);
            return true;
        }
        Exception reason;
        lock (_stateLock)
        {
            if (!_broken.IsBroken && _state != RunState.Terminate)
            {
                Enqueue(prepared);
                return true;
            }
            reason = _broken.IsBroken ? Broken() : Terminated();
        }
        task.Abandon(reason);
        return false;
    }

    private void JoinFeeders()
    {
        Thread[] feeders;
        lock (_stateLock) feeders = [.. _feeders];
        foreach (var feeder in feeders)
        {
            if (feeder != Thread.CurrentThread) feeder.Join();
        }
        lock (_stateLock) _feeders.RemoveAll(f => !f.IsAlive);
    }

    // Tasks are prepared before they are queued, so a call whose work cannot be prepared (a value that cannot cross to
    // a worker process) throws here with nothing queued. A token cancels the call's result while its work is pending.
    private void Schedule(List<PoolTask> tasks, Future? result, CancellationToken cancellationToken)
    {
        lock (_stateLock) ThrowIfNotAccepting();
        if (cancellationToken.IsCancellationRequested)
        {
            result?.Cancel();
            foreach (var task in tasks) task.TryStart(); // finds the cancellation and delivers it; nothing is queued
            return;
        }
        var prepared = tasks.ConvertAll(Prepare);
        // Armed before the work is queued: a worker that takes it after the token fires finds it cancelled.
        if (result is not null && cancellationToken.CanBeCanceled) result.CancelWhen(cancellationToken);
        lock (_stateLock)
        {
            ThrowIfNotAccepting();
            foreach (var task in prepared) Enqueue(task);
        }
    }

    private void ThrowIfNotAccepting()
    {
        if (_broken.IsBroken) throw Broken();
        if (_state != RunState.Run) throw new InvalidOperationException("Pool not running");
    }

    private void ThrowIfRunning()
    {
        lock (_stateLock)
        {
            if (_state == RunState.Run) throw new InvalidOperationException("Pool is still running");
        }
    }

    // Python's ApplyResult._set calls callback/error_callback from the result handler; here the worker that completes
    // the future only posts them, so a slow callback never holds back a worker or another result.
    private void AttachCallbacks<T>(Future<T> future, Action<T>? callback, Action<Exception>? errorCallback)
    {
        if (callback is null && errorCallback is null) return;
        future.AddDoneCallback(done => PostCallback(() =>
        {
            try
            {
                if (done.StoredException is { } error) errorCallback?.Invoke(error);
                else if (done.IsCancelled) errorCallback?.Invoke(new FutureCancelledException());
                else callback?.Invoke(done.Result());
            }
#pragma warning disable CA1031 // a failing callback is reported, never fatal (Python would kill its result handler)
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Future.ReportCallbackFailure(done, ex);
            }
        }));
    }

    /// <summary>
    /// Turns a task into what <see cref="Enqueue"/> queues, before the pool's state lock is taken: a pool whose workers are
    /// processes encodes the work here, so that what cannot cross is refused at the call. Threads queue the task itself.
    /// </summary>
    private protected virtual PoolTask Prepare(PoolTask task) => task;

    /// <summary>Terminate: stops the work that is running, where the workers allow it (processes can be killed, threads cannot).</summary>
    private protected virtual void StopRunningWork() { }

    /// <summary>Queues a task for the workers. Called under the pool's state lock.</summary>
    private protected abstract void Enqueue(PoolTask task);

    /// <summary>Removes and returns the tasks not yet started. Called under the pool's state lock.</summary>
    private protected abstract IReadOnlyList<PoolTask> DrainQueued();

    /// <summary>Runs a result callback on the pool's single result-handler thread, in the order posted.</summary>
    private protected abstract void PostCallback(Action callback);

    /// <summary>No more tasks will come: workers exit once the queue is empty.</summary>
    private protected abstract void StopAccepting();

    /// <summary>Waits for the workers, then for the result handler to run the last callbacks and exit.</summary>
    private protected abstract void JoinWorkers();

    /// <summary>Completes when the workers and the result handler have exited.</summary>
    private protected abstract Task WhenWorkersExited();
}
