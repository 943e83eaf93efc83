namespace Spindle.Threading.Queues;

/// <summary>
/// A binary min-heap that breaks ties by insertion order and stays unchanged when the comparer throws.
/// Python's <c>heapq</c> (and the BCL's <see cref="PriorityQueue{TElement, TPriority}"/>) leave a half-sifted heap
/// behind when a comparison fails — a common accident with <c>(priority, payload)</c> tuples whose payloads cannot be
/// compared — losing one item and duplicating another; here the failed operation is undone and the exception rethrown.
/// </summary>
internal sealed class StableHeap<T>(IComparer<T> comparer)
{
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
                var parent = (index - 1) >> 1;
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
                var child = 2 * index + 1;
                if (child >= size) break;
                if (child + 1 < size && Compare(_entries[child + 1], _entries[child]) < 0) child++;
                if (Compare(last, _entries[child]) <= 0) break;
                _entries[index] = _entries[child];
                index = child;
            }
        }
        catch
        {
            // Each node on the path from the root to `index` was copied one level up: copy them back down.
            for (var node = index; node != 0; node = (node - 1) >> 1) _entries[node] = _entries[(node - 1) >> 1];
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
        var order = comparer.Compare(x.Item, y.Item);
        return order != 0 ? order : x.Sequence.CompareTo(y.Sequence);
    }

    /// <summary>The child of <paramref name="ancestor"/> on the path down to <paramref name="descendant"/>.</summary>
    private static int ChildTowards(int ancestor, int descendant)
    {
        var child = descendant;
        while ((child - 1) >> 1 != ancestor) child = (child - 1) >> 1;
        return child;
    }

    private readonly record struct Entry(T Item, long Sequence);
}
