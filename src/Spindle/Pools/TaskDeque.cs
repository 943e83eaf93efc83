namespace Spindle.Pools;

/// <summary>
/// The pool's queue of tasks not yet sent: new tasks at the back, tasks a dead worker never started back at the front
/// (in their order), so they keep their place ahead of later work. A ring buffer; the caller synchronizes.
/// </summary>
internal sealed class TaskDeque
{
    private RemoteTask[] _items = new RemoteTask[64];
    private int _head;

    public int Count { get; private set; }

    public RemoteTask First => _items[_head];

    public void AddLast(RemoteTask task)
    {
        Grow();
        _items[(_head + Count) % _items.Length] = task;
        Count++;
    }

    /// <summary>Puts <paramref name="tasks"/> at the front, keeping their order.</summary>
    public void AddFirst(List<RemoteTask> tasks)
    {
        for (var i = tasks.Count - 1; i >= 0; i--)
        {
            Grow();
            _head = (_head - 1 + _items.Length) % _items.Length;
            _items[_head] = tasks[i];
            Count++;
        }
    }

    public RemoteTask RemoveFirst()
    {
        var task = _items[_head];
        _items[_head] = null!;
        _head = (_head + 1) % _items.Length;
        Count--;
        return task;
    }

    public List<RemoteTask> RemoveAll()
    {
        var all = new List<RemoteTask>(Count);
        while (Count > 0) all.Add(RemoveFirst());
        return all;
    }

    private void Grow()
    {
        if (Count < _items.Length) return;
        var bigger = new RemoteTask[_items.Length * 2];
        for (var i = 0; i < Count; i++) bigger[i] = _items[(_head + i) % _items.Length];
        _items = bigger;
        _head = 0;
    }
}
