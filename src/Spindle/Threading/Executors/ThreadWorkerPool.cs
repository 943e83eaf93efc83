namespace Spindle.Threading;

/// <summary>
/// A pool of worker threads with the process pool's API (Python: <c>multiprocessing.dummy.Pool</c> /
/// <c>multiprocessing.pool.ThreadPool</c>). Workers start at once; callbacks run on one result-handler thread.
/// </summary>
/// <example>
/// <code>
/// using var pool = new ThreadWorkerPool(4);
/// var squares = pool.Map(x => x * x, Enumerable.Range(0, 10));
/// </code>
/// </example>
public sealed class ThreadWorkerPool : PoolBase
{
    private static int s_poolCounter = -1;

    private readonly WorkQueue<PoolTask> _queue = new();
    private readonly List<SpindleThread> _workers = []; // live ones, plus retired ones not yet joined by their successor
    private readonly string _name;
    private readonly Action? _initializer;
    private readonly int? _maxTasksPerChild;
    private readonly CallbackDispatcher _dispatcher;
    private int _workerCounter;
    private int _running;    // workers that have not exited for good (a replaced worker hands its place on)
    private bool _stopping;  // no more tasks will come

    /// <summary>
    /// Creates the pool and starts its workers. Python: <c>multiprocessing.dummy.Pool(processes=None, initializer=None, maxtasksperchild=None)</c>.
    /// </summary>
    /// <param name="processes">Worker threads; default <see cref="Environment.ProcessorCount"/>.</param>
    /// <param name="initializer">Runs first on every worker thread; if it throws, the pool is broken and its work fails with <see cref="BrokenExecutorException"/>.</param>
    /// <param name="maxTasksPerChild">A worker thread is replaced by a fresh one after this many tasks; null keeps workers for the pool's life.</param>
    public ThreadWorkerPool(int? processes = null, Action? initializer = null, int? maxTasksPerChild = null)
        : base(ValidateProcesses(processes))
    {
        if (maxTasksPerChild is { } max) ArgumentOutOfRangeException.ThrowIfLessThan(max, 1, nameof(maxTasksPerChild));
        _name = $"ThreadWorkerPool-{Interlocked.Increment(ref s_poolCounter)}";
        _initializer = initializer;
        _maxTasksPerChild = maxTasksPerChild;
        _dispatcher = new CallbackDispatcher($"{_name}-results");
        lock (_workers)
        {
            for (var i = 0; i < Processes; i++) StartWorkerLocked(predecessor: null);
        }
    }

    private static int ValidateProcesses(int? processes)
    {
        if (processes is { } count) ArgumentOutOfRangeException.ThrowIfLessThan(count, 1, nameof(processes));
        return processes ?? Environment.ProcessorCount;
    }

    private void StartWorkerLocked(SpindleThread? predecessor)
    {
        var thread = new SpindleThread(() => Work(predecessor), $"{_name}_{_workerCounter++}", daemon: true);
        _workers.Add(thread);
        if (predecessor is null) _running++;
        thread.Start();
    }

    private void Work(SpindleThread? predecessor)
    {
        if (predecessor is not null)
        {
            predecessor.Join(); // so that joining the live workers also covers every retired one
            lock (_workers) _workers.Remove(predecessor);
        }
        if (_initializer is not null && !RunInitializer())
        {
            WorkerExited();
            return;
        }
        var completed = 0;
        while (_queue.TryTake(out var task))
        {
            task.Run();
            if (++completed == _maxTasksPerChild && TryRetire()) return;
        }
        WorkerExited();
    }

    private bool RunInitializer()
    {
        try
        {
            _initializer!();
            return true;
        }
#pragma warning disable CA1031 // a failing initializer breaks the pool; the cause travels as InnerException
        catch (Exception ex)
#pragma warning restore CA1031
        {
            MarkBroken("A thread initializer failed, the pool is not usable anymore", ex);
            return false;
        }
    }

    // Python's worker exits after maxtasksperchild tasks and _maintain_pool starts another; here the worker starts it.
    private bool TryRetire()
    {
        lock (_workers)
        {
            if (_stopping) return false;
            StartWorkerLocked(Threads.Current);
            return true;
        }
    }

    private void WorkerExited()
    {
        bool last;
        lock (_workers) last = --_running == 0 && _stopping;
        if (last) _dispatcher.Complete();
    }

    private protected override void Enqueue(PoolTask task) => _queue.Add(task);

    private protected override IReadOnlyList<PoolTask> DrainQueued() => _queue.Drain();

    private protected override void PostCallback(Action callback) => _dispatcher.Post(callback);

    private protected override void StopAccepting()
    {
        bool idle;
        lock (_workers)
        {
            _stopping = true;
            idle = _running == 0;
        }
        _queue.Close();
        if (idle) _dispatcher.Complete();
    }

    private protected override void JoinWorkers()
    {
        bool onWorker;
        lock (_workers) onWorker = _workers.Contains(Threads.Current);
        while (true)
        {
            SpindleThread[] workers;
            lock (_workers) workers = [.. _workers];
            if (workers.Length == 0) break;
            foreach (var worker in workers)
            {
                if (worker != Threads.Current) worker.Join();
            }
            lock (_workers)
            {
                foreach (var worker in workers)
                {
                    if (worker != Threads.Current) _workers.Remove(worker);
                }
                if (_workers.Count == 0 || _workers.TrueForAll(w => w == Threads.Current)) break;
            }
        }
        // A task that terminates its own pool cannot wait for the result handler: it waits for this very worker.
        if (!onWorker) _dispatcher.Join();
    }

    private protected override Task WhenWorkersExited() => _dispatcher.Exited;
}
