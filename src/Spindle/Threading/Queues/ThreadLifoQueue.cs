namespace Spindle.Threading;

/// <summary>
/// A last-in, first-out queue (a stack) for threads and tasks, optionally bounded, with task tracking and shutdown.
/// Python: <c>queue.LifoQueue(maxsize=0)</c>.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class ThreadLifoQueue<T> : ThreadQueueBase<T>
{
    private readonly Stack<T> _items = new();

    /// <summary>Creates the queue. Python: <c>queue.LifoQueue(maxsize=0)</c>.</summary>
    /// <param name="maxSize">The capacity; 0 or less means unbounded, as in Python.</param>
    public ThreadLifoQueue(int maxSize = 0) : base(maxSize) { }

    private protected override void AddItem(T item) => _items.Push(item);

    private protected override T RemoveItem() => _items.Pop();

    private protected override void ClearItems() => _items.Clear();
}
