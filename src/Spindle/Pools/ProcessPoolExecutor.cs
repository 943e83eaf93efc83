using System.Globalization;
using Spindle.Serialization;

namespace Spindle.Pools;

/// <summary>
/// An executor that runs work in worker processes (Python: <c>concurrent.futures.ProcessPoolExecutor</c>): the
/// <see cref="IExecutor"/> API of <see cref="Threading.ThreadPoolExecutor"/>, with futures that work with
/// <see cref="Futures.Wait"/> and <see cref="Futures.AsCompleted"/>. Workers start as work arrives, up to
/// <see cref="MaxWorkers"/>, and are reused.
/// </summary>
/// <remarks>
/// <para>As in Python, a worker that dies abruptly breaks the executor: every pending future fails with
/// <see cref="BrokenProcessPoolException"/> (its inner exception names the exit code or signal), later submits throw it,
/// and nothing hangs. Done-callbacks run on the executor's manager thread, as Python runs them on its management thread:
/// keep them short.</para>
/// <para>Beyond Python: with <c>taskTimeout</c>, a call that runs longer is killed with its worker and raises
/// <see cref="TimeoutException"/>; that death does not break the executor. Exceptions keep their type, with the remote
/// stack trace in a <see cref="Processes.RemoteException"/> as inner exception. What cannot cross to a worker is refused
/// by <c>Submit</c> with <see cref="NotTransferableException"/>.</para>
/// </remarks>
/// <example>
/// <code>
/// using var executor = new ProcessPoolExecutor();
/// executor.Submit(() => Environment.ProcessId).AddDoneCallback(f => Console.WriteLine(f.Result()));
/// </code>
/// </example>
public sealed class ProcessPoolExecutor : ExecutorBase
{
    private static int s_counter;

    private readonly WorkerGroup _group;

    /// <summary>
    /// Creates the executor; workers start with the first submits. Python:
    /// <c>ProcessPoolExecutor(max_workers=None, initializer=None, initargs=(), *, max_tasks_per_child=None)</c>.
    /// </summary>
    /// <param name="maxWorkers">Most worker processes; default <see cref="Environment.ProcessorCount"/>.</param>
    /// <param name="initializer">Runs first in every worker (arguments by capture); if it throws, the executor is broken.</param>
    /// <param name="maxTasksPerChild">A worker exits after this many tasks and a fresh process replaces it.</param>
    /// <param name="taskTimeout">Beyond Python: how long one call may run before it is killed with its worker (<see cref="TimeoutException"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">A count below 1 or a timeout not above zero (Python: <c>ValueError</c>).</exception>
    /// <exception cref="NotTransferableException">The initializer cannot cross to a worker process.</exception>
    public ProcessPoolExecutor(int? maxWorkers = null, Action? initializer = null, int? maxTasksPerChild = null, TimeSpan? taskTimeout = null)
    {
        MaxWorkers = PoolOptions.CheckCount(maxWorkers, nameof(maxWorkers));
        PoolOptions.Check(maxTasksPerChild, taskTimeout);
        PoolOptions.CheckInitializer(initializer);
        MaxTasksPerChild = maxTasksPerChild;
        TaskTimeout = taskTimeout;
        var name = string.Create(CultureInfo.InvariantCulture, $"ProcessPoolExecutor-{Interlocked.Increment(ref s_counter)}");
        _group = new WorkerGroup(new WorkerGroupOptions(name, MaxWorkers, initializer, maxTasksPerChild, taskTimeout,
            StartAll: false, BreakOnDeath: true,
            BrokenError: static (reason, cause) => new BrokenProcessPoolException(reason, cause),
            OnBroken: (reason, cause) => MarkBroken(reason, cause, static (r, c) => new BrokenProcessPoolException(r, c!))));
    }

    /// <summary>Most worker processes. Python: <c>ProcessPoolExecutor._max_workers</c>.</summary>
    public int MaxWorkers { get; }

    /// <summary>Tasks after which a worker is replaced, or null. Python: <c>_max_tasks_per_child</c>.</summary>
    public int? MaxTasksPerChild { get; }

    /// <summary>How long one call may run before its worker is killed, or null (beyond Python).</summary>
    public TimeSpan? TaskTimeout { get; }

    /// <summary>The pids of the worker processes now (Python: <c>executor._processes.keys()</c>).</summary>
    public IReadOnlyList<int> WorkerPids => _group.Pids;

    /// <summary>
    /// Shuts the executor down without waiting, cancelling the work not started, and sends SIGTERM to every worker
    /// process. The work they were running fails with <see cref="BrokenProcessPoolException"/>; later submits throw.
    /// Python 3.14: <c>ProcessPoolExecutor.terminate_workers()</c>.
    /// </summary>
    public void TerminateWorkers() => ForceShutdown(Native.Libc.SIGTERM);

    /// <summary>
    /// As <see cref="TerminateWorkers"/>, with SIGKILL, for workers that would not stop on SIGTERM.
    /// Python 3.14: <c>ProcessPoolExecutor.kill_workers()</c>.
    /// </summary>
    public void KillWorkers() => ForceShutdown(Native.Libc.SIGKILL);

    private void ForceShutdown(int signal)
    {
        // Python's order: shut down first, so the deaths that follow start nothing new in their place.
        Shutdown(wait: false, cancelFutures: true);
        _group.SignalWorkers(signal);
    }

    private protected override bool ShipsFunctions => true;

    private protected override Future<TResult[]> SubmitChunk<TSource, TResult>(Func<TSource, TResult> fn, TSource[] chunk,
        CancellationToken cancellationToken)
    {
        var item = new ChunkWorkItem<TSource, TResult>(fn, chunk);
        Schedule(item, cancellationToken);
        return item;
    }

    private protected override IWorkItem Prepare(IWorkItem item)
    {
        var remote = item is IRemoteChunk chunk ? chunk.ToRemote() : new RemoteCall(item);
        var prepared = new PreparedItem(item, remote);
        remote.Origin = prepared;
        return prepared;
    }

    private protected override void Enqueue(IWorkItem item) => _group.Add(((PreparedItem)item).Remote);

    private protected override IReadOnlyList<IWorkItem> DrainQueued() => _group.DrainQueued().ConvertAll(remote => (IWorkItem)remote.Origin!);

    private protected override void StopWorkers(bool wait)
    {
        _group.Stop();
        if (wait) _group.Join();
    }

    /// <summary>A queued work item and its encoded form.</summary>
    private sealed class PreparedItem(IWorkItem origin, RemoteTask remote) : IWorkItem
    {
        public RemoteTask Remote => remote;

        public Future Future => origin.Future;

        public Delegate? Function => origin.Function;

        public void Run() => throw new InvalidOperationException("This work item runs in a worker process.");

        public void Fail(Exception reason) => origin.Fail(reason);

        public bool TryComplete(object? result) => origin.TryComplete(result);
    }

    private interface IRemoteChunk
    {
        RemoteTask ToRemote();
    }

    /// <summary>One chunk of <see cref="ExecutorBase.Map{TSource, TResult}"/>: its future, and the function and items sent apart.</summary>
    private sealed class ChunkWorkItem<TSource, TResult>(Func<TSource, TResult> fn, TSource[] chunk)
        : Future<TResult[]>, IWorkItem, IChunkTarget<TResult>, IRemoteChunk
    {
        public Future Future => this;

        public Delegate? Function => fn;

        public RemoteTask ToRemote() => new RemoteChunk<TSource, TResult>(fn, chunk, this);

        public void Run() => throw new InvalidOperationException("This work item runs in a worker process.");

        public bool TryStart() => SetRunningOrNotifyCancel();

        public void Complete(ReadOnlySpan<TResult> results) => TrySetResult(results.ToArray());

        public void Fail(Exception reason) => TrySetException(reason);

        public bool TryComplete(object? result) => TrySetResult((TResult[])result!);
    }
}
