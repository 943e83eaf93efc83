namespace Spindle.Broker;

/// <summary>
/// A submitted task until its future is done: its work item, its signed message (kept to send it again after a
/// reconnection), and how far its publication got. As a work item it stands for the one it wraps (the executor's queue
/// holds these).
/// </summary>
internal sealed class OutgoingTask(Guid id, string name, IWorkItem item, byte[] message) : IWorkItem
{
    /// <summary>Waiting to be published (or to be published again).</summary>
    public const int Queued = 0;

    /// <summary>Published; the broker's confirm has not come yet.</summary>
    public const int Publishing = 1;

    /// <summary>Confirmed by the broker: it is in the queue, or with a worker.</summary>
    public const int Published = 2;

    /// <summary><see cref="Queued"/>, <see cref="Publishing"/> or <see cref="Published"/>; changed with <see cref="Interlocked"/>.</summary>
    public int State;

    public Guid Id => id;

    public string Name => name;

    public IWorkItem Item => item;

    public byte[] Message => message;

    Future IWorkItem.Future => item.Future;

    Delegate? IWorkItem.Function => item.Function;

    void IWorkItem.Run() => throw new InvalidOperationException("This task runs on a broker's worker.");

    void IWorkItem.Fail(Exception reason) => item.Fail(reason);

    bool IWorkItem.TryComplete(object? result) => item.TryComplete(result);
}
