using Spindle.Pools;

namespace Spindle.Broker;

/// <summary>
/// The local executors a <see cref="BrokerWorker"/> runs its tasks on, created on first use: one per distinct task
/// timeout, since the executor enforces the timeout (a process pool kills an overrunning task with its process) and a
/// pool has one.
/// </summary>
internal sealed class LocalRunners(Func<int, TimeSpan?, IExecutor> create, int concurrency) : IDisposable
{
    /// <summary>
    /// The default: a <see cref="ProcessPoolExecutor"/> of <c>concurrency</c> worker processes, which kills a task that
    /// overruns its timeout with its process (<see cref="TimeoutException"/>) and replaces the process.
    /// </summary>
    public static readonly Func<int, TimeSpan?, IExecutor> Default = static (concurrency, timeout) => new ProcessPoolExecutor(concurrency, taskTimeout: timeout);

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
