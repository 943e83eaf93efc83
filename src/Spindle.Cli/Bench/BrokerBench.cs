using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Spindle.Broker;
using Spindle.Processes;
using Spindle.Signals;

namespace Spindle.Cli.Bench;

/// <summary>
/// <see cref="BrokerExecutor"/> on the broker of <c>SPINDLE_BROKER_URI</c> (issue 9): trivial tasks from one client to two
/// local worker processes, end to end, beside a raw RabbitMQ.Client RPC loop written here (the same two-process layout,
/// 100 calls in flight, transient messages without confirms: the floor any executor on the broker pays), and beside the
/// same loop with the executor's guarantees (quorum queue, persistent, confirmed: what durability costs the broker); and
/// the latency of one task at rest beside one raw call at rest. The peer column holds the raw RPC figures.
/// </summary>
internal static class BrokerBench
{
    private const int Tasks = 20_000;
    private const int Runs = 3;
    private const int RawInFlight = 100;
    private const int LatencySamples = 300;
    private const int WorkerPrefetch = 200;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    /// <summary>The suite.</summary>
    public static BenchSuite Suite { get; } = new("broker",
        "broker executor: trivial tasks/s from one client to two local workers vs raw RabbitMQ RPC; one task's latency at rest", Run);

    private static List<BenchRow> Run(BenchContext context)
    {
        if (Environment.GetEnvironmentVariable(BrokerConnection.UriVariable) is not { Length: > 0 } text)
        {
            context.Progress($"skipped: no broker. Set {BrokerConnection.UriVariable}, e.g. export {BrokerConnection.UriVariable}=$(.ci/broker-start.sh)");
            return [];
        }
        var broker = new Uri(text);
        var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).Select(c => (byte)c).ToArray();
        var queue = $"spindle-bench-{Guid.NewGuid().ToString("N")[..8]}";
        try
        {
            context.Progress("raw RabbitMQ RPC: two server processes");
            var (rawRate, rawLatency) = WithProcesses(broker, queue + ".rpc", 2, setup => SpindleProcess.Create(static (RpcServer s) => s.Serve(), new RpcServer(setup.Broker, setup.Queue, Durable: false)),
                () => (Median(() => RawRpc(broker, queue + ".rpc", Tasks, RawInFlight, durable: false)), Latencies(() => RawRpc(broker, queue + ".rpc", 1, 1, durable: false))));
            context.Progress("raw RabbitMQ RPC with the executor's guarantees (quorum queue, persistent, confirmed): two server processes");
            var durableRate = WithProcesses(broker, queue + ".rpcq", 2, setup => SpindleProcess.Create(static (RpcServer s) => s.Serve(), new RpcServer(setup.Broker, setup.Queue, Durable: true)),
                () => Median(() => RawRpc(broker, queue + ".rpcq", Tasks, RawInFlight, durable: true)));
            context.Progress("BrokerExecutor: two worker processes (spindle's BrokerWorker)");
            var (rate, latency) = WithProcesses(broker, queue, 2,
                setup => SpindleProcess.Create(static (BenchWorker s) => s.Serve(), new BenchWorker(setup.Broker, setup.Queue, key)),
                () =>
                {
                    using var executor = new BrokerExecutor(broker, new BrokerExecutorOptions { Queue = queue, AuthKey = key });
                    return (Median(() => Submit(executor, Tasks)), Latencies(() => Submit(executor, 1)));
                });
            return
            [
                new("trivial tasks/s, 1 client → 2 workers (peer: raw RPC, 100 in flight)", rate, rawRate, "tasks/s", HigherIsBetter: true, "≥ 0.67× (within 1.5×)"),
                new("trivial tasks/s (peer: raw RPC on a quorum queue, persistent, confirmed)", rate, durableRate, "tasks/s", HigherIsBetter: true),
                new("trivial tasks/s against Ray's single-client ≈ 8 k/s", rate, null, "tasks/s", HigherIsBetter: true, "≥ 8,000"),
                new("one task at rest, p50 (peer: one raw call)", Percentile(latency, 50), Percentile(rawLatency, 50), "ms", HigherIsBetter: false),
                new("one task at rest, p99 (peer: one raw call)", Percentile(latency, 99), Percentile(rawLatency, 99), "ms", HigherIsBetter: false),
            ];
        }
        finally
        {
            Delete(broker, queue, queue + ".dead", queue + ".rpc", queue + ".rpcq");
        }
    }

    /// <summary>Starts <paramref name="count"/> server processes on <paramref name="queue"/>, waits until they consume, measures, stops them.</summary>
    private static T WithProcesses<T>(Uri broker, string queue, int count, Func<ServerSetup, SpindleProcess> create, Func<T> measure)
    {
        var processes = new List<SpindleProcess>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var p = create(new ServerSetup(broker.ToString(), queue));
                p.Start();
                processes.Add(p);
            }
            WaitForConsumers(broker, queue, count, processes);
            return measure();
        }
        finally
        {
            foreach (var p in processes)
            {
                if (p.IsAlive) p.Terminate();
                if (!p.Join(Patience)) p.Kill();
                p.Join();
                p.Dispose();
            }
        }
    }

    // One warm-up run: JIT, connections, the pool's processes, the queue's first segment.
    private static double Median(Func<TimeSpan> run) => Measure.Median(() => Tasks / run().TotalSeconds, Runs, warmUps: 1);

    private static List<double> Latencies(Func<TimeSpan> one)
    {
        for (var i = 0; i < 20; i++) one();
        return [.. Enumerable.Range(0, LatencySamples).Select(_ => one().TotalMilliseconds).Order()];
    }

    private static double Percentile(List<double> sorted, int p) => sorted[Math.Min(sorted.Count - 1, sorted.Count * p / 100)];

    private static TimeSpan Submit(BrokerExecutor executor, int count)
    {
        var clock = Stopwatch.StartNew();
        var futures = new Future<int>[count];
        for (var i = 0; i < count; i++)
        {
            var n = i;
            futures[i] = executor.Submit(() => n + 1);
        }
        foreach (var f in futures) f.Result(Patience);
        return clock.Elapsed;
    }

    // The raw loop: what any RPC over RabbitMQ costs (peers/RABBITMQ.md §2b), with calls in flight bounded by a semaphore.
    private static TimeSpan RawRpc(Uri broker, string queue, int count, int inFlight, bool durable) =>
        RawRpcAsync(broker, queue, count, inFlight, durable).GetAwaiter().GetResult();

    /// <param name="durable">Persistent requests with publisher confirms, to a quorum queue (what the executor's tasks get); else transient, unconfirmed.</param>
    private static async Task<TimeSpan> RawRpcAsync(Uri broker, string queue, int count, int inFlight, bool durable)
    {
        var connection = await new ConnectionFactory { Uri = broker, AutomaticRecoveryEnabled = false }.CreateConnectionAsync().ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var requests = await connection.CreateChannelAsync(durable
                ? new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null)
                : null).ConfigureAwait(false);
            var replies = await connection.CreateChannelAsync().ConfigureAwait(false);
            var replyQueue = (await replies.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true).ConfigureAwait(false)).QueueName;
            var waiting = new ConcurrentDictionary<string, TaskCompletionSource>();
            var consumer = new AsyncEventingBasicConsumer(replies);
            consumer.ReceivedAsync += (_, e) =>
            {
                if (waiting.TryRemove(e.BasicProperties.CorrelationId!, out var done)) done.TrySetResult();
                return Task.CompletedTask;
            };
            await replies.BasicConsumeAsync(replyQueue, autoAck: true, consumer).ConfigureAwait(false);
            using var slots = new SemaphoreSlim(inFlight);
            var calls = new List<Task>(count);
            var body = new byte[16];
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                await slots.WaitAsync().ConfigureAwait(false);
                var id = i.ToString(CultureInfo.InvariantCulture);
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                waiting[id] = done;
                calls.Add(CallAsync(requests, queue, new BasicProperties { CorrelationId = id, ReplyTo = replyQueue, Persistent = durable }, body, done.Task, slots));
            }
            await Task.WhenAll(calls).WaitAsync(Patience).ConfigureAwait(false);
            return clock.Elapsed;
        }
    }

    private static async Task CallAsync(IChannel channel, string queue, BasicProperties properties, byte[] body, Task reply, SemaphoreSlim slots)
    {
        try
        {
            await channel.BasicPublishAsync("", queue, mandatory: false, properties, body).ConfigureAwait(false);
            await reply.ConfigureAwait(false);
        }
        finally
        {
            slots.Release();
        }
    }

    private static void WaitForConsumers(Uri broker, string queue, int count, List<SpindleProcess> processes)
    {
        var clock = Stopwatch.StartNew();
        while (Consumers(broker, queue) < count)
        {
            if (processes.Find(p => !p.IsAlive) is { } dead) throw new InvalidOperationException($"{dead.Name} exited with {dead.ExitCode}: {dead.Exception}");
            if (clock.Elapsed > Patience) throw new TimeoutException($"{count} consumers never appeared on {queue}.");
            Thread.Sleep(50); // polling interval of a readiness probe, not synchronization
        }
    }

    private static uint Consumers(Uri broker, string queue)
    {
        using var connection = new ConnectionFactory { Uri = broker, AutomaticRecoveryEnabled = false }.CreateConnectionAsync().GetAwaiter().GetResult();
        using var channel = connection.CreateChannelAsync().GetAwaiter().GetResult();
        try
        {
            return channel.QueueDeclarePassiveAsync(queue).GetAwaiter().GetResult().ConsumerCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return 0; // not declared yet
        }
    }

    private static void Delete(Uri broker, params string[] queues)
    {
        using var connection = new ConnectionFactory { Uri = broker, AutomaticRecoveryEnabled = false }.CreateConnectionAsync().GetAwaiter().GetResult();
        using var channel = connection.CreateChannelAsync().GetAwaiter().GetResult();
        foreach (var queue in queues) channel.QueueDeleteAsync(queue).GetAwaiter().GetResult();
    }

    /// <summary>Where a server process connects.</summary>
    private sealed record ServerSetup(string Broker, string Queue);

    /// <summary>A raw RPC server (a child process): replies to each request with its body, then acknowledges it.</summary>
    internal sealed record RpcServer(string Broker, string Queue, bool Durable)
    {
        public void Serve() => ServeAsync().GetAwaiter().GetResult();

        private async Task ServeAsync()
        {
            using var stop = new CancellationTokenSource();
            using var terminate = Signal.Handle(Signal.SIGTERM, _ => stop.Cancel());
            var connection = await new ConnectionFactory { Uri = new Uri(Broker), AutomaticRecoveryEnabled = false }.CreateConnectionAsync().ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var channel = await connection.CreateChannelAsync().ConfigureAwait(false);
                await channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false,
                    Durable ? new Dictionary<string, object?> { ["x-queue-type"] = "quorum" } : null).ConfigureAwait(false);
                await channel.BasicQosAsync(0, WorkerPrefetch, global: false).ConfigureAwait(false);
                var consumer = new AsyncEventingBasicConsumer(channel);
                consumer.ReceivedAsync += async (_, e) =>
                {
                    await channel.BasicPublishAsync("", e.BasicProperties.ReplyTo!, mandatory: false,
                        new BasicProperties { CorrelationId = e.BasicProperties.CorrelationId }, e.Body).ConfigureAwait(false);
                    await channel.BasicAckAsync(e.DeliveryTag, multiple: false).ConfigureAwait(false);
                };
                await channel.BasicConsumeAsync(Queue, autoAck: false, consumer).ConfigureAwait(false);
                try
                {
                    await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // SIGTERM: stop serving.
                }
            }
        }
    }

    /// <summary>A worker process of the bench: <see cref="BrokerWorker"/>, as <c>spindle worker</c> runs it, until SIGTERM.</summary>
    internal sealed record BenchWorker(string Broker, string Queue, byte[] Key)
    {
        public void Serve()
        {
            using var stop = new CancellationTokenSource();
            using var terminate = Signal.Handle(Signal.SIGTERM, _ => stop.Cancel());
            new BrokerWorker(new Uri(Broker), new BrokerWorkerOptions { Queue = Queue, AuthKey = Key, Concurrency = 2, Prefetch = WorkerPrefetch }).Run(stop.Token);
        }
    }
}
