using Spindle.Serialization;

namespace Spindle.Managers;

/// <summary>The methods of a served list. Python: <c>ListProxy</c>'s exposed methods.</summary>
internal enum ListMethod : byte
{
    /// <summary>→ [i32]. Python: <c>__len__</c>.</summary>
    Count = 1,

    /// <summary>[index][from end: bool] → [item]. Python: <c>__getitem__</c>.</summary>
    Get = 2,

    /// <summary>[index][from end: bool][item] → nothing. Python: <c>__setitem__</c>.</summary>
    Set = 3,

    /// <summary>[item] → nothing. Python: <c>append</c>.</summary>
    Append = 4,

    /// <summary>[count][item]* → nothing. Python: <c>extend</c>.</summary>
    Extend = 5,

    /// <summary>[index][item] → nothing. Python: <c>insert</c>.</summary>
    Insert = 6,

    /// <summary>[index][from end: bool] → [item]. Python: <c>pop</c>, <c>__delitem__</c>.</summary>
    Pop = 7,

    /// <summary>[item] → [removed: bool]. Python: <c>remove</c>.</summary>
    Remove = 8,

    /// <summary>[item] → [index or −1]. Python: <c>index</c>, <c>__contains__</c>.</summary>
    IndexOf = 9,

    /// <summary>[item] → [i32]. Python: <c>count</c>.</summary>
    CountOf = 10,

    /// <summary>Python: <c>clear</c>.</summary>
    Clear = 11,

    /// <summary>Python: <c>reverse</c>.</summary>
    Reverse = 12,

    /// <summary>[descending: bool] → nothing. Python: <c>sort(reverse=…)</c>.</summary>
    Sort = 13,

    /// <summary>[start][count] → [count][item]*. Python: <c>__getitem__</c> with a slice, <c>list(l)</c>.</summary>
    Slice = 14,
}

/// <summary>
/// A list held by the manager: items as their senders encoded them, compared by those bytes; decoded only to sort.
/// Python: the <c>list</c> behind <c>manager.list()</c>.
/// </summary>
internal sealed class ServedList : Served
{
    private readonly Lock _gate = new();
    private readonly List<byte[]> _items = [];

    internal ServedList(ref WireReader initial)
    {
        for (var n = initial.Count(); n > 0; n--) _items.Add(initial.Blob().ToArray());
    }

    internal override ValueTask Invoke(ServerCall call)
    {
        var args = call.Reader();
        var result = call.Result;
        lock (_gate)
        {
            switch ((ListMethod)call.Method)
            {
                case ListMethod.Count:
                    result.Int32(_items.Count);
                    break;
                case ListMethod.Get:
                    result.Blob(_items[Resolve(args.Int32(), args.Bool())]);
                    break;
                case ListMethod.Set:
                {
                    var index = Resolve(args.Int32(), args.Bool());
                    _items[index] = args.Blob().ToArray();
                    break;
                }
                case ListMethod.Append:
                    _items.Add(args.Blob().ToArray());
                    break;
                case ListMethod.Extend:
                    for (var n = args.Count(); n > 0; n--) _items.Add(args.Blob().ToArray());
                    break;
                case ListMethod.Insert:
                {
                    var index = args.Int32();
                    var item = args.Blob().ToArray();
                    if ((uint)index > (uint)_items.Count) throw new ArgumentOutOfRangeException($"list insert index {index} is out of range: the list has {_items.Count} items.", (Exception?)null);
                    _items.Insert(index, item);
                    break;
                }
                case ListMethod.Pop:
                {
                    var index = Resolve(args.Int32(), args.Bool());
                    result.Blob(_items[index]);
                    _items.RemoveAt(index);
                    break;
                }
                case ListMethod.Remove:
                {
                    var index = IndexOf(args.Blob());
                    if (index >= 0) _items.RemoveAt(index);
                    result.Bool(index >= 0);
                    break;
                }
                case ListMethod.IndexOf:
                    result.Int32(IndexOf(args.Blob()));
                    break;
                case ListMethod.CountOf:
                {
                    var item = args.Blob();
                    var count = 0;
                    foreach (var each in _items) count += item.SequenceEqual(each) ? 1 : 0;
                    result.Int32(count);
                    break;
                }
                case ListMethod.Clear:
                    _items.Clear();
                    break;
                case ListMethod.Reverse:
                    _items.Reverse();
                    break;
                case ListMethod.Sort:
                    Sort(args.Bool());
                    break;
                case ListMethod.Slice:
                {
                    var start = args.Count();
                    var count = args.Count();
                    if (start > _items.Count) start = _items.Count;
                    count = Math.Min(count, _items.Count - start);
                    result.Int32(count);
                    for (var i = start; i < start + count; i++) result.Blob(_items[i]);
                    break;
                }
                default:
                    throw UnknownMethod(call, "a list");
            }
        }
        args.End();
        return default;
    }

    private int Resolve(int index, bool fromEnd)
    {
        var resolved = fromEnd ? _items.Count - index : index;
        return (uint)resolved < (uint)_items.Count ? resolved
            : throw new ArgumentOutOfRangeException($"list index {(fromEnd ? -index : index)} is out of range: the list has {_items.Count} items.", (Exception?)null);
    }

    private int IndexOf(ReadOnlySpan<byte> item)
    {
        for (var i = 0; i < _items.Count; i++)
        {
            if (item.SequenceEqual(_items[i])) return i;
        }
        return -1;
    }

    /// <summary>A stable sort of the decoded items, as Python's; the encoded bytes are reordered with them.</summary>
    private void Sort(bool descending)
    {
        var keyed = _items.Select(bytes => (Key: ValueCodec.Decode(bytes), Bytes: bytes)).ToList();
        var sorted = descending
            ? keyed.OrderByDescending(k => k.Key, Comparer<object?>.Default)
            : keyed.OrderBy(k => k.Key, Comparer<object?>.Default);
        var reordered = sorted.Select(k => k.Bytes).ToList();
        _items.Clear();
        _items.AddRange(reordered);
    }
}
