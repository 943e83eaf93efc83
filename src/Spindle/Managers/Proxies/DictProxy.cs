using System.Collections;
using System.Text;
using Spindle.Serialization;

namespace Spindle.Managers;

/// <summary>
/// A proxy to a dictionary held by the manager (<see cref="Manager.Dict{TKey,TValue}"/>): every operation runs on the
/// server, atomically. Python: <c>DictProxy</c>.
/// </summary>
/// <remarks>
/// Keys and values are encoded here and stored encoded: the server compares keys by their encoded bytes (equal values
/// of the same type encode alike) and never decodes them. Insertion order is kept, as in Python.
/// <see cref="Keys"/>, <see cref="Values"/> and enumeration are snapshots (Python's proxy methods return copies too).
/// </remarks>
/// <typeparam name="TKey">The key type; keys must be transferable.</typeparam>
/// <typeparam name="TValue">The value type; values must be transferable.</typeparam>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1710", Justification = "Python's name: DictProxy.")]
public sealed class DictProxy<TKey, TValue> : ManagerProxy, IDictionary<TKey, TValue>, IShareable<DictProxy<TKey, TValue>>
    where TKey : notnull
{
    private static readonly Action<WireWriter, TKey> s_writeKey = static (w, k) => ValueWire.Write(w, k);
    private static readonly Action<WireWriter, (TKey Key, TValue Value)> s_writePair = static (w, p) =>
    {
        ValueWire.Write(w, p.Key);
        ValueWire.Write(w, p.Value);
    };

    internal DictProxy(ProxyCore core) : base(core) { }

    /// <summary>Gets or sets the value of <paramref name="key"/>. Python: <c>d[key]</c>, <c>d[key] = value</c>.</summary>
    /// <exception cref="KeyNotFoundException">Getting a key that is not there (Python: <c>KeyError</c>).</exception>
    public TValue this[TKey key]
    {
        get => TryGetValue(key, out var value) ? value : throw Missing(key);
        set => Core.Call((byte)DictMethod.Set, (key, value), s_writePair);
    }

    /// <summary>A snapshot of the keys, in insertion order. Python: <c>keys()</c>.</summary>
    public ICollection<TKey> Keys => Core.Call((byte)DictMethod.Keys, static (ref WireReader r) => ValueWire.ReadAll<TKey>(ref r)).AsReadOnly();

    /// <summary>A snapshot of the values, in insertion order. Python: <c>values()</c>.</summary>
    public ICollection<TValue> Values => Core.Call((byte)DictMethod.Values, static (ref WireReader r) => ValueWire.ReadAll<TValue>(ref r)).AsReadOnly();

    /// <summary>The number of entries. Python: <c>len(d)</c>.</summary>
    public int Count => Core.Call((byte)DictMethod.Count, static (ref WireReader r) => r.Int32());

    /// <summary>Always false.</summary>
    public bool IsReadOnly => false;

    /// <summary>Adds a key that is not there yet. .NET's <c>Add</c>; Python has only <c>d[key] = value</c> (the indexer).</summary>
    /// <exception cref="ArgumentException">The key is already there.</exception>
    public void Add(TKey key, TValue value)
    {
        if (!TryAdd(key, value)) throw new ArgumentException($"An item with the same key has already been added. Key: {PythonRepr.Of(key)}", nameof(key));
    }

    /// <summary>Adds a key that is not there yet; false if it is. .NET's <c>TryAdd</c>.</summary>
    public bool TryAdd(TKey key, TValue value) =>
        Core.Call((byte)DictMethod.TryAdd, (key, value), s_writePair, static (ref WireReader r) => r.Bool());

    /// <summary>Whether <paramref name="key"/> is there. Python: <c>key in d</c>.</summary>
    public bool ContainsKey(TKey key) => Core.Call((byte)DictMethod.Contains, key, s_writeKey, static (ref WireReader r) => r.Bool());

    /// <summary>Removes <paramref name="key"/>; false if it was not there. Python: <c>del d[key]</c> (which raises instead).</summary>
    public bool Remove(TKey key) => TryPop(key, out _);

    /// <summary>Gets the value of <paramref name="key"/>, if it is there. Python: <c>d.get(key)</c>.</summary>
    public bool TryGetValue(TKey key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TValue value)
    {
        bool found;
        (found, value) = Core.Call((byte)DictMethod.Get, key, s_writeKey, static (ref WireReader r) => ValueWire.ReadFound<TValue>(ref r));
        return found;
    }

    /// <summary>The value of <paramref name="key"/>, or <paramref name="defaultValue"/>. Python: <c>d.get(key, default)</c>.</summary>
    public TValue Get(TKey key, TValue defaultValue) => TryGetValue(key, out var value) ? value : defaultValue;

    /// <summary>Removes <paramref name="key"/> and returns its value. Python: <c>d.pop(key)</c>.</summary>
    /// <exception cref="KeyNotFoundException">The key is not there.</exception>
    public TValue Pop(TKey key) => TryPop(key, out var value) ? value : throw Missing(key);

    /// <summary>Removes <paramref name="key"/> and returns its value, or <paramref name="defaultValue"/> if it was not there. Python: <c>d.pop(key, default)</c>.</summary>
    public TValue Pop(TKey key, TValue defaultValue) => TryPop(key, out var value) ? value : defaultValue;

    /// <summary>Removes and returns the newest entry. Python: <c>d.popitem()</c>.</summary>
    /// <exception cref="KeyNotFoundException">The dictionary is empty (Python: <c>KeyError: 'popitem(): dictionary is empty'</c>).</exception>
    public KeyValuePair<TKey, TValue> PopItem() =>
        Core.Call((byte)DictMethod.PopItem, static (ref WireReader r) =>
            r.Bool() ? new KeyValuePair<TKey, TValue>(ValueWire.Read<TKey>(ref r), ValueWire.Read<TValue>(ref r))
            : throw new KeyNotFoundException("popitem(): dictionary is empty"));

    /// <summary>The value of <paramref name="key"/>, first setting it to <paramref name="defaultValue"/> if it is not there (one atomic step). Python: <c>d.setdefault(key, default)</c>.</summary>
    public TValue SetDefault(TKey key, TValue defaultValue) =>
        Core.Call((byte)DictMethod.SetDefault, (key, defaultValue), s_writePair, static (ref WireReader r) => ValueWire.Read<TValue>(ref r));

    /// <summary>Sets every pair (one atomic step). Python: <c>d.update(other)</c>.</summary>
    public void Update(IEnumerable<KeyValuePair<TKey, TValue>> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        Core.Call((byte)DictMethod.Update, pairs, static (w, all) => WritePairs(w, all));
    }

    /// <summary>Removes every entry. Python: <c>clear()</c>.</summary>
    public void Clear() => Core.Call((byte)DictMethod.Clear);

    /// <summary>A copy of the dictionary, in insertion order. Python: <c>d.copy()</c> / <c>proxy._getvalue()</c>.</summary>
    public Dictionary<TKey, TValue> ToDictionary()
    {
        var items = Items();
        var copy = new Dictionary<TKey, TValue>(items.Count);
        foreach (var (key, value) in items) copy[key] = value;
        return copy;
    }

    /// <summary>Enumerates a snapshot of the entries. Python: <c>items()</c>.</summary>
    public IEnumerator<KeyValuePair<TKey, TValue>> GetEnumerator() => Items().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    void ICollection<KeyValuePair<TKey, TValue>>.Add(KeyValuePair<TKey, TValue> item) => Add(item.Key, item.Value);

    bool ICollection<KeyValuePair<TKey, TValue>>.Contains(KeyValuePair<TKey, TValue> item) =>
        TryGetValue(item.Key, out var value) && EqualityComparer<TValue>.Default.Equals(value, item.Value);

    void ICollection<KeyValuePair<TKey, TValue>>.CopyTo(KeyValuePair<TKey, TValue>[] array, int arrayIndex) => Items().CopyTo(array, arrayIndex);

    bool ICollection<KeyValuePair<TKey, TValue>>.Remove(KeyValuePair<TKey, TValue> item) =>
        ((ICollection<KeyValuePair<TKey, TValue>>)this).Contains(item) && Remove(item.Key);

    /// <summary>Rebuilds a proxy in the receiving process (it borrows the dictionary).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "IShareable<TSelf> requires a static Import on the type itself.")]
    public static DictProxy<TKey, TValue> Import(ShareableHandle handle) => new(ProxyCore.Import(handle, BuiltinTypes.Dict));

    /// <summary>Python's <c>str(d)</c>: the contents, e.g. <c>{1: 2}</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("{");
        var first = true;
        foreach (var (key, value) in Items())
        {
            if (!first) text.Append(", ");
            first = false;
            PythonRepr.Append(text, key);
            text.Append(": ");
            PythonRepr.Append(text, value);
        }
        return text.Append('}').ToString();
    }

    /// <summary>[count][key value]*: the creation arguments of <see cref="Manager.Dict{TKey,TValue}"/> and of <see cref="Update"/>.</summary>
    internal static void WritePairs(WireWriter writer, IEnumerable<KeyValuePair<TKey, TValue>> pairs)
    {
        var mark = writer.Reserve32();
        var count = 0;
        foreach (var (key, value) in pairs)
        {
            ValueWire.Write(writer, key);
            ValueWire.Write(writer, value);
            count++;
        }
        writer.Patch32(mark, count);
    }

    private List<KeyValuePair<TKey, TValue>> Items() =>
        Core.Call((byte)DictMethod.Items, static (ref WireReader r) =>
        {
            var count = r.Count();
            var items = new List<KeyValuePair<TKey, TValue>>(Math.Min(count, r.Remaining / 8));
            for (var i = 0; i < count; i++) items.Add(new(ValueWire.Read<TKey>(ref r), ValueWire.Read<TValue>(ref r)));
            return items;
        });

    private bool TryPop(TKey key, out TValue value)
    {
        bool found;
        (found, value) = Core.Call((byte)DictMethod.Remove, key, s_writeKey, static (ref WireReader r) => ValueWire.ReadFound<TValue>(ref r));
        return found;
    }

    private static KeyNotFoundException Missing(TKey key) => new($"The key {PythonRepr.Of(key)} is not in the manager's dict (Python: KeyError).");
}
