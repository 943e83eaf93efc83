using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Spindle.Broker;

/// <summary>
/// An executor's session: a channel that publishes tasks with confirms, and its reply queue — exclusive, named by the
/// executor so that it keeps its name across reconnections, and bound in <c>spindle.dead</c> so that the executor's
/// own dead-lettered tasks come back to it (see <see cref="BrokerTopology"/>).
/// </summary>
internal sealed class ClientSession : BrokerSession
{
    private ClientSession(IConnection connection, IChannel publisher, IChannel replies) : base(connection)
    {
        Publisher = publisher;
        Watch(publisher);
        Watch(replies);
    }

    /// <summary>Publishes with confirms tracked by the client, its rate limiter off (it throttles batches to ~128/s): the executor bounds what is unconfirmed.</summary>
    public IChannel Publisher { get; }

    /// <summary>Connects, declares the topology and the reply queue, and starts delivering replies to <paramref name="onReply"/>.</summary>
    /// <param name="broker">The broker.</param>
    /// <param name="options">Heartbeat and the queue's settings.</param>
    /// <param name="topology">The task queue.</param>
    /// <param name="replyQueue">The executor's reply queue.</param>
    /// <param name="onReply">Called with each reply's body and, for a dead-lettered task, why it was dead-lettered; on the client's dispatch thread.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <exception cref="BrokerUnavailableException">The broker cannot be reached.</exception>
    /// <exception cref="InvalidOperationException">The queue exists with other settings.</exception>
    public static async Task<ClientSession> OpenAsync(Uri broker, BrokerOptions options, BrokerTopology topology, string replyQueue,
        Action<byte[], string?> onReply, CancellationToken cancellationToken)
    {
        var connection = await BrokerConnection.OpenAsync(broker, $"spindle executor {Environment.MachineName}:{Environment.ProcessId}",
            options.Heartbeat, cancellationToken).ConfigureAwait(false);
        try
        {
            await topology.DeclareAsync(connection, cancellationToken).ConfigureAwait(false);
            var publisher = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true,
                publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null), cancellationToken).ConfigureAwait(false);
            var replies = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await replies.QueueDeclareAsync(replyQueue, durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            await replies.QueueBindAsync(replyQueue, BrokerTopology.DeadExchange, replyQueue, cancellationToken: cancellationToken).ConfigureAwait(false);
            var session = new ClientSession(connection, publisher, replies);
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
