using System.Collections;

namespace Spindle.Selectors;

/// <summary>
/// The result of <see cref="ISelector.Select"/>: the ready keys with the ready subset of their events. Python: the list of
/// <c>(key, events)</c> tuples that <c>select()</c> returns. Each selector reuses one instance, refilled by every call, so a
/// wait allocates nothing; <c>foreach</c> uses a struct enumerator. Copy it (<c>ToList()</c>) to keep it past the next call.
/// </summary>
public sealed class ReadyList : IReadOnlyList<(SelectorKey Key, SelectorEvents Events)>
{
    private readonly List<(SelectorKey Key, SelectorEvents Events)> _items = [];

    internal ReadyList() { }

    /// <summary>How many keys are ready. Python: <c>len(events)</c>.</summary>
    public int Count => _items.Count;

    /// <summary>The <paramref name="index"/>-th ready key and its events. Python: <c>events[i]</c>.</summary>
    public (SelectorKey Key, SelectorEvents Events) this[int index] => _items[index];

    /// <summary>An allocation-free enumerator. Python: iterating the list.</summary>
    public List<(SelectorKey Key, SelectorEvents Events)>.Enumerator GetEnumerator() => _items.GetEnumerator();

    IEnumerator<(SelectorKey Key, SelectorEvents Events)> IEnumerable<(SelectorKey Key, SelectorEvents Events)>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal void Clear() => _items.Clear();

    internal void Add(SelectorKey key, SelectorEvents events) => _items.Add((key, events));
}
