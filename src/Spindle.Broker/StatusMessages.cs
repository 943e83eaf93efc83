using Spindle.Remote;

namespace Spindle.Broker;

/// <summary>A request, sent to every worker of a queue, to report itself to <paramref name="ReplyTo"/> (Celery: <c>inspect stats</c>).</summary>
internal sealed record PingMessage(string ReplyTo)
{
    public byte[] Seal(AuthKey key) => Envelope.Seal(key, MessageKind.Ping, w => w.Write(ReplyTo));

    public static PingMessage Open(AuthKey key, byte[] message) => Envelope.Open(key, message, MessageKind.Ping, r => new PingMessage(r.ReadString()));
}

/// <summary>A worker's answer to a ping: who it is, how it is set up, and its counters.</summary>
internal sealed record WorkerReport(string Worker, string Queue, int Concurrency, int Prefetch, DateTimeOffset Started,
    BrokerWorkerCounters Counters, double TasksPerSecond)
{
    public byte[] Seal(AuthKey key) => Envelope.Seal(key, MessageKind.WorkerReport, w =>
    {
        w.Write(Worker);
        w.Write(Queue);
        w.Write(Concurrency);
        w.Write(Prefetch);
        w.Write(Started.UtcTicks);
        var c = Counters;
        foreach (var count in (long[])[c.Received, c.Succeeded, c.Failed, c.Running, c.Redelivered, c.Requeued, c.Rejected, c.Revoked, c.Orphaned])
            w.Write(count);
        w.Write(TasksPerSecond);
    });

    public static WorkerReport Open(AuthKey key, byte[] message) => Envelope.Open(key, message, MessageKind.WorkerReport, r =>
        new WorkerReport(r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadInt32(), new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero),
            new BrokerWorkerCounters(r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(),
                r.ReadInt64(), r.ReadInt64()),
            r.ReadDouble()));
}

/// <summary>What a <see cref="BrokerWorker"/> has done so far.</summary>
/// <param name="Received">Messages taken from the queue.</param>
/// <param name="Succeeded">Tasks that returned a value, its result published.</param>
/// <param name="Failed">Tasks that raised, timed out or could not be run here (a missing assembly or another build), the error published.</param>
/// <param name="Running">Tasks taken and not yet acknowledged.</param>
/// <param name="Redelivered">Tasks taken that another worker had taken before and lost.</param>
/// <param name="Requeued">Tasks handed back to the queue because the local executor broke under them.</param>
/// <param name="Rejected">Messages refused unread and dead-lettered: not signed with this worker's authkey, or malformed.</param>
/// <param name="Revoked">Tasks skipped because their future had been cancelled.</param>
/// <param name="Orphaned">Results the broker could not deliver: the executor that sent the task was gone.</param>
public readonly record struct BrokerWorkerCounters(long Received, long Succeeded, long Failed, long Running, long Redelivered, long Requeued,
    long Rejected, long Revoked, long Orphaned);
