using Spindle.Serialization;

namespace Spindle.Managers;

/// <summary>
/// Encoded keys to encoded values, in insertion order (Python's dict keeps it; a .NET <see cref="Dictionary{TKey,TValue}"/>
/// loses it after a removal), with O(1) lookup, update, insertion and removal. Keys are looked up by span, so a
/// lookup allocates nothing. Not thread-safe: the served object locks around it.
/// </summary>
internal sealed class OrderedBytesMap
{
    private readonly Dictionary<byte[], LinkedListNode<Pair>> _index = new(ByteArrayComparer.Instance);
    private readonly Dictionary<byte[], LinkedListNode<Pair>>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly LinkedList<Pair> _order = new();

    public OrderedBytesMap() => _lookup = _index.GetAlternateLookup<ReadOnlySpan<byte>>();

    public int Count => _index.Count;

    /// <summary>The entries, oldest first.</summary>
    public IEnumerable<Pair> Entries => _order;

    public bool TryGet(ReadOnlySpan<byte> key, out byte[] value)
    {
        if (_lookup.TryGetValue(key, out var node))
        {
            value = node.Value.Value;
            return true;
        }
        value = [];
        return false;
    }

    public bool Contains(ReadOnlySpan<byte> key) => _lookup.ContainsKey(key);

    /// <summary>Sets the value; a new key goes last, an existing one keeps its place (as in Python).</summary>
    public void Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (_lookup.TryGetValue(key, out var node))
        {
            node.Value.Value = value.ToArray();
            return;
        }
        Add(key.ToArray(), value.ToArray());
    }

    /// <summary>Adds a key that is not there; false (and nothing changes) if it is.</summary>
    public bool TryAdd(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (_lookup.ContainsKey(key)) return false;
        Add(key.ToArray(), value.ToArray());
        return true;
    }

    public bool Remove(ReadOnlySpan<byte> key, out byte[] value)
    {
        if (!_lookup.Remove(key, out _, out var node))
        {
            value = [];
            return false;
        }
        _order.Remove(node);
        value = node.Value.Value;
        return true;
    }

    /// <summary>Removes the newest entry (Python's <c>popitem</c> is LIFO).</summary>
    public Pair? RemoveLast()
    {
        if (_order.Last is not { } last) return null;
        _order.RemoveLast();
        _index.Remove(last.Value.Key);
        return last.Value;
    }

    public void Clear()
    {
        _index.Clear();
        _order.Clear();
    }

    private void Add(byte[] key, byte[] value) => _index.Add(key, _order.AddLast(new Pair(key, value)));

    /// <summary>One entry; the value is replaced in place when the key is set again.</summary>
    internal sealed class Pair(byte[] key, byte[] value)
    {
        public byte[] Key { get; } = key;

        public byte[] Value { get; set; } = value;
    }
}
