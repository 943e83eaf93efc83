namespace Spindle.Threading;

/// <summary>
/// An executor that runs work on a pool of background threads (Python: <c>concurrent.futures.ThreadPoolExecutor</c>).
/// Threads start lazily, one per submit while none is idle and fewer than <see cref="MaxWorkers"/> run, and are reused.
/// </summary>
/// <example>
/// <code>
/// using var pool = new ThreadPoolExecutor(maxWorkers: 5);
/// var futures = Enumerable.Range(0, 10).Select(i => pool.Submit(() => i * i)).ToList();
/// foreach (var f in Futures.AsCompleted(futures)) Console.WriteLine(((Future&lt;int&gt;)f).Result());
/// </code>
/// </example>
public sealed class ThreadPoolExecutor : ExecutorBase
{
    private static int s_counter = -1;

    private readonly WorkQueue<IWorkItem> _queue = new();
    private readonly List<SpindleThread> _threads = [];
    private readonly string _threadNamePrefix;
    private readonly Action? _initializer;
    private readonly Action _onIdle;
    private int _idle; // Python's _idle_semaphore: a submit that can take one starts no thread
    private volatile bool _full; // all MaxWorkers threads started: submits skip the thread bookkeeping

    /// <summary>
    /// Creates the executor. Python: <c>ThreadPoolExecutor(max_workers=None, thread_name_prefix='', initializer=None)</c>.
    /// </summary>
    /// <param name="maxWorkers">Most threads to run; default <c>min(32, ProcessorCount + 4)</c>.</param>
    /// <param name="threadNamePrefix">Threads are named <c>{prefix}_{n}</c>; default <c>ThreadPoolExecutor-{k}</c>.</param>
    /// <param name="initializer">Runs first on every worker thread; if it throws, the executor is broken.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxWorkers"/> is less than 1.</exception>
    public ThreadPoolExecutor(int? maxWorkers = null, string threadNamePrefix = "", Action? initializer = null)
    {
        ArgumentNullException.ThrowIfNull(threadNamePrefix);
        if (maxWorkers is { } max) ArgumentOutOfRangeException.ThrowIfLessThan(max, 1, nameof(maxWorkers));
        MaxWorkers = maxWorkers ?? Math.Min(32, Environment.ProcessorCount + 4);
        _threadNamePrefix = threadNamePrefix.Length > 0
            ? threadNamePrefix
            : $"ThreadPoolExecutor-{Interlocked.Increment(ref s_counter)}";
        _initializer = initializer;
        _onIdle = () =>
        {
            if (!_full) Interlocked.Increment(ref _idle);
        };
    }

    /// <summary>Most threads this executor runs. Python: <c>ThreadPoolExecutor._max_workers</c>.</summary>
    public int MaxWorkers { get; }

    /// <summary>How many worker threads were started so far. Python: <c>len(ThreadPoolExecutor._threads)</c>.</summary>
    public int ThreadCount
    {
        get
        {
            lock (_threads) return _threads.Count;
        }
    }

    private protected override void Enqueue(IWorkItem item)
    {
        _queue.Add(item);
        AdjustThreadCount();
    }

    // Python's _adjust_thread_count: an idle worker will take the item; otherwise start one if below the maximum.
    private void AdjustThreadCount()
    {
        if (_full) return;
        var idle = Volatile.Read(ref _idle);
        while (idle > 0)
        {
            var seen = Interlocked.CompareExchange(ref _idle, idle - 1, idle);
            if (seen == idle) return;
            idle = seen;
        }
        lock (_threads)
        {
            if (_threads.Count >= MaxWorkers) return;
            // Workers are Spindle threads, as Python's are threading.Thread: Threads.Current names them, Enumerate lists them.
            var thread = new SpindleThread(Work, $"{_threadNamePrefix}_{_threads.Count}", daemon: true);
            _threads.Add(thread);
            _full = _threads.Count == MaxWorkers;
            thread.Start();
        }
    }

    private void Work()
    {
        if (_initializer is not null)
        {
            try
            {
                _initializer();
            }
#pragma warning disable CA1031 // Python: a failing initializer breaks the pool; the cause travels as InnerException
            catch (Exception ex)
#pragma warning restore CA1031
            {
                MarkBroken("A thread initializer failed, the thread pool is not usable anymore", ex);
                return;
            }
        }
        while (_queue.TryTake(out var item, _onIdle)) item.Run();
    }

    private protected override IReadOnlyList<IWorkItem> DrainQueued() => _queue.Drain();

    private protected override void StopWorkers(bool wait)
    {
        _queue.Close();
        if (!wait) return;
        SpindleThread[] threads;
        lock (_threads) threads = [.. _threads];
        foreach (var thread in threads)
        {
            if (thread != Threads.Current) thread.Join();
        }
    }
}
