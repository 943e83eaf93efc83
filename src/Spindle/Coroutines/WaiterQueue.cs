namespace Spindle.Coroutines;

/// <summary>
/// Greenlets waiting on a hub primitive, first come first served: each entry is a greenlet and the number of its wait,
/// so a wake reaches only a wait still open (see <see cref="Greenlet.ClaimWait"/>).
/// </summary>
internal sealed class WaiterQueue
{
    private (Greenlet Greenlet, int Seq)[] _items = new (Greenlet, int)[4];
    private int _head;

    /// <summary>Entries, stale ones included.</summary>
    public int Count { get; private set; }

    /// <summary>Appends a waiter.</summary>
    public void Add(Greenlet g, int seq)
    {
        if (_head + Count == _items.Length)
        {
            if (_head > 0 && Count < _items.Length / 2)
            {
                Array.Copy(_items, _head, _items, 0, Count);
                Array.Clear(_items, Count, _head);
            }
            else
            {
                Array.Resize(ref _items, _items.Length * 2);
                if (_head > 0)
                {
                    Array.Copy(_items, _head, _items, 0, Count);
                    Array.Clear(_items, Count, _head);
                }
            }
            _head = 0;
        }
        _items[_head + Count++] = (g, seq);
    }

    /// <summary>Removes a waiter that gave up (timeout, kill); nothing if a wake already took it.</summary>
    public void Remove(Greenlet g, int seq)
    {
        for (var i = 0; i < Count; i++)
        {
            if (_items[_head + i].Greenlet != g || _items[_head + i].Seq != seq) continue;
            Array.Copy(_items, _head + i + 1, _items, _head + i, Count - i - 1);
            _items[_head + --Count] = default;
            return;
        }
    }

    /// <summary>Wakes the first waiter whose wait is still open, delivering <paramref name="value"/>.</summary>
    /// <returns>Whether one was woken.</returns>
    public bool WakeOne(Hub hub, object? value = null)
    {
        while (Count > 0)
        {
            var (g, seq) = _items[_head];
            _items[_head++] = default;
            if (--Count == 0) _head = 0;
            if (hub.Wake(g, seq, value)) return true;
        }
        return false;
    }

    /// <summary>Wakes every waiter, delivering <paramref name="value"/> or <paramref name="error"/>.</summary>
    public void WakeAll(Hub hub, object? value = null, Exception? error = null)
    {
        while (Count > 0)
        {
            var (g, seq) = _items[_head];
            _items[_head++] = default;
            if (--Count == 0) _head = 0;
            hub.Wake(g, seq, value, error);
        }
    }

    /// <summary>
    /// Parks the running greenlet (main or coroutine) in this queue until a wake, the timeout or the token.
    /// </summary>
    /// <returns>true when woken, false when the timeout passed.</returns>
    public async ValueTask<bool> WaitAsync(string operation, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var hub = Hub.ForWait(operation, out var self);
        var seq = self.BeginWait();
        Add(self, seq);
        object? result;
        try
        {
            result = await hub.Park(self, seq, timeout, cancellationToken);
        }
        catch
        {
            Remove(self, seq);
            throw;
        }
        if (result != Hub.TimedOut) return true;
        Remove(self, seq);
        return false;
    }
}
