namespace Spindle.Threading;

/// <summary>
/// A queue that hands out its lowest item first, for threads and tasks, optionally bounded, with task tracking and
/// shutdown. Python: <c>queue.PriorityQueue(maxsize=0)</c>. Items are ordered by the comparer
/// (<see cref="Comparer{T}.Default"/> unless given), so <c>(int Priority, string Data)</c> tuples work as Python's
/// <c>(priority, data)</c> tuples do. Unlike Python (whose <c>heapq</c> promises nothing), items that compare equal come
/// out in the order they were put.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class ThreadPriorityQueue<T> : ThreadQueueBase<T>
{
    private readonly PriorityQueue<T, Entry> _items;
    private long _nextSequence; // guarded by the queue lock, like every container access

    /// <summary>Creates the queue. Python: <c>queue.PriorityQueue(maxsize=0)</c>.</summary>
    /// <param name="maxSize">The capacity; 0 or less means unbounded, as in Python.</param>
    /// <param name="comparer">Orders the items, lowest first; <see cref="Comparer{T}.Default"/> if null.</param>
    public ThreadPriorityQueue(int maxSize = 0, IComparer<T>? comparer = null) : base(maxSize) =>
        _items = new PriorityQueue<T, Entry>(new EntryComparer(comparer ?? Comparer<T>.Default));

    private protected override void AddItem(T item) => _items.Enqueue(item, new Entry(item, _nextSequence++));

    private protected override T RemoveItem() => _items.Dequeue();

    // The insertion sequence breaks ties, which makes equal items come out first-in, first-out.
    private readonly record struct Entry(T Item, long Sequence);

    private sealed class EntryComparer(IComparer<T> items) : IComparer<Entry>
    {
        public int Compare(Entry x, Entry y)
        {
            var order = items.Compare(x.Item, y.Item);
            return order != 0 ? order : x.Sequence.CompareTo(y.Sequence);
        }
    }
}
