using System.Globalization;
using Spindle.Serialization;
using Spindle.Threading;

namespace Spindle.Pools;

/// <summary>
/// A pool of worker processes (Python: <c>multiprocessing.Pool</c>): the <see cref="IPool"/> API of
/// <see cref="ThreadWorkerPool"/>, with each call run in one of <see cref="PoolBase.Processes"/> long-lived child
/// processes, so CPU-bound work runs on every core and a crash stays in its process. Callbacks run in this process,
/// on the pool's result-handler thread.
/// </summary>
/// <remarks>
/// <para>What a call sends must cross a process boundary (see <see cref="ValueCodec"/>): a lambda crosses with the
/// captured variables it reads. What cannot cross is refused at the call with <see cref="NotTransferableException"/>.
/// A map of primitives sends its items and results as raw blocks, and the worker decodes the function once.</para>
/// <para>Beyond Python: a worker that dies (a crash, a signal, <c>Environment.Exit</c>) fails only the task it was running,
/// with a <see cref="WorkerDiedException"/> naming the exit code or signal; the tasks it had not started run on the
/// others and a fresh worker takes its place. With <c>taskTimeout</c>, a call that runs longer is killed with its worker
/// and raises <see cref="TimeoutException"/>. Calls and maps take a <see cref="CancellationToken"/>, maps an
/// <see cref="IProgress{T}"/>. Exceptions keep their type, with the remote stack trace in a <see cref="Processes.RemoteException"/>
/// as inner exception (Python's <c>RemoteTraceback</c>).</para>
/// </remarks>
/// <example>
/// <code>
/// using var pool = new ProcessPool(4);
/// var squares = pool.Map(x => x * x, Enumerable.Range(0, 10));
/// pool.ApplyAsync(() => Environment.ProcessId, callback: pid => Console.WriteLine($"ran in {pid}"));
/// pool.Close();
/// pool.Join();
/// </code>
/// </example>
public sealed class ProcessPool : PoolBase
{
    private static int s_counter;

    private readonly WorkerGroup _group;
    private readonly CallbackDispatcher _dispatcher;

    /// <summary>
    /// Creates the pool and starts its workers. Python: <c>multiprocessing.Pool(processes=None, initializer=None, initargs=(), maxtasksperchild=None)</c>.
    /// </summary>
    /// <param name="processes">Worker processes; default <see cref="Environment.ProcessorCount"/> (Python's <c>os.cpu_count()</c>).</param>
    /// <param name="initializer">Runs first in every worker (its arguments are its captured variables, Python's <c>initargs</c>); if it throws, the pool is broken and its work fails with <see cref="BrokenExecutorException"/>.</param>
    /// <param name="maxTasksPerChild">A worker exits after this many tasks and a fresh process replaces it; null keeps workers for the pool's life.</param>
    /// <param name="taskTimeout">Beyond Python: how long one call (one item of a map) may run; a call that runs longer is killed with its worker and raises <see cref="TimeoutException"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count below 1 or a timeout not above zero (Python: <c>ValueError</c>).</exception>
    /// <exception cref="NotTransferableException">The initializer cannot cross to a worker process.</exception>
    /// <exception cref="InvalidOperationException">Called in a daemon process, which cannot have children.</exception>
    public ProcessPool(int? processes = null, Action? initializer = null, int? maxTasksPerChild = null, TimeSpan? taskTimeout = null)
        : base(PoolOptions.CheckCount(processes, nameof(processes)))
    {
        PoolOptions.Check(maxTasksPerChild, taskTimeout);
        MaxTasksPerChild = maxTasksPerChild;
        TaskTimeout = taskTimeout;
        var name = string.Create(CultureInfo.InvariantCulture, $"ProcessPool-{Interlocked.Increment(ref s_counter)}");
        PoolOptions.CheckInitializer(initializer);
        _dispatcher = new CallbackDispatcher($"{name}-results");
        try
        {
            _group = new WorkerGroup(new WorkerGroupOptions(name, Processes, initializer, maxTasksPerChild, taskTimeout,
                StartAll: true, BreakOnDeath: false,
                BrokenError: static (reason, cause) => new BrokenExecutorException(reason, cause),
                OnBroken: (reason, cause) => MarkBroken(reason, cause)));
        }
        catch
        {
            _dispatcher.Complete();
            throw;
        }
        _group.Exited.ContinueWith(_ => _dispatcher.Complete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Tasks after which a worker is replaced, or null. Python: <c>Pool._maxtasksperchild</c>.</summary>
    public int? MaxTasksPerChild { get; }

    /// <summary>How long one call may run before its worker is killed, or null (beyond Python).</summary>
    public TimeSpan? TaskTimeout { get; }

    /// <summary>The pids of the worker processes now (Python: <c>[p.pid for p in pool._pool]</c>).</summary>
    public IReadOnlyList<int> WorkerPids => _group.Pids;

    private protected override PoolTask Prepare(PoolTask task)
    {
        var remote = task switch
        {
            IVisitableChunk chunk => chunk.Accept(ChunkShipper.Instance),
            IWorkItem call => new RemoteCall(call),
            _ => throw new InvalidOperationException($"A process pool cannot ship a {task.GetType().Name}."),
        };
        var prepared = new PreparedTask(task, remote);
        remote.Origin = prepared;
        return prepared;
    }

    private protected override void Enqueue(PoolTask task) => _group.Add(((PreparedTask)task).Remote);

    // The group may break (an initializer failed) while this constructor is still starting it: nothing is queued yet.
    private protected override IReadOnlyList<PoolTask> DrainQueued() =>
        _group is null ? [] : _group.DrainQueued().ConvertAll(remote => (PoolTask)remote.Origin!);

    private protected override void PostCallback(Action callback) => _dispatcher.Post(callback);

    private protected override void StopAccepting() => _group.Stop();

    private protected override void StopRunningWork() => _group.Terminate();

    private protected override void JoinWorkers()
    {
        _group.Join();
        _dispatcher.Join();
    }

    private protected override Task WhenWorkersExited() => _dispatcher.Exited;

    /// <summary>A queued pool task and its encoded form; the task itself runs in a worker process.</summary>
    private sealed class PreparedTask(PoolTask origin, RemoteTask remote) : PoolTask
    {
        public RemoteTask Remote => remote;

        public override void Run() => throw new InvalidOperationException("This task runs in a worker process.");

        public override void Abandon(Exception reason) => origin.Abandon(reason);

        public override bool TryStart() => origin.TryStart();
    }

    private sealed class ChunkShipper : IChunkVisitor<RemoteTask>
    {
        public static readonly ChunkShipper Instance = new();

        public RemoteTask Visit<TSource, TResult>(ChunkTask<TSource, TResult> chunk) =>
            new RemoteChunk<TSource, TResult>(chunk.Function, chunk.Items, chunk);
    }
}

/// <summary>The argument checks and the initializer encoding that the process pool and executor share.</summary>
internal static class PoolOptions
{
    public static int CheckCount(int? count, string name)
    {
        if (count is { } value) ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, name);
        return count ?? Environment.ProcessorCount;
    }

    public static void Check(int? maxTasksPerChild, TimeSpan? taskTimeout)
    {
        if (maxTasksPerChild is { } max) ArgumentOutOfRangeException.ThrowIfLessThan(max, 1, nameof(maxTasksPerChild));
        if (taskTimeout is { } timeout && timeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(taskTimeout), timeout, "A task timeout must be above zero (null: no timeout).");
    }

    /// <summary>
    /// Refuses, at construction, an initializer that cannot cross to a worker. It crosses with each worker's start, as
    /// Python's <c>initargs</c> do: what only a child's start can carry travels there too — a manager proxy's authkey,
    /// a <see cref="Ipc.Connection"/>'s descriptor.
    /// </summary>
    public static void CheckInitializer(Action? initializer)
    {
        if (initializer is not null) CallCodec.Encode(initializer, [], descriptors: []);
    }
}
