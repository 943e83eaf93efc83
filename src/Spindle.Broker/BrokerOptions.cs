using System.Globalization;

namespace Spindle.Broker;

/// <summary>
/// What the executors and the workers of one queue must agree on. The queue's settings are fixed when it is first
/// declared: an executor or worker that asks for others is refused with an error that says so.
/// </summary>
public abstract record BrokerOptions
{
    /// <summary>The queue used when none is named.</summary>
    public const string DefaultQueue = "spindle";

    /// <summary>The task queue (Celery: <c>task_default_queue</c>). Its dead letters go to <c>QUEUE.dead</c>.</summary>
    public string Queue { get; init; } = DefaultQueue;

    /// <summary>
    /// The shared secret that signs tasks and results (Python: <c>multiprocessing</c>'s <c>authkey</c>), at least 16
    /// bytes; null reads the UTF-8 bytes of the <c>SPINDLE_AUTHKEY</c> environment variable.
    /// </summary>
    public byte[]? AuthKey { get; init; }

    /// <summary>
    /// How many times a task whose worker was lost (died, froze, or lost its connection) is delivered again before it is
    /// dead-lettered and its future fails with <see cref="WorkerLostException"/> (the quorum queue's
    /// <c>x-delivery-limit</c>): a task that keeps killing workers ends, never loops.
    /// </summary>
    public int MaxRedeliveries { get; init; } = 5;

    /// <summary>The AMQP heartbeat: a peer that stops answering (a frozen process) is dropped after about 2–3 times this.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long to keep trying to reconnect after the connection to the broker is lost.</summary>
    public TimeSpan ReconnectTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    internal virtual void Validate()
    {
        BrokerTopology.CheckQueueName(Queue);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRedeliveries, nameof(MaxRedeliveries));
        CheckPositive(Heartbeat, nameof(Heartbeat));
        if (Heartbeat > TimeSpan.FromSeconds(ushort.MaxValue))
            throw new ArgumentOutOfRangeException(nameof(Heartbeat), Heartbeat, "The AMQP heartbeat is at most 65535 s.");
        CheckPositive(ReconnectTimeout, nameof(ReconnectTimeout));
    }

    private protected static void CheckPositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be positive."));
    }
}

/// <summary>Settings of a <see cref="BrokerExecutor"/>.</summary>
public sealed record BrokerExecutorOptions : BrokerOptions
{
    /// <summary>
    /// How long one task may run on its worker before it is stopped and its future fails with
    /// <see cref="TimeoutException"/> (beyond Python, as <c>ProcessPoolExecutor</c>'s <c>taskTimeout</c>); null: no limit.
    /// </summary>
    public TimeSpan? TaskTimeout { get; init; }

    /// <summary>Most tasks sent and not yet confirmed by the broker (the client's own limiter is off: it throttles batches).</summary>
    public int MaxUnconfirmed { get; init; } = 512;

    /// <summary>
    /// Most work items a <see cref="ExecutorBase.Map{TSource, TResult}"/> keeps submitted and not yet yielded; the source
    /// is read as results are consumed (Python 3.14: <c>Executor.map(..., buffersize=N)</c>).
    /// </summary>
    public int MapBufferSize { get; init; } = 1024;

    internal override void Validate()
    {
        base.Validate();
        if (TaskTimeout is { } timeout) CheckPositive(timeout, nameof(TaskTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxUnconfirmed, 1, nameof(MaxUnconfirmed));
        ArgumentOutOfRangeException.ThrowIfLessThan(MapBufferSize, 1, nameof(MapBufferSize));
    }
}

/// <summary>Settings of a <see cref="BrokerWorker"/>.</summary>
public sealed record BrokerWorkerOptions : BrokerOptions
{
    /// <summary>Tasks run at once (Celery: <c>--concurrency</c>); default <see cref="Environment.ProcessorCount"/>.</summary>
    public int Concurrency { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Most tasks taken from the queue and not yet finished (AMQP prefetch); default 4 × <see cref="Concurrency"/>
    /// (Celery's <c>worker_prefetch_multiplier</c>). Raise it for many tiny tasks, set it to <see cref="Concurrency"/> for long ones.
    /// </summary>
    public int? Prefetch { get; init; }

    /// <summary>
    /// Main assemblies of the applications whose tasks this worker runs, when it is not that application itself
    /// (<c>spindle worker --app App.dll</c>): their assemblies and dependencies are loaded from there, here and in the
    /// processes that run the tasks.
    /// </summary>
    public IReadOnlyList<string> AppAssemblies { get; init; } = [];

    /// <summary>
    /// Makes the local executor that runs tasks, given <see cref="Concurrency"/> and a task timeout that it enforces
    /// (one executor per distinct timeout); null: a <see cref="Pools.ProcessPoolExecutor"/> of <see cref="Concurrency"/>
    /// processes, which kills an overrunning task with its process. A runner that cannot stop a task (threads) ignores
    /// timeouts; one that breaks (a pool process died) is replaced, and the tasks it held go back to the queue.
    /// </summary>
    public Func<int, TimeSpan?, IExecutor>? Runner { get; init; }

    /// <summary>Where the worker says what it runs and its throughput; null: silent.</summary>
    public TextWriter? Output { get; init; }

    /// <summary>Print a line for every task, not only the periodic summary.</summary>
    public bool Verbose { get; init; }

    /// <summary>How often the summary line (throughput, what ran) is printed.</summary>
    public TimeSpan ReportInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The prefetch in effect.</summary>
    internal int EffectivePrefetch => Prefetch ?? Math.Min(ushort.MaxValue, Concurrency * 4);

    internal override void Validate()
    {
        base.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(Concurrency, 1, nameof(Concurrency));
        if (Prefetch is { } prefetch)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(prefetch, 1, nameof(Prefetch));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(prefetch, ushort.MaxValue, nameof(Prefetch));
        }
        ArgumentNullException.ThrowIfNull(AppAssemblies, nameof(AppAssemblies));
        CheckPositive(ReportInterval, nameof(ReportInterval));
    }
}
