using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Spindle.Broker;

/// <summary>
/// A worker's session: a channel that consumes the task queue and acknowledges on it (acks belong to the channel
/// that received the delivery), a channel that publishes results, and an exclusive queue bound in
/// <c>spindle.control</c> for revokes and pings.
/// </summary>
internal sealed class WorkerSession : BrokerSession
{
    private string _consumerTag = "";

    private WorkerSession(IConnection connection, IChannel tasks, IChannel results, IChannel control) : base(connection)
    {
        Tasks = tasks;
        Results = results;
        Settler = new DeliverySettler(tasks, MarkLost);
        Watch(tasks);
        Watch(results);
        Watch(control);
    }

    /// <summary>Consumes and acknowledges tasks.</summary>
    public IChannel Tasks { get; }

    /// <summary>Acknowledges, rejects and requeues the deliveries of <see cref="Tasks"/>, in order.</summary>
    public DeliverySettler Settler { get; }

    /// <summary>Publishes results (mandatory: a result whose executor is gone comes back, see <c>onReturn</c>).</summary>
    public IChannel Results { get; }

    /// <summary>Connects, declares the topology, and starts consuming tasks and control messages.</summary>
    /// <param name="broker">The broker.</param>
    /// <param name="options">The worker's settings.</param>
    /// <param name="topology">The task queue.</param>
    /// <param name="name">The worker's name, shown by the broker for its connection.</param>
    /// <param name="onTask">Called with each delivery, on the client's dispatch thread; must not block.</param>
    /// <param name="onControl">Called with each control message's body.</param>
    /// <param name="onReturn">Called when a result could not be delivered.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    public static async Task<WorkerSession> OpenAsync(Uri broker, BrokerWorkerOptions options, BrokerTopology topology, string name,
        Func<WorkerSession, BasicDeliverEventArgs, Task> onTask, Func<WorkerSession, byte[], Task> onControl, Action onReturn,
        CancellationToken cancellationToken)
    {
        var connection = await BrokerConnection.OpenAsync(broker, $"spindle worker {name}", options.Heartbeat, cancellationToken).ConfigureAwait(false);
        try
        {
            await topology.DeclareAsync(connection, cancellationToken).ConfigureAwait(false);
            var tasks = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await tasks.BasicQosAsync(0, (ushort)options.EffectivePrefetch, global: false, cancellationToken).ConfigureAwait(false);
            var results = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            results.BasicReturnAsync += (_, _) =>
            {
                onReturn();
                return Task.CompletedTask;
            };
            var control = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var controlQueue = (await control.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken)
                .ConfigureAwait(false)).QueueName;
            await control.QueueBindAsync(controlQueue, BrokerTopology.ControlExchange, topology.Queue, cancellationToken: cancellationToken).ConfigureAwait(false);

            var session = new WorkerSession(connection, tasks, results, control);
            var controlConsumer = new AsyncEventingBasicConsumer(control);
            controlConsumer.ReceivedAsync += (_, delivery) => onControl(session, delivery.Body.ToArray());
            await control.BasicConsumeAsync(controlQueue, autoAck: true, controlConsumer, cancellationToken).ConfigureAwait(false);
            var taskConsumer = new AsyncEventingBasicConsumer(tasks);
            taskConsumer.ReceivedAsync += (_, delivery) => onTask(session, delivery);
            session._consumerTag = await tasks.BasicConsumeAsync(topology.Queue, autoAck: false, taskConsumer, cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops new deliveries (a warm stop): what was delivered is still run, acknowledged on this session.</summary>
    public async Task StopConsumingAsync()
    {
        try
        {
            await Tasks.BasicCancelAsync(_consumerTag).ConfigureAwait(false);
        }
        catch (Exception e) when (BrokerConnection.IsConnectionLoss(e))
        {
            MarkLost(e);
        }
    }
}
