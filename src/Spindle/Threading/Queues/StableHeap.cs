namespace Spindle.Threading.Queues;

/// <summary>
/// A 4-ary min-heap (shallower and more cache-friendly than a binary one, as the BCL's) that breaks ties by insertion order and stays unchanged when the comparer throws.
/// Python's <c>heapq</c> (and the BCL's <see cref="PriorityQueue{TElement, TPriority}"/>) leave a half-sifted heap
/// behind when a comparison fails — a common accident with <c>(priority, payload)</c> tuples whose payloads cannot be
/// compared — losing one item and duplicating another; here the failed operation is undone and the exception rethrown.
/// </summary>
internal sealed class StableHeap<T>(IComparer<T> comparer)
{
    // Calling Comparer<T>.Default directly lets the JIT devirtualise (and inline) it for value types.
    private readonly bool _defaultComparer = ReferenceEquals(comparer, Comparer<T>.Default);
    private const int Log2Arity = 2;
    private const int Arity = 1 << Log2Arity;

    private Entry[] _entries = [];
    private int _count;
    private long _nextSequence;

    public int Count => _count;

    public void Push(T item)
    {
        if (_count == _entries.Length) Array.Resize(ref _entries, Math.Max(4, _count * 2));
        var entry = new Entry(item, _nextSequence);
        var start = _count;
        var index = start;
        try
        {
            while (index > 0)
            {
                var parent = Parent(index);
                if (Compare(entry, _entries[parent]) >= 0) break;
                _entries[index] = _entries[parent];
                index = parent;
            }
        }
        catch
        {
            // Each ancestor from `index` down to `start` was copied one level down its path: copy them back up.
            for (var ancestor = index; ancestor != start;)
            {
                var child = ChildTowards(ancestor, start);
                _entries[ancestor] = _entries[child];
                ancestor = child;
            }
            _entries[start] = default;
            throw;
        }
        _entries[index] = entry;
        _count++;
        _nextSequence++;
    }

    public T Pop()
    {
        var top = _entries[0];
        var lastIndex = _count - 1;
        var last = _entries[lastIndex];
        var size = lastIndex;
        var index = 0;
        try
        {
            while (true)
            {
                var first = (index << Log2Arity) + 1;
                if (first >= size) break;
                var least = first;
                var end = Math.Min(first + Arity, size);
                for (var child = first + 1; child < end; child++)
                {
                    if (Compare(_entries[child], _entries[least]) < 0) least = child;
                }
                if (Compare(last, _entries[least]) <= 0) break;
                _entries[index] = _entries[least];
                index = least;
            }
        }
        catch
        {
            // Each node on the path from the root to `index` was copied one level up: copy them back down.
            for (var node = index; node != 0; node = Parent(node)) _entries[node] = _entries[Parent(node)];
            _entries[0] = top;
            throw;
        }
        _entries[lastIndex] = default; // drop the reference for the GC
        if (size > 0) _entries[index] = last;
        _count = size;
        return top.Item;
    }

    public void Clear()
    {
        Array.Clear(_entries, 0, _count);
        _count = 0;
    }

    private int Compare(in Entry x, in Entry y)
    {
        var order = _defaultComparer ? Comparer<T>.Default.Compare(x.Item, y.Item) : comparer.Compare(x.Item, y.Item);
        return order != 0 ? order : x.Sequence.CompareTo(y.Sequence);
    }

    /// <summary>The child of <paramref name="ancestor"/> on the path down to <paramref name="descendant"/>.</summary>
    private static int ChildTowards(int ancestor, int descendant)
    {
        var child = descendant;
        while (Parent(child) != ancestor) child = Parent(child);
        return child;
    }

    private static int Parent(int index) => (index - 1) >> Log2Arity;

    private readonly record struct Entry(T Item, long Sequence);
}
