using System.Collections;
using System.Text;
using Spindle.Serialization;

namespace Spindle.Managers;

/// <summary>
/// A proxy to a list held by the manager (<see cref="Manager.List{T}"/>): every operation runs on the server,
/// atomically. Python: <c>ListProxy</c>.
/// </summary>
/// <remarks>
/// Items are stored as encoded here; <see cref="IndexOf"/>, <see cref="Contains"/>, <see cref="Remove"/> and
/// <see cref="CountOf"/> compare those bytes (equal values of the same type encode alike). Enumeration is a snapshot.
/// The <see cref="int"/> indexer follows .NET (0 … Count−1); the <see cref="Index"/> indexer and <see cref="Pop()"/>
/// take Python's negative positions as <c>^1</c>.
/// </remarks>
/// <typeparam name="T">The item type; items must be transferable.</typeparam>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1710", Justification = "Python's name: ListProxy.")]
public sealed class ListProxy<T> : ManagerProxy, IList<T>, IShareable<ListProxy<T>>
{
    private static readonly Action<WireWriter, T> s_writeItem = static (w, item) => ValueWire.Write(w, item);
    private static readonly ReplyReader<T> s_readItem = static (ref WireReader r) => ValueWire.Read<T>(ref r);

    internal ListProxy(ProxyCore core) : base(core) { }

    /// <summary>The item at <paramref name="index"/>. Python: <c>l[i]</c>, <c>l[i] = x</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such position (Python: <c>IndexError</c>).</exception>
    public T this[int index]
    {
        get => this[new Index(index)];
        set => this[new Index(index)] = value;
    }

    /// <summary>The item at <paramref name="index"/>, <c>^1</c> being the last. Python: <c>l[-1]</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such position (Python: <c>IndexError</c>).</exception>
    public T this[Index index]
    {
        get => Core.Call((byte)ListMethod.Get, index, static (w, i) => WriteIndex(w, i), s_readItem);
        set => Core.Call((byte)ListMethod.Set, (index, value), static (w, s) =>
        {
            WriteIndex(w, s.index);
            ValueWire.Write(w, s.value);
        });
    }

    /// <summary>The number of items. Python: <c>len(l)</c>.</summary>
    public int Count => Core.Call((byte)ListMethod.Count, static (ref WireReader r) => r.Int32());

    /// <summary>Always false.</summary>
    public bool IsReadOnly => false;

    /// <summary>Appends an item. Python: <c>append(x)</c>.</summary>
    public void Add(T item) => Core.Call((byte)ListMethod.Append, item, s_writeItem);

    /// <summary>Appends every item (one atomic step). Python: <c>extend(iterable)</c>, <c>l += iterable</c>.</summary>
    public void AddRange(IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        Core.Call((byte)ListMethod.Extend, items, static (w, all) => ValueWire.WriteAll(w, all));
    }

    /// <summary>Inserts an item at <paramref name="index"/> (0 … Count). Python: <c>insert(i, x)</c> (which clamps instead of throwing).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside 0 … Count.</exception>
    public void Insert(int index, T item) => Core.Call((byte)ListMethod.Insert, (index, item), static (w, s) =>
    {
        w.Int32(s.index);
        ValueWire.Write(w, s.item);
    });

    /// <summary>Removes and returns the last item. Python: <c>pop()</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The list is empty (Python: <c>IndexError: pop from empty list</c>).</exception>
    public T Pop() => Pop(^1);

    /// <summary>Removes and returns the item at <paramref name="index"/>. Python: <c>pop(i)</c>.</summary>
    public T Pop(Index index) => Core.Call((byte)ListMethod.Pop, index, static (w, i) => WriteIndex(w, i), s_readItem);

    /// <summary>Removes the item at <paramref name="index"/>. Python: <c>del l[i]</c>.</summary>
    public void RemoveAt(int index) => Pop(new Index(index));

    /// <summary>Removes the first item equal to <paramref name="item"/>; false if there is none. Python: <c>remove(x)</c> (which raises instead).</summary>
    public bool Remove(T item) => Core.Call((byte)ListMethod.Remove, item, s_writeItem, static (ref WireReader r) => r.Bool());

    /// <summary>The position of the first item equal to <paramref name="item"/>, or −1. Python: <c>index(x)</c> (which raises instead).</summary>
    public int IndexOf(T item) => Core.Call((byte)ListMethod.IndexOf, item, s_writeItem, static (ref WireReader r) => r.Int32());

    /// <summary>Whether an item equals <paramref name="item"/>. Python: <c>x in l</c>.</summary>
    public bool Contains(T item) => IndexOf(item) >= 0;

    /// <summary>How many items equal <paramref name="item"/>. Python: <c>count(x)</c>.</summary>
    public int CountOf(T item) => Core.Call((byte)ListMethod.CountOf, item, s_writeItem, static (ref WireReader r) => r.Int32());

    /// <summary>Removes every item. Python: <c>clear()</c>.</summary>
    public void Clear() => Core.Call((byte)ListMethod.Clear);

    /// <summary>Reverses the list in place. Python: <c>reverse()</c>.</summary>
    public void Reverse() => Core.Call((byte)ListMethod.Reverse);

    /// <summary>
    /// Sorts in place, stably, by the items' natural order (the server decodes them to compare; they must implement
    /// <see cref="IComparable"/>). Python: <c>sort(reverse=False)</c>; a <c>key</c> function cannot run in the server.
    /// </summary>
    /// <exception cref="InvalidOperationException">Two items cannot be compared (Python: <c>TypeError</c>).</exception>
    public void Sort(bool descending = false) => Core.Call((byte)ListMethod.Sort, descending, static (w, d) => w.Bool(d));

    /// <summary>Up to <paramref name="count"/> items from <paramref name="index"/>. Python: <c>l[i:i + n]</c>.</summary>
    public List<T> GetRange(int index, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Core.Call((byte)ListMethod.Slice, (index, count), static (w, s) =>
        {
            w.Int32(s.index);
            w.Int32(s.count);
        }, static (ref WireReader r) => ValueWire.ReadAll<T>(ref r));
    }

    /// <summary>A copy of the whole list. Python: <c>l[:]</c>, <c>list(l)</c>, <c>proxy._getvalue()</c>.</summary>
    public List<T> ToList() => GetRange(0, int.MaxValue);

    /// <summary>Copies a snapshot of the list into <paramref name="array"/>.</summary>
    public void CopyTo(T[] array, int arrayIndex) => ToList().CopyTo(array, arrayIndex);

    /// <summary>Enumerates a snapshot of the list. Python: <c>iter(l)</c>.</summary>
    public IEnumerator<T> GetEnumerator() => ToList().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Rebuilds a proxy in the receiving process (it borrows the list).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "IShareable<TSelf> requires a static Import on the type itself.")]
    public static ListProxy<T> Import(ShareableHandle handle) => new(ProxyCore.Import(handle, BuiltinTypes.List));

    /// <summary>Python's <c>str(l)</c>: the contents, e.g. <c>['Hello']</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        PythonRepr.AppendList(text, ToList().Cast<object?>());
        return text.ToString();
    }

    private static void WriteIndex(WireWriter writer, Index index)
    {
        writer.Int32(index.Value);
        writer.Bool(index.IsFromEnd);
    }
}
