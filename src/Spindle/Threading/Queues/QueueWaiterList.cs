namespace Spindle.Threading.Queues;

/// <summary>
/// The waiters of one queue condition (not empty, not full, all tasks done), oldest first, with O(1) withdrawal.
/// Plays the role of the waiter deque inside CPython's <c>threading.Condition</c>; guarded by the queue lock.
/// </summary>
internal sealed class QueueWaiterList
{
    private QueueWaiter? _head;
    private QueueWaiter? _tail;

    public bool IsEmpty => _head is null;

    public int Count { get; private set; }

    public void Add(QueueWaiter waiter)
    {
        waiter.Owner = this;
        waiter.Previous = _tail;
        waiter.Next = null;
        if (_tail is null) _head = waiter;
        else _tail.Next = waiter;
        _tail = waiter;
        Count++;
    }

    /// <summary>Withdraws <paramref name="waiter"/> if it is still here (it may have been woken meanwhile).</summary>
    public void Remove(QueueWaiter waiter)
    {
        if (waiter.Owner != this) return;
        if (waiter.Previous is null) _head = waiter.Next;
        else waiter.Previous.Next = waiter.Next;
        if (waiter.Next is null) _tail = waiter.Previous;
        else waiter.Next.Previous = waiter.Previous;
        waiter.Previous = waiter.Next = null;
        waiter.Owner = null;
        Count--;
    }

    /// <summary>Takes out the oldest waiter for the caller to <see cref="QueueWaiter.Wake"/> once it left the lock. Python: <c>notify()</c>.</summary>
    public QueueWaiter? TakeFirst()
    {
        var first = _head;
        if (first is not null) Remove(first);
        return first;
    }

    /// <summary>Wakes every waiter. Python: <c>notify_all()</c>. Wakes inside the lock, since a woken thread may re-enlist at once.</summary>
    public void WakeAll()
    {
        while (TakeFirst() is { } waiter) waiter.Wake();
    }
}
