using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Threading.Channels;
using RabbitMQ.Client;
using Spindle.Remote;
using Spindle.Serialization;

namespace Spindle.Broker;

/// <summary>
/// An executor whose work runs on other machines, in <see cref="BrokerWorker"/>s (<c>spindle worker</c>) reached through
/// a RabbitMQ broker — Celery's model with the <see cref="IExecutor"/> API: <see cref="ExecutorBase.Submit{T}"/>,
/// <see cref="ExecutorBase.Map{TSource, TResult}"/>, <see cref="ExecutorBase.Shutdown"/>, and futures that work with
/// <see cref="Futures.Wait"/> and <see cref="Futures.AsCompleted"/>. Swap it for a local executor by changing the line
/// that constructs it.
/// </summary>
/// <remarks>
/// <para><b>Delivery.</b> At least once: a task is acknowledged by its worker only after its result is published, so a
/// worker that dies, freezes or loses its connection has its tasks redelivered to another — a task may run twice, and
/// its future still completes once (results carry the task's id; duplicates are dropped). A task whose workers keep being
/// lost is dead-lettered after <see cref="BrokerOptions.MaxRedeliveries"/> redeliveries and its future fails with
/// <see cref="WorkerLostException"/>. A submit counts as accepted once the broker confirms it (persistent, to a durable
/// quorum queue); a task the broker cannot route or refuses fails its future at once with
/// <see cref="TaskRefusedException"/>.</para>
/// <para><b>Security.</b> Tasks and results are signed with the shared authkey (HMAC-SHA256), checked before anything is
/// decoded; a worker dead-letters what it cannot verify and never runs it. The broker URI carries the credentials: pass
/// it, or set <c>SPINDLE_BROKER_URI</c>; the authkey comes from the options or <c>SPINDLE_AUTHKEY</c>.</para>
/// <para><b>Broker restarts.</b> When the connection is lost, the executor reconnects (for up to
/// <see cref="BrokerOptions.ReconnectTimeout"/>) and sends every task whose future is still pending again, since a
/// result in flight may have been lost with the connection; duplicates are dropped as above. If it cannot reconnect,
/// it is broken: pending futures fail with <see cref="BrokenExecutorException"/> whose inner exception is a
/// <see cref="BrokerUnavailableException"/>.</para>
/// <para><b>Differences from a local executor.</b> A future stays pending until its result arrives: cancelling one whose
/// task was already sent succeeds, and the workers are told to skip it (Celery's <c>revoke</c>); a worker that already
/// started it finishes it and the result is dropped. <c>Shutdown(cancelFutures: true)</c> cancels every future not done.
/// <c>Map</c> keeps at most <see cref="BrokerExecutorOptions.MapBufferSize"/> work items in flight, reading its source as
/// results are consumed. Done-callbacks run on the thread that receives results: keep them short, and never wait in one
/// for another future of this executor.</para>
/// </remarks>
/// <example>
/// <code>
/// using var executor = new BrokerExecutor(new Uri(Environment.GetEnvironmentVariable("SPINDLE_BROKER_URI")!));
/// var squares = executor.Map(x => x * x, Enumerable.Range(0, 1000)).Sum();
/// </code>
/// </example>
public sealed class BrokerExecutor : ExecutorBase, IConfirmListener
{
    private static readonly ConcurrentDictionary<MethodInfo, string> s_names = new();
    private static readonly ConcurrentDictionary<Type, FieldInfo?> s_wrapped = new();

    private readonly Uri _broker;
    private readonly BrokerExecutorOptions _options;
    private readonly AuthKey _key;
    private readonly BrokerTopology _topology;
    private readonly string _replyQueue = $"spindle.reply.{Guid.NewGuid():N}";
    private readonly BasicProperties _taskProperties;
    private readonly ConcurrentDictionary<Guid, OutgoingTask> _pending = new();
    // null is the signal "revokes are waiting": the one reader is the publishing loop.
    private readonly Channel<OutgoingTask?> _outgoing = Channel.CreateUnbounded<OutgoingTask?>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentQueue<Guid> _revoked = new();
    private readonly SemaphoreSlim _unconfirmed;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;
    private volatile bool _stopping;
    private long _submitted;
    private long _completed;
    private long _redelivered;
    private long _duplicates;
    private long _rejected;
    private long _reconnects;

    /// <summary>An executor on the broker named by <c>SPINDLE_BROKER_URI</c>.</summary>
    /// <inheritdoc cref="BrokerExecutor(Uri, BrokerExecutorOptions?)"/>
    public BrokerExecutor(BrokerExecutorOptions? options = null) : this(BrokerConnection.UriFromEnvironment(), options) { }

    /// <summary>
    /// Connects to the broker and declares the task queue. Python has no broker executor; Celery's equivalent is
    /// <c>Celery(broker=URI)</c> plus <c>task.delay()</c>.
    /// </summary>
    /// <param name="broker">The broker, e.g. <c>amqp://user:password@host:5672/</c>.</param>
    /// <param name="options">Queue, authkey, timeouts and limits; default <see cref="BrokerExecutorOptions"/>.</param>
    /// <exception cref="BrokerUnavailableException">The broker cannot be reached or refused the credentials.</exception>
    /// <exception cref="InvalidOperationException">No authkey was given or set, or the queue exists with other settings.</exception>
    /// <exception cref="ArgumentException">A setting is out of range, or the authkey is too short.</exception>
    public BrokerExecutor(Uri broker, BrokerExecutorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(broker);
        _broker = BrokerConnection.Parse(broker.OriginalString);
        _options = options ?? new BrokerExecutorOptions();
        _options.Validate();
        _key = AuthKey.Resolve(_options.AuthKey);
        _topology = new BrokerTopology(_options.Queue, _options.MaxRedeliveries);
        _taskProperties = new BasicProperties
        {
            Persistent = true,
            // Where a dead letter of the task goes (see BrokerTopology). Shared by every publish: the client only reads it.
            Headers = new Dictionary<string, object?> { ["CC"] = new List<object?> { Encoding.UTF8.GetBytes(_replyQueue) } },
        };
        _unconfirmed = new SemaphoreSlim(_options.MaxUnconfirmed);
        var session = Task.Run(() => OpenSessionAsync(CancellationToken.None)).GetAwaiter().GetResult();
        _loop = Task.Run(() => RunAsync(session));
    }

    /// <summary>The task queue. Celery: the task's <c>queue</c>.</summary>
    public string Queue => _topology.Queue;

    /// <summary>The broker, without its credentials.</summary>
    public string Broker => BrokerConnection.Describe(_broker);

    /// <summary>How long one task may run on its worker, or null (beyond Python).</summary>
    public TimeSpan? TaskTimeout => _options.TaskTimeout;

    /// <summary>What the executor has done so far.</summary>
    public BrokerExecutorCounters Counters => new(
        Interlocked.Read(ref _submitted), Interlocked.Read(ref _completed), _pending.Values.Count(task => !task.Item.Future.IsDone),
        Interlocked.Read(ref _redelivered),
        Interlocked.Read(ref _duplicates), Interlocked.Read(ref _rejected), Interlocked.Read(ref _reconnects));

    /// <summary>The executor's reply queue (tests publish to it behind its back).</summary>
    internal string ReplyQueue => _replyQueue;

    /// <summary>The ids of the tasks whose futures are not done.</summary>
    internal List<Guid> PendingIds => [.. _pending.Keys];

    private protected override int? MapBufferSize => _options.MapBufferSize;

    private protected override Future<TResult[]> SubmitChunk<TSource, TResult>(Func<TSource, TResult> fn, TSource[] chunk,
        CancellationToken cancellationToken) =>
        Submit(new MapChunk<TSource, TResult> { Function = fn, Items = chunk }.Run, cancellationToken);

    // Encoded and signed before the executor's state lock is taken: what cannot cross is refused by Submit.
    private protected override IWorkItem Prepare(IWorkItem item)
    {
        var fn = item.Function ?? throw new InvalidOperationException("The work item has no function to send.");
        var id = Guid.NewGuid();
        var name = Describe(fn);
        return new OutgoingTask(id, name, item, new TaskMessage(id, _replyQueue, name, _options.TaskTimeout, CallCodec.Encode(fn)).Seal(_key));
    }

    private protected override void Enqueue(IWorkItem item) => Track((OutgoingTask)item);

    /// <summary>Sends an already encoded call (tests use it to send what no honest client would: another build's call).</summary>
    internal Future<object?> SubmitEncoded(byte[] call, string name)
    {
        var item = new WorkItem<object?>(static () => null); // the future of the call; its own function never runs here
        var id = Guid.NewGuid();
        Track(new OutgoingTask(id, name, item, new TaskMessage(id, _replyQueue, name, _options.TaskTimeout, call).Seal(_key)));
        return item;
    }

    private void Track(OutgoingTask task)
    {
        _pending[task.Id] = task;
        Interlocked.Increment(ref _submitted);
        task.Item.Future.AddDoneCallback(_ => OnDone(task));
        _outgoing.Writer.TryWrite(task);
    }

    private void OnDone(OutgoingTask task)
    {
        _pending.TryRemove(task.Id, out _);
        if (task.Item.Future.IsCancelled && Volatile.Read(ref task.State) != OutgoingTask.Queued)
        {
            _revoked.Enqueue(task.Id);
            _outgoing.Writer.TryWrite(null);
        }
        if (_stopping && _pending.IsEmpty) _drained.TrySetResult();
    }

    private protected override IReadOnlyList<IWorkItem> DrainQueued() => [.. _pending.Values];

    private protected override void StopWorkers(bool wait)
    {
        _stopping = true;
        if (_pending.IsEmpty) _drained.TrySetResult();
        var closed = _drained.Task.ContinueWith(_ =>
        {
            _stop.Cancel();
            return _loop;
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
        if (wait) closed.GetAwaiter().GetResult();
    }

    private Task<ClientSession> OpenSessionAsync(CancellationToken cancellationToken) =>
        ClientSession.OpenAsync(_broker, _options, _topology, _replyQueue, OnReply, this, cancellationToken);

    // The one loop that publishes: a session until it is lost, then the next one.
    private async Task RunAsync(ClientSession session)
    {
        while (true)
        {
            await PublishAsync(session).ConfigureAwait(false);
            if (_stop.IsCancellationRequested)
            {
                await FlushRevokesAsync(session).ConfigureAwait(false);
                await session.DisposeAsync().ConfigureAwait(false);
                return;
            }
            var lost = await session.Lost.ConfigureAwait(false);
            await session.DisposeAsync().ConfigureAwait(false);
            foreach (var task in session.TakeUnconfirmed())
            {
                _unconfirmed.Release();
                Volatile.Write(ref task.State, OutgoingTask.Queued);
                if (!task.Item.Future.IsDone) _outgoing.Writer.TryWrite(task); // the next session sends it
            }
            ClientSession? next;
            try
            {
                next = await BrokerConnection.ReconnectAsync(OpenSessionAsync, _broker, _options.ReconnectTimeout, lost, _stop.Token).ConfigureAwait(false);
            }
            catch (BrokerUnavailableException e)
            {
                MarkBroken(e.Message, e);
                return;
            }
            if (next is null) return; // shut down while reconnecting: nothing was pending
            session = next;
            Interlocked.Increment(ref _reconnects);
            // A result in flight may have been lost with the connection: every pending task goes out again.
            foreach (var task in _pending.Values)
            {
                if (Interlocked.CompareExchange(ref task.State, OutgoingTask.Queued, OutgoingTask.Published) == OutgoingTask.Published)
                    _outgoing.Writer.TryWrite(task);
            }
        }
    }

    private async Task PublishAsync(ClientSession session)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, session.LostToken);
        var token = ended.Token;
        var reader = _outgoing.Reader;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var task))
                {
                    if (task is null)
                    {
                        await FlushRevokesAsync(session).ConfigureAwait(false);
                        continue;
                    }
                    if (task.Item.Future.IsDone) continue; // cancelled before its turn
                    try
                    {
                        await _unconfirmed.WaitAsync(token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        _outgoing.Writer.TryWrite(task);
                        throw;
                    }
                    Volatile.Write(ref task.State, OutgoingTask.Publishing);
                    await session.PublishTaskAsync(task, _topology.Queue, _taskProperties).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped, or the session was lost.
        }
        catch (Exception e) when (BrokerConnection.IsConnectionLoss(e))
        {
            session.MarkLost(e);
        }
    }

    void IConfirmListener.Confirmed(OutgoingTask task)
    {
        Interlocked.CompareExchange(ref task.State, OutgoingTask.Published, OutgoingTask.Publishing);
        _unconfirmed.Release();
    }

    void IConfirmListener.Refused(OutgoingTask task)
    {
        task.Item.Fail(new TaskRefusedException($"The broker refused task {task.Name} (basic.nack: an internal error of the queue)."));
        _unconfirmed.Release();
    }

    void IConfirmListener.Returned(byte[] message)
    {
        try
        {
            if (_pending.TryGetValue(TaskMessage.Open(_key, message).Id, out var task))
                task.Item.Fail(new TaskRefusedException($"The broker could not route task {task.Name} to queue '{Queue}': the queue does not exist (was it deleted?)."));
        }
        catch (RejectedMessageException)
        {
            Interlocked.Increment(ref _rejected); // not one of ours
        }
    }

    private async Task FlushRevokesAsync(ClientSession session)
    {
        while (!_revoked.IsEmpty)
        {
            var ids = new List<Guid>();
            while (ids.Count < RevokeMessage.MaxIds && _revoked.TryDequeue(out var id)) ids.Add(id);
            try
            {
                await session.PublishControlAsync(_topology.Queue, new RevokeMessage(ids).Seal(_key)).ConfigureAwait(false);
            }
            catch (Exception e) when (BrokerConnection.IsConnectionLoss(e))
            {
                session.MarkLost(e);
                return; // best effort: a worker that misses it runs the task, and its result is dropped
            }
        }
    }

    // Results and this executor's dead-lettered tasks, on the client's dispatch thread.
    private void OnReply(byte[] body, string? deathReason)
    {
        if (deathReason is not null)
        {
            OnDeadLetter(body, deathReason);
            return;
        }
        ResultMessage result;
        try
        {
            result = ResultMessage.Open(_key, body);
        }
        catch (RejectedMessageException)
        {
            Interlocked.Increment(ref _rejected); // not signed by a worker that shares our key: never read
            return;
        }
        if (result.Redelivered) Interlocked.Increment(ref _redelivered);
        if (!_pending.TryGetValue(result.Id, out var task) || task.Item.Future.IsDone)
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }
        Interlocked.Increment(ref _completed); // counted before the future's waiters wake
        if (TaskOutcome.Deliver(result.Outcome, task.Item)) return;
        Interlocked.Decrement(ref _completed); // cancelled meanwhile
        Interlocked.Increment(ref _duplicates);
    }

    private void OnDeadLetter(byte[] body, string reason)
    {
        TaskMessage task;
        try
        {
            task = TaskMessage.Open(_key, body);
        }
        catch (RejectedMessageException)
        {
            Interlocked.Increment(ref _rejected);
            return;
        }
        if (!_pending.TryGetValue(task.Id, out var pending)) return;
        pending.Item.Fail(reason switch
        {
            "delivery_limit" => new WorkerLostException(string.Create(CultureInfo.InvariantCulture,
                $"Task {task.Name} was delivered {_topology.MaxRedeliveries + 1} times, and each time the worker running it was lost (it died, froze or lost its connection) before it finished; the broker dead-lettered it to queue '{_topology.DeadQueue}'.")),
            "rejected" => new TaskRefusedException(
                $"A worker refused task {task.Name} without running it: it could not verify the task's signature (its authkey differs from this executor's) or read its format (another Spindle version). The task is in queue '{_topology.DeadQueue}'."),
            _ => new TaskRefusedException($"The broker dead-lettered task {task.Name} ({reason}); it is in queue '{_topology.DeadQueue}'."),
        });
    }

    private static string Describe(Delegate fn)
    {
        if (fn.Target is INamedTask named) return named.Name;
        // Submit(Action) wraps the caller's action in a lambda of ExecutorBase: name the action.
        if (fn.Target is { } closure && s_wrapped.GetOrAdd(closure.GetType(), WrappedDelegate) is { } field && field.GetValue(closure) is Delegate inner)
            return Describe(inner);
        return s_names.TryGetValue(fn.Method, out var name) ? name : s_names.GetOrAdd(fn.Method, MethodRefs.Describe(fn.Method));
    }

    // The one delegate field of a closure type of Spindle's own (ExecutorBase's wrapper of an Action), or null.
    private static FieldInfo? WrappedDelegate(Type closure) =>
        closure.Assembly == typeof(ExecutorBase).Assembly && closure.GetFields() is [var field] && typeof(Delegate).IsAssignableFrom(field.FieldType)
            ? field
            : null;
}

/// <summary>What a <see cref="BrokerExecutor"/> has done so far.</summary>
/// <param name="Submitted">Tasks submitted.</param>
/// <param name="Completed">Futures completed by a worker's result: a value or the task's exception.</param>
/// <param name="Pending">Futures not done yet.</param>
/// <param name="Redelivered">Results computed from a redelivery: the first worker to take the task was lost.</param>
/// <param name="DuplicateResults">Results dropped because the future was already done: a task that ran twice, or was cancelled.</param>
/// <param name="RejectedMessages">Messages dropped unread: not signed with this executor's authkey.</param>
/// <param name="Reconnects">Times the executor lost its connection and reconnected.</param>
public readonly record struct BrokerExecutorCounters(long Submitted, long Completed, long Pending, long Redelivered, long DuplicateResults,
    long RejectedMessages, long Reconnects);
