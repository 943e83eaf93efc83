using System.Diagnostics;
using System.Globalization;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Spindle.Remote;

namespace Spindle.Broker;

/// <summary>
/// Runs the tasks of <see cref="BrokerExecutor"/>s on this machine: takes them from the broker's queue, runs each on a
/// local executor, publishes its result and only then acknowledges it (Celery: a worker with <c>acks_late</c>). This is
/// what <c>spindle worker</c> runs; an application can host one itself with <see cref="RunAsync"/>. Tasks run in a local
/// <see cref="Pools.ProcessPoolExecutor"/> (see <see cref="BrokerWorkerOptions.Runner"/>): a task that crashes its
/// process costs a pool process, not the worker, and goes back to the queue, where the delivery limit bounds its retries.
/// </summary>
/// <remarks>
/// <para>Every task is checked before anything in it is read: a message not signed with the shared authkey is refused
/// and dead-lettered, never run. A task whose assembly is not here, or is another build of it, fails with an error that
/// says so (<see cref="Serialization.SerializationFormatException"/>, <see cref="Serialization.AssemblyMismatchException"/>)
/// and never runs the wrong code: run workers with the same build of the application, given by
/// <see cref="BrokerWorkerOptions.AppAssemblies"/> when the worker is not the application itself.</para>
/// <para>When the connection to the broker is lost, the broker hands the tasks this worker held to other workers; the
/// worker finishes what it runs, drops those results (the tasks run again elsewhere), and reconnects for up to
/// <see cref="BrokerOptions.ReconnectTimeout"/>. RabbitMQ also closes the channel of a delivery left unacknowledged for
/// its <c>consumer_timeout</c> (30 minutes by default, checked once a minute): raise it on the broker for longer tasks,
/// or they are handed to another worker.</para>
/// </remarks>
public sealed class BrokerWorker
{
    private static readonly BasicProperties ResultProperties = new(); // results are transient: their executor's queue is

    private readonly Uri _broker;
    private readonly BrokerWorkerOptions _options;
    private readonly AuthKey _key;
    private readonly BrokerTopology _topology;
    private readonly string[] _apps;
    private readonly RevokedTasks _revoked = new();
    private readonly WorkerProgress _progress;
    private readonly DateTimeOffset _created = DateTimeOffset.UtcNow;
    private LocalRunners? _runners;
    private TaskCompletionSource? _idle;
    private int _runs;
    private long _received;
    private long _succeeded;
    private long _failed;
    private long _running;
    private long _redelivered;
    private long _requeued;
    private long _rejected;
    private long _skipped;
    private long _orphaned;

    /// <summary>A worker of the broker named by <c>SPINDLE_BROKER_URI</c>.</summary>
    /// <inheritdoc cref="BrokerWorker(Uri, BrokerWorkerOptions?)"/>
    public BrokerWorker(BrokerWorkerOptions? options = null) : this(BrokerConnection.UriFromEnvironment(), options) { }

    /// <summary>A worker that will serve <see cref="BrokerOptions.Queue"/> of <paramref name="broker"/> once run. Celery: <c>celery worker</c>.</summary>
    /// <param name="broker">The broker, e.g. <c>amqp://user:password@host:5672/</c>.</param>
    /// <param name="options">Queue, authkey, concurrency, prefetch, application assemblies, output; default <see cref="BrokerWorkerOptions"/>.</param>
    /// <exception cref="InvalidOperationException">No authkey was given or set.</exception>
    /// <exception cref="ArgumentException">A setting is out of range, or the authkey is too short.</exception>
    public BrokerWorker(Uri broker, BrokerWorkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(broker);
        _broker = BrokerConnection.Parse(broker.OriginalString);
        _options = options ?? new BrokerWorkerOptions();
        _options.Validate();
        _key = AuthKey.Resolve(_options.AuthKey);
        _topology = new BrokerTopology(_options.Queue, _options.MaxRedeliveries);
        _apps = [.. _options.AppAssemblies.Select(Path.GetFullPath)];
        _progress = new WorkerProgress(_options.Output, _options.Verbose);
    }

    /// <summary>The worker's name: <c>host:pid</c>. Celery: the node name.</summary>
    public string Name { get; } = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}");

    /// <summary>The queue it serves.</summary>
    public string Queue => _topology.Queue;

    /// <summary>What the worker has done so far.</summary>
    public BrokerWorkerCounters Counters => new(Interlocked.Read(ref _received), Interlocked.Read(ref _succeeded), Interlocked.Read(ref _failed),
        Interlocked.Read(ref _running), Interlocked.Read(ref _redelivered), Interlocked.Read(ref _requeued), Interlocked.Read(ref _rejected),
        Interlocked.Read(ref _skipped), Interlocked.Read(ref _orphaned));

    /// <summary>Blocking twin of <see cref="RunAsync"/>.</summary>
    public void Run(CancellationToken stoppingToken = default) => RunAsync(stoppingToken).GetAwaiter().GetResult();

    /// <summary>
    /// Serves the queue until <paramref name="stoppingToken"/> fires, then stops warm: takes no new task, finishes and
    /// acknowledges those it holds, and returns (Celery's warm shutdown). To stop at once, end the process: the broker
    /// hands its tasks to other workers.
    /// </summary>
    /// <exception cref="BrokerUnavailableException">The broker cannot be reached, or was lost and could not be reached again in time.</exception>
    /// <exception cref="InvalidOperationException">The queue exists with other settings, or the worker was already run.</exception>
    /// <exception cref="FileNotFoundException">An application assembly does not exist.</exception>
    public async Task RunAsync(CancellationToken stoppingToken = default)
    {
        if (Interlocked.Exchange(ref _runs, 1) != 0) throw new InvalidOperationException("A worker runs once; create another one to run again.");
        var apps = AppAssemblies.Load(_options.AppAssemblies);
        using var runners = new LocalRunners(_options.Runner ?? LocalRunners.Default, _options.Concurrency);
        _runners = runners;
        var session = await OpenSessionAsync(stoppingToken).ConfigureAwait(false);
        _progress.Say(Banner(apps, runners.For(null)));
        using (new Timer(_ => _progress.Report(Counters), null, _options.ReportInterval, _options.ReportInterval))
        {
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = stoppingToken.Register(() => stopped.TrySetResult());
            while (session is not null)
            {
                await Task.WhenAny(session.Lost, stopped.Task).ConfigureAwait(false);
                if (stoppingToken.IsCancellationRequested)
                {
                    await session.StopConsumingAsync().ConfigureAwait(false);
                    await WaitIdleAsync().ConfigureAwait(false);
                    await session.Settler.FlushAsync().ConfigureAwait(false);
                    await session.DisposeAsync().ConfigureAwait(false);
                    break;
                }
                var reason = await session.Lost.ConfigureAwait(false);
                _progress.Say($"lost the broker ({reason.Message}); the tasks held here go to other workers; reconnecting");
                await session.DisposeAsync().ConfigureAwait(false);
                session = await BrokerConnection.ReconnectAsync(OpenSessionAsync, _broker, _options.ReconnectTimeout, reason, stoppingToken).ConfigureAwait(false);
                if (session is not null) _progress.Say("reconnected");
            }
        }
        _progress.Report(Counters);
        var c = Counters;
        _progress.Say(string.Create(CultureInfo.InvariantCulture,
            $"worker {Name} stopped: {c.Succeeded:N0} succeeded, {c.Failed:N0} failed, {c.Redelivered:N0} redelivered, {c.Rejected:N0} refused, {c.Revoked:N0} revoked"));
    }

    private Task<WorkerSession> OpenSessionAsync(CancellationToken cancellationToken) =>
        WorkerSession.OpenAsync(_broker, _options, _topology, Name, OnTaskAsync, OnControlAsync, () => Interlocked.Increment(ref _orphaned), cancellationToken);

    private string Banner(IReadOnlyList<System.Reflection.Assembly> apps, IExecutor runner)
    {
        var serving = apps.Count == 0 ? "" : "; app " + string.Join(", ", apps.Select(a => $"{a.GetName().Name} {a.GetName().Version}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"worker {Name} serving queue '{Queue}' of {BrokerConnection.Describe(_broker)}: concurrency {_options.Concurrency}, prefetch {_options.EffectivePrefetch}, tasks run on {runner.GetType().Name}{serving}");
    }

    // On the client's dispatch thread: check, then hand the task to the local executor; never blocks.
    private Task OnTaskAsync(WorkerSession session, BasicDeliverEventArgs message)
    {
        Interlocked.Increment(ref _received);
        if (message.Redelivered) Interlocked.Increment(ref _redelivered);
        var delivery = session.Settler.Track(message.DeliveryTag);
        TaskMessage task;
        try
        {
            task = TaskMessage.Open(_key, message.Body.ToArray());
        }
        catch (RejectedMessageException e)
        {
            Interlocked.Increment(ref _rejected);
            _progress.Say($"refused a message without running it, dead-lettered to '{_topology.DeadQueue}': {e.Message}");
            session.Settler.Reject(delivery);
            return Task.CompletedTask;
        }
        if (_revoked.Contains(task.Id))
        {
            Interlocked.Increment(ref _skipped);
            if (_options.Verbose) _progress.Say($"task {task.Id.ToString("N")[..8]} {task.Name}: revoked, skipped");
            session.Settler.Ack(delivery);
            return Task.CompletedTask;
        }
        Interlocked.Increment(ref _running);
        new RunningTask(this, session, delivery, message.Redelivered, task).Start();
        return Task.CompletedTask;
    }

    private async Task OnControlAsync(WorkerSession session, byte[] body)
    {
        try
        {
            switch (Envelope.Verify(_key, body))
            {
                case MessageKind.Revoke:
                    _revoked.Add(RevokeMessage.Open(_key, body).Ids);
                    break;
                case MessageKind.Ping:
                    var ping = PingMessage.Open(_key, body);
                    var report = new WorkerReport(Name, Queue, _options.Concurrency, _options.EffectivePrefetch, _created, Counters, _progress.TasksPerSecond);
                    await session.Results.BasicPublishAsync("", ping.ReplyTo, mandatory: false, ResultProperties, report.Seal(_key)).ConfigureAwait(false);
                    break;
                default:
                    throw new RejectedMessageException("A control message of an unknown kind.");
            }
        }
        catch (RejectedMessageException e)
        {
            Interlocked.Increment(ref _rejected);
            _progress.Say($"ignored a control message: {e.Message}");
        }
        catch (Exception e) when (BrokerConnection.IsConnectionLoss(e))
        {
            session.MarkLost(e);
        }
    }

    private async Task CompleteAsync(RunningTask job, byte[] outcome)
    {
        try
        {
            var session = job.Session;
            if (session.IsLost) return; // the broker has given the task to another worker: this result is not ours to send
            var result = new ResultMessage(job.Task.Id, Name, job.Redelivered, outcome).Seal(_key);
            try
            {
                await session.Results.BasicPublishAsync("", job.Task.ReplyTo, mandatory: true, ResultProperties, result).ConfigureAwait(false);
            }
            catch (ArgumentException)
            {
                Interlocked.Increment(ref _orphaned); // a reply-to that names no queue: nobody to tell
            }
            // Acknowledged only now: a worker lost before the ack goes out has its task redelivered (at least once).
            session.Settler.Ack(job.Delivery);
            var failure = TaskOutcome.FailureSummary(outcome);
            Interlocked.Increment(ref failure is null ? ref _succeeded : ref _failed);
            _progress.Ran(job.Task.Id, job.Task.Name, failure, job.Elapsed, job.Redelivered);
        }
        catch (Exception e) when (BrokerConnection.IsConnectionLoss(e))
        {
            job.Session.MarkLost(e);
        }
        finally
        {
            LeaveRunning();
        }
    }

    private void Requeue(RunningTask job)
    {
        Interlocked.Increment(ref _requeued);
        job.Session.Settler.Requeue(job.Delivery);
        LeaveRunning();
    }

    private void LeaveRunning()
    {
        if (Interlocked.Decrement(ref _running) == 0) Volatile.Read(ref _idle)?.TrySetResult();
    }

    private Task WaitIdleAsync()
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _idle, idle);
        if (Interlocked.Read(ref _running) == 0) idle.TrySetResult();
        return idle.Task;
    }

    /// <summary>One delivery from the moment it is handed to the local executor until it is settled, exactly once.</summary>
    private sealed class RunningTask(BrokerWorker worker, WorkerSession session, DeliverySettler.Delivery delivery, bool redelivered, TaskMessage task)
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private IExecutor? _runner;
        private int _settled;

        public WorkerSession Session => session;

        public DeliverySettler.Delivery Delivery => delivery;

        public bool Redelivered => redelivered;

        public TaskMessage Task => task;

        public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_started);

        public void Start()
        {
            var call = task.Call;
            var apps = worker._apps;
            Future<byte[]> future;
            try
            {
                _runner = worker._runners!.For(task.Timeout);
                future = _runner.Submit(() => TaskRunner.Run(call, apps));
            }
            catch (Exception e) when (e is BrokenExecutorException or InvalidOperationException)
            {
                Requeue(); // a runner that broke since its last task: a fresh one takes the task on its next delivery
                return;
            }
#pragma warning disable CA1031 // a runner factory that throws fails the task with its exception, instead of leaving it unacknowledged
            catch (Exception e)
#pragma warning restore CA1031
            {
                Finish(TaskOutcome.Failure(e));
                return;
            }
            future.AddDoneCallback(OnRunnerDone);
        }

        private void OnRunnerDone(Future<byte[]> future)
        {
            if (future.IsCancelled || future.StoredException is BrokenExecutorException)
            {
                Requeue(); // the local executor broke under the task (a pool process died): the broker's delivery limit bounds the retries
                return;
            }
            Finish(future.StoredException is { } error ? TaskOutcome.Failure(error) : future.Result(TimeSpan.Zero));
        }

        private bool TrySettle() => Interlocked.Exchange(ref _settled, 1) == 0;

        private void Finish(byte[] outcome)
        {
            if (TrySettle()) _ = worker.CompleteAsync(this, outcome);
        }

        private void Requeue()
        {
            if (!TrySettle()) return;
            if (_runner is not null) worker._runners!.Replace(_runner);
            worker.Requeue(this);
        }
    }
}
