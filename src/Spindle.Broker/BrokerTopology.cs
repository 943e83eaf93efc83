using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Spindle.Broker;

/// <summary>
/// The exchanges and queues of one task queue, declared the same way by its executors and its workers:
/// <list type="bullet">
/// <item><c>spindle.tasks</c> (direct) routes tasks to the quorum queue <c>QUEUE</c>, which redelivers a task whose
/// worker was lost at most <see cref="BrokerOptions.MaxRedeliveries"/> times (<c>x-delivery-limit</c>) and then
/// dead-letters it to <c>spindle.dead</c>;</item>
/// <item><c>spindle.dead</c> (direct) keeps every dead letter in <c>QUEUE.dead</c> for inspection, and hands a copy to
/// the executor that sent the task: each task carries its executor's reply queue as a <c>CC</c> routing key, which
/// nothing binds in <c>spindle.tasks</c> but which the executor binds in <c>spindle.dead</c> — so a poison task fails
/// its own future, with no process watching the dead letters;</item>
/// <item><c>spindle.control</c> (direct, key <c>QUEUE</c>) carries revokes and status pings to every worker of the queue.</item>
/// </list>
/// </summary>
internal sealed class BrokerTopology
{
    public const string TasksExchange = "spindle.tasks";
    public const string DeadExchange = "spindle.dead";
    public const string ControlExchange = "spindle.control";

    private const int MaxQueueName = 200; // AMQP names are at most 255 bytes; ".dead" and margins must fit

    public BrokerTopology(string queue, int maxRedeliveries)
    {
        CheckQueueName(queue);
        Queue = queue;
        MaxRedeliveries = maxRedeliveries;
    }

    public string Queue { get; }

    public string DeadQueue => Queue + ".dead";

    public int MaxRedeliveries { get; }

    /// <exception cref="ArgumentException">The name is empty, too long, or reserved by the broker (<c>amq.</c>).</exception>
    public static void CheckQueueName(string queue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        if (System.Text.Encoding.UTF8.GetByteCount(queue) > MaxQueueName)
            throw new ArgumentException($"The queue name is longer than {MaxQueueName} bytes.", nameof(queue));
        if (queue.StartsWith("amq.", StringComparison.Ordinal))
            throw new ArgumentException($"Queue names starting with 'amq.' are reserved by the broker: '{queue}'.", nameof(queue));
    }

    /// <summary>Declares everything (idempotent when the settings match).</summary>
    /// <exception cref="InvalidOperationException">The queue exists with other settings.</exception>
    public async Task DeclareAsync(IConnection connection, CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            try
            {
                await channel.ExchangeDeclareAsync(TasksExchange, ExchangeType.Direct, durable: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                await channel.ExchangeDeclareAsync(DeadExchange, ExchangeType.Direct, durable: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                await channel.ExchangeDeclareAsync(ControlExchange, ExchangeType.Direct, durable: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                await channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?>
                {
                    ["x-queue-type"] = "quorum",
                    ["x-delivery-limit"] = MaxRedeliveries,
                    ["x-dead-letter-exchange"] = DeadExchange,
                }, cancellationToken: cancellationToken).ConfigureAwait(false);
                await channel.QueueBindAsync(Queue, TasksExchange, Queue, cancellationToken: cancellationToken).ConfigureAwait(false);
                await channel.QueueDeclareAsync(DeadQueue, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
                await channel.QueueBindAsync(DeadQueue, DeadExchange, Queue, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.PreconditionFailed)
            {
                throw new InvalidOperationException(
                    $"Queue '{Queue}' already exists on the broker with other settings ({e.ShutdownReason.ReplyText}). Every executor and worker " +
                    $"of a queue must use the same MaxRedeliveries (here {MaxRedeliveries}); delete the queue to change it.", e);
            }
        }
    }

    /// <summary>Deletes the queue and its dead-letter queue (tests, and whoever retires a queue).</summary>
    public async Task DeleteAsync(IConnection connection, CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            await channel.QueueDeleteAsync(Queue, ifUnused: false, ifEmpty: false, cancellationToken: cancellationToken).ConfigureAwait(false);
            await channel.QueueDeleteAsync(DeadQueue, ifUnused: false, ifEmpty: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }
}
