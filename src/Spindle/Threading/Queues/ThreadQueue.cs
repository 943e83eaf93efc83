namespace Spindle.Threading;

/// <summary>
/// A first-in, first-out queue for threads and tasks, optionally bounded, with task tracking and shutdown.
/// Python: <c>queue.Queue(maxsize=0)</c>.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class ThreadQueue<T> : ThreadQueueBase<T>
{
    private readonly Queue<T> _items = new();
    private Stack<T>? _requeued; // items given back, which come out before the others

    /// <summary>Creates the queue. Python: <c>queue.Queue(maxsize=0)</c>.</summary>
    /// <param name="maxSize">The capacity; 0 or less means unbounded, as in Python.</param>
    public ThreadQueue(int maxSize = 0) : base(maxSize) { }

    private protected override void AddItem(T item) => _items.Enqueue(item);

    private protected override void AddItemFirst(T item) => (_requeued ??= new()).Push(item);

    private protected override T RemoveItem() => _requeued is { Count: > 0 } requeued ? requeued.Pop() : _items.Dequeue();

    private protected override void ClearItems()
    {
        _items.Clear();
        _requeued?.Clear();
    }
}
