using RabbitMQ.Client;

namespace Spindle.Broker;

/// <summary>
/// Settles the deliveries of one worker session — ack, reject (dead-letter) or requeue — one operation at a time on the
/// channel, in delivery order. Acknowledgements of consecutive deliveries are merged into one <c>multiple</c> ack (a
/// quorum queue then writes one settle command instead of many); a delivery done behind one still running is acked on
/// its own at once, so a long task never holds the prefetch window shut.
/// </summary>
internal sealed class DeliverySettler(IChannel channel, Action<Exception> onLost)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Delivery> _open = []; // delivered, not yet settled on the channel, in delivery order
    private bool _running;
    private TaskCompletionSource? _idle;

    /// <summary>Records a delivery as it arrives (on the dispatch thread, so in tag order).</summary>
    public Delivery Track(ulong tag)
    {
        var delivery = new Delivery(tag);
        lock (_gate) _open.AddLast(delivery);
        return delivery;
    }

    /// <summary>Acknowledges the delivery: its task is done and its result published.</summary>
    public void Ack(Delivery delivery) => Settle(delivery, Settlement.Ack);

    /// <summary>Rejects the delivery without requeueing it: the broker dead-letters it.</summary>
    public void Reject(Delivery delivery) => Settle(delivery, Settlement.Reject);

    /// <summary>Hands the delivery back to the queue (a retry the delivery limit bounds).</summary>
    public void Requeue(Delivery delivery) => Settle(delivery, Settlement.Requeue);

    /// <summary>Completes when every settlement asked for so far has been sent.</summary>
    public Task FlushAsync()
    {
        lock (_gate)
        {
            if (!_running && !HasReady()) return Task.CompletedTask;
            return (_idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    private void Settle(Delivery delivery, Settlement how)
    {
        lock (_gate)
        {
            delivery.How = how;
            if (_running) return; // the loop picks it up
            _running = true;
        }
        _ = RunAsync();
    }

    private bool HasReady() => _open.First is { Value.How: not Settlement.None };

    private async Task RunAsync()
    {
        while (true)
        {
            var operations = new List<(Settlement How, ulong Tag, bool Multiple)>();
            lock (_gate)
            {
                Plan(operations);
                if (operations.Count == 0)
                {
                    _running = false;
                    _idle?.TrySetResult();
                    _idle = null;
                    return;
                }
            }
            foreach (var (how, tag, multiple) in operations)
            {
                try
                {
                    if (how == Settlement.Ack) await channel.BasicAckAsync(tag, multiple).ConfigureAwait(false);
                    else if (how == Settlement.Reject) await channel.BasicRejectAsync(tag, requeue: false).ConfigureAwait(false);
                    else await channel.BasicNackAsync(tag, multiple: false, requeue: true).ConfigureAwait(false);
                }
                catch (Exception e) when (BrokerConnection.IsConnectionLoss(e))
                {
                    onLost(e); // the broker requeues whatever was not settled
                    lock (_gate)
                    {
                        _open.Clear();
                        _running = false;
                        _idle?.TrySetResult();
                        _idle = null;
                    }
                    return;
                }
            }
        }
    }

    // Under the lock: the settled prefix becomes one multiple ack (rejects and requeues in their place); settled
    // deliveries behind an open one are sent one by one.
    private void Plan(List<(Settlement How, ulong Tag, bool Multiple)> operations)
    {
        while (_open.First is { Value: { How: not Settlement.None } first })
        {
            _open.RemoveFirst();
            if (first.How == Settlement.Ack && operations is [.., (Settlement.Ack, _, true)]) operations[^1] = (Settlement.Ack, first.Tag, true);
            else operations.Add((first.How, first.Tag, first.How == Settlement.Ack));
        }
        for (var node = _open.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.How != Settlement.None)
            {
                operations.Add((node.Value.How, node.Value.Tag, false));
                _open.Remove(node);
            }
            node = next;
        }
    }

    /// <summary>One delivery of the session.</summary>
    internal sealed class Delivery(ulong tag)
    {
        public ulong Tag => tag;

        public Settlement How { get; set; }
    }

    internal enum Settlement : byte
    {
        None,
        Ack,
        Reject,
        Requeue,
    }
}
