using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Spindle.Broker;

/// <summary>
/// An executor's session: a channel that publishes tasks with publisher confirms, and its reply queue — exclusive, named
/// by the executor so that it keeps its name across reconnections, and bound in <c>spindle.dead</c> so that the
/// executor's own dead-lettered tasks come back to it (see <see cref="BrokerTopology"/>).
/// </summary>
/// <remarks>
/// Confirms are matched to tasks here, by the channel's publish sequence numbers, rather than by RabbitMQ.Client's own
/// tracking: that adds a header to (and so copies the properties of) every message, and its known bugs under concurrent
/// publishing (#1818, #1900 in 7.1.2) are avoided. One loop publishes, so numbers are assigned in publish order.
/// </remarks>
internal sealed class ClientSession : BrokerSession
{
    private static readonly BasicProperties ControlProperties = new();

    private readonly IChannel _publisher;
    private readonly IConfirmListener _listener;
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, OutgoingTask?> _unconfirmed = []; // by publish sequence number; null for a control message
    private ulong _next = 1;
    private ulong _lowest = 1;

    private ClientSession(IConnection connection, IChannel publisher, IChannel replies, IConfirmListener listener) : base(connection)
    {
        _publisher = publisher;
        _listener = listener;
        Watch(publisher);
        Watch(replies);
        publisher.BasicAcksAsync += (_, e) =>
        {
            foreach (var task in Settle(e.DeliveryTag, e.Multiple)) listener.Confirmed(task);
            return Task.CompletedTask;
        };
        publisher.BasicNacksAsync += (_, e) =>
        {
            foreach (var task in Settle(e.DeliveryTag, e.Multiple)) listener.Refused(task);
            return Task.CompletedTask;
        };
        // A mandatory task no queue took comes back (with its body) before the broker confirms it.
        publisher.BasicReturnAsync += (_, e) =>
        {
            listener.Returned(e.Body.ToArray());
            return Task.CompletedTask;
        };
    }

    /// <summary>Publishes a task, persistent and mandatory; the broker's answer goes to the listener. Never a cancellable token: 7.1.2 mishandles them (#1900).</summary>
    public ValueTask PublishTaskAsync(OutgoingTask task, string queue, BasicProperties properties)
    {
        Track(task);
        return _publisher.BasicPublishAsync(BrokerTopology.TasksExchange, queue, mandatory: true, properties, task.Message, CancellationToken.None);
    }

    /// <summary>Publishes a control message (a revoke) to the workers of <paramref name="queue"/>.</summary>
    public ValueTask PublishControlAsync(string queue, byte[] body)
    {
        Track(null);
        return _publisher.BasicPublishAsync(BrokerTopology.ControlExchange, queue, mandatory: false, ControlProperties, body, CancellationToken.None);
    }

    /// <summary>The tasks published and not confirmed, once the session is lost: whether the broker has them is unknown, so they go out again.</summary>
    public List<OutgoingTask> TakeUnconfirmed()
    {
        lock (_gate)
        {
            var tasks = _unconfirmed.Values.OfType<OutgoingTask>().ToList();
            _unconfirmed.Clear();
            return tasks;
        }
    }

    private void Track(OutgoingTask? task)
    {
        lock (_gate) _unconfirmed[_next++] = task;
    }

    // The broker confirms one sequence number, or all up to it (multiple); in any order.
    private List<OutgoingTask> Settle(ulong tag, bool multiple)
    {
        var settled = new List<OutgoingTask>();
        lock (_gate)
        {
            for (var sequence = multiple ? _lowest : tag; sequence <= tag; sequence++)
            {
                if (_unconfirmed.Remove(sequence, out var task) && task is not null) settled.Add(task);
            }
            while (_lowest < _next && !_unconfirmed.ContainsKey(_lowest)) _lowest++;
        }
        return settled;
    }

    /// <summary>Connects, declares the topology and the reply queue, and starts delivering replies to <paramref name="onReply"/>.</summary>
    /// <param name="broker">The broker.</param>
    /// <param name="options">Heartbeat and the queue's settings.</param>
    /// <param name="topology">The task queue.</param>
    /// <param name="replyQueue">The executor's reply queue.</param>
    /// <param name="onReply">Called with each reply's body and, for a dead-lettered task, why it was dead-lettered; on the client's dispatch thread.</param>
    /// <param name="listener">Told what the broker answers to each task published.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <exception cref="BrokerUnavailableException">The broker cannot be reached.</exception>
    /// <exception cref="InvalidOperationException">The queue exists with other settings.</exception>
    public static async Task<ClientSession> OpenAsync(Uri broker, BrokerOptions options, BrokerTopology topology, string replyQueue,
        Action<byte[], string?> onReply, IConfirmListener listener, CancellationToken cancellationToken)
    {
        var connection = await BrokerConnection.OpenAsync(broker, $"spindle executor {Environment.MachineName}:{Environment.ProcessId}",
            options.Heartbeat, cancellationToken).ConfigureAwait(false);
        try
        {
            await topology.DeclareAsync(connection, cancellationToken).ConfigureAwait(false);
            var publisher = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true,
                publisherConfirmationTrackingEnabled: false, outstandingPublisherConfirmationsRateLimiter: null), cancellationToken).ConfigureAwait(false);
            var replies = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await replies.QueueDeclareAsync(replyQueue, durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            await replies.QueueBindAsync(replyQueue, BrokerTopology.DeadExchange, replyQueue, cancellationToken: cancellationToken).ConfigureAwait(false);
            var session = new ClientSession(connection, publisher, replies, listener);
            var consumer = new AsyncEventingBasicConsumer(replies);
            consumer.ReceivedAsync += (_, delivery) =>
            {
                // The body is the client's buffer, valid only inside this handler.
                onReply(delivery.Body.ToArray(), DeathReason(delivery.BasicProperties));
                return Task.CompletedTask;
            };
            await replies.BasicConsumeAsync(replyQueue, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Why the broker dead-lettered the message (<c>delivery_limit</c>, <c>rejected</c>, …), or null for a reply.</summary>
    private static string? DeathReason(IReadOnlyBasicProperties properties) =>
        properties.Headers?.TryGetValue("x-first-death-reason", out var reason) == true
            ? reason switch
            {
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                string text => text,
                _ => "unknown",
            }
            : null;
}

/// <summary>What the broker answers to the tasks a <see cref="ClientSession"/> publishes (on the client's dispatch thread).</summary>
internal interface IConfirmListener
{
    /// <summary>The broker has the task (persisted in its queue).</summary>
    void Confirmed(OutgoingTask task);

    /// <summary>The broker refused the task (basic.nack: an internal error of the queue).</summary>
    void Refused(OutgoingTask task);

    /// <summary>No queue took a task (basic.return); its confirm follows.</summary>
    void Returned(byte[] message);
}
