namespace Spindle.Broker;

/// <summary>
/// The ids of tasks whose futures were cancelled after they were sent, as a worker heard of them: the most recent
/// <c>capacity</c> are kept (Celery keeps a bounded set of revoked ids the same way).
/// </summary>
internal sealed class RevokedTasks(int capacity = 100_000)
{
    private readonly Lock _gate = new();
    private readonly HashSet<Guid> _ids = [];
    private readonly Queue<Guid> _order = new();
    private volatile bool _any;

    public void Add(IEnumerable<Guid> ids)
    {
        lock (_gate)
        {
            foreach (var id in ids)
            {
                if (!_ids.Add(id)) continue;
                _order.Enqueue(id);
                if (_order.Count > capacity) _ids.Remove(_order.Dequeue());
            }
            _any = _ids.Count > 0;
        }
    }

    public bool Contains(Guid id)
    {
        if (!_any) return false;
        lock (_gate) return _ids.Contains(id);
    }
}
