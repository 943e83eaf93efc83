using Spindle.Threading;

namespace Spindle.Broker;

/// <summary>
/// The local executors a <see cref="BrokerWorker"/> runs its tasks on, created on first use: one per distinct task
/// timeout, since a pool that kills an overrunning task with its worker process does so for one timeout.
/// </summary>
internal sealed class LocalRunners(Func<int, TimeSpan?, IExecutor> create, int concurrency) : IDisposable
{
    /// <summary>
    /// The default: a thread pool of <c>concurrency</c> threads. A thread that overruns its timeout cannot be stopped:
    /// its task fails with <see cref="TimeoutException"/> at once and the thread finishes it in the background.
    /// </summary>
    // Issue 5's ProcessPoolExecutor replaces this (one line): new ProcessPoolExecutor(concurrency, taskTimeout: timeout).
    public static readonly Func<int, TimeSpan?, IExecutor> Default = static (concurrency, _) => new ThreadPoolExecutor(concurrency, "spindle-worker");

    private readonly Lock _gate = new();
    private readonly Dictionary<long, IExecutor> _runners = [];
    private readonly List<IExecutor> _retired = [];

    /// <summary>The executor for tasks of this timeout.</summary>
    public IExecutor For(TimeSpan? timeout)
    {
        var key = timeout?.Ticks ?? -1;
        lock (_gate)
        {
            if (!_runners.TryGetValue(key, out var runner)) _runners[key] = runner = create(concurrency, timeout);
            return runner;
        }
    }

    /// <summary>Retires a broken executor (a process pool whose worker died): the next task of its timeout gets a fresh one.</summary>
    public void Replace(IExecutor broken)
    {
        lock (_gate)
        {
            foreach (var (key, runner) in _runners)
            {
                if (!ReferenceEquals(runner, broken)) continue;
                _runners.Remove(key);
                _retired.Add(broken);
                return;
            }
        }
    }

    /// <summary>Shuts every executor down, waiting for the tasks they run.</summary>
    public void Dispose()
    {
        IExecutor[] all;
        lock (_gate)
        {
            all = [.. _runners.Values, .. _retired];
            _runners.Clear();
            _retired.Clear();
        }
        foreach (var runner in all) runner.Shutdown(wait: true);
    }
}
