using Spindle.Threading.Queues;

namespace Spindle.Threading;

/// <summary>
/// A queue that hands out its lowest item first, for threads and tasks, optionally bounded, with task tracking and
/// shutdown. Python: <c>queue.PriorityQueue(maxsize=0)</c>. Items are ordered by the comparer
/// (<see cref="Comparer{T}.Default"/> unless given), so <c>(int Priority, string Data)</c> tuples work as Python's
/// <c>(priority, data)</c> tuples do. Unlike Python (whose <c>heapq</c> promises nothing), items that compare equal come
/// out in the order they were put; and if the comparer throws (say, on tuples whose payloads cannot be compared), the
/// put or get fails with that exception and leaves the queue as it was, where Python's heap is left damaged.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class ThreadPriorityQueue<T> : ThreadQueueBase<T>
{
    private readonly StableHeap<T> _items;

    /// <summary>Creates the queue. Python: <c>queue.PriorityQueue(maxsize=0)</c>.</summary>
    /// <param name="maxSize">The capacity; 0 or less means unbounded, as in Python.</param>
    /// <param name="comparer">Orders the items, lowest first; <see cref="Comparer{T}.Default"/> if null.</param>
    public ThreadPriorityQueue(int maxSize = 0, IComparer<T>? comparer = null) : base(maxSize) =>
        _items = new StableHeap<T>(comparer ?? Comparer<T>.Default);

    private protected override void AddItem(T item) => _items.Push(item);

    private protected override T RemoveItem() => _items.Pop();

    private protected override void ClearItems() => _items.Clear();
}
