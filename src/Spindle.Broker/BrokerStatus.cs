using System.Collections.Concurrent;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using Spindle.Remote;

namespace Spindle.Broker;

/// <summary>
/// What <c>spindle status</c> shows of a queue: its depth and connected workers from AMQP passive declares (no
/// management plugin needed), its dead letters, and — with the authkey — each worker's own report, gathered by a
/// signed ping on <c>spindle.control</c> (Celery: <c>celery inspect stats</c>).
/// </summary>
internal static class BrokerStatus
{
    /// <summary>
    /// Queries the queue; with an authkey (given, or in <c>SPINDLE_AUTHKEY</c>), waits up to <paramref name="wait"/> for
    /// every connected worker to report. Depths and counts need no key.
    /// </summary>
    /// <exception cref="BrokerUnavailableException">The broker cannot be reached.</exception>
    /// <exception cref="ArgumentException">The queue name or the authkey is not valid.</exception>
    public static async Task<QueueStatus> QueryAsync(Uri broker, string queue, byte[]? authKey, TimeSpan wait, CancellationToken cancellationToken)
    {
        var key = authKey is not null || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(AuthKey.EnvironmentVariable)) ? AuthKey.Resolve(authKey) : null;
        var topology = new BrokerTopology(queue, maxRedeliveries: 0); // only its names: nothing is declared
        var connection = await BrokerConnection.OpenAsync(broker, $"spindle status {Environment.MachineName}:{Environment.ProcessId}",
            TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var tasks = await DepthAsync(connection, topology.Queue, cancellationToken).ConfigureAwait(false);
            var dead = await DepthAsync(connection, topology.DeadQueue, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<WorkerReport>? workers = null;
            if (key is not null && tasks is { ConsumerCount: > 0 } found)
                workers = await PingAsync(connection, topology, key, (int)found.ConsumerCount, wait, cancellationToken).ConfigureAwait(false);
            return new QueueStatus(queue, tasks is not null, tasks?.MessageCount ?? 0, tasks?.ConsumerCount ?? 0, dead?.MessageCount ?? 0, workers);
        }
    }

    // A passive declare of a queue that does not exist closes the channel (404): each gets a channel of its own.
    private static async Task<QueueDeclareOk?> DepthAsync(IConnection connection, string queue, CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            try
            {
                return await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.NotFound)
            {
                return null;
            }
        }
    }

    private static async Task<IReadOnlyList<WorkerReport>> PingAsync(IConnection connection, BrokerTopology topology, AuthKey key, int expected,
        TimeSpan wait, CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            var replies = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken)
                .ConfigureAwait(false)).QueueName;
            var reports = new ConcurrentDictionary<string, WorkerReport>();
            var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, delivery) =>
            {
                try
                {
                    var report = WorkerReport.Open(key, delivery.Body.ToArray());
                    reports[report.Worker] = report;
                    if (reports.Count >= expected) all.TrySetResult();
                }
                catch (RejectedMessageException)
                {
                    // Not from a worker sharing the key: not shown.
                }
                return Task.CompletedTask;
            };
            await channel.BasicConsumeAsync(replies, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
            await channel.BasicPublishAsync(BrokerTopology.ControlExchange, topology.Queue, mandatory: false, new BasicProperties(),
                new PingMessage(replies).Seal(key), cancellationToken).ConfigureAwait(false);
            try
            {
                await all.Task.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A worker that does not answer in time (busy, or its key differs) is shown by the count alone.
            }
            return [.. reports.Values.OrderBy(r => r.Worker, StringComparer.Ordinal)];
        }
    }
}

/// <summary>A queue as <c>spindle status</c> shows it.</summary>
/// <param name="Queue">The queue's name.</param>
/// <param name="Exists">Whether the broker has it (an executor or worker declared it).</param>
/// <param name="Ready">Tasks waiting for a worker.</param>
/// <param name="Workers">Workers consuming it.</param>
/// <param name="DeadLetters">Tasks in its dead-letter queue: refused unread, or whose workers were lost too many times.</param>
/// <param name="Reports">The workers' own reports, when the authkey was known; null otherwise.</param>
internal sealed record QueueStatus(string Queue, bool Exists, uint Ready, uint Workers, uint DeadLetters, IReadOnlyList<WorkerReport>? Reports);
