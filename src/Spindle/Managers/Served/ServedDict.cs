namespace Spindle.Managers;

/// <summary>The methods of a served dictionary. Python: <c>DictProxy</c>'s exposed methods.</summary>
internal enum DictMethod : byte
{
    /// <summary>[key][value] → nothing. Python: <c>__setitem__</c>.</summary>
    Set = 1,

    /// <summary>[key] → [found: bool][value]. Python: <c>__getitem__</c>, <c>get</c>.</summary>
    Get = 2,

    /// <summary>[key] → [bool]. Python: <c>__contains__</c>.</summary>
    Contains = 3,

    /// <summary>[key] → [found: bool][value]. Python: <c>pop</c>, <c>__delitem__</c>.</summary>
    Remove = 4,

    /// <summary>→ [i32]. Python: <c>__len__</c>.</summary>
    Count = 5,

    /// <summary>Python: <c>clear</c>.</summary>
    Clear = 6,

    /// <summary>→ [count][key value]*. Python: <c>items</c>, <c>copy</c>.</summary>
    Items = 7,

    /// <summary>→ [count][key]*. Python: <c>keys</c>.</summary>
    Keys = 8,

    /// <summary>→ [count][value]*. Python: <c>values</c>.</summary>
    Values = 9,

    /// <summary>[key][default] → [value]. Python: <c>setdefault</c>.</summary>
    SetDefault = 10,

    /// <summary>[count][key value]* → nothing. Python: <c>update</c>.</summary>
    Update = 11,

    /// <summary>→ [found: bool][key][value]. Python: <c>popitem</c>.</summary>
    PopItem = 12,

    /// <summary>[key][value] → [added: bool]. .NET's <c>TryAdd</c>.</summary>
    TryAdd = 13,
}

/// <summary>
/// A dictionary held by the manager: keys and values as their senders encoded them, compared by those bytes (the
/// server never decodes them). Python: the <c>dict</c> behind <c>manager.dict()</c>.
/// </summary>
internal sealed class ServedDict : Served
{
    private readonly Lock _gate = new();
    private readonly OrderedBytesMap _map = new();

    internal ServedDict(ref WireReader initial)
    {
        for (var n = initial.Count(); n > 0; n--) _map.Set(initial.Blob(), initial.Blob());
    }

    internal override ValueTask Invoke(ServerCall call)
    {
        var args = call.Reader();
        var result = call.Result;
        lock (_gate)
        {
            switch ((DictMethod)call.Method)
            {
                case DictMethod.Set:
                    _map.Set(args.Blob(), args.Blob());
                    break;
                case DictMethod.Get:
                    WriteFound(result, _map.TryGet(args.Blob(), out var value), value);
                    break;
                case DictMethod.Contains:
                    result.Bool(_map.Contains(args.Blob()));
                    break;
                case DictMethod.Remove:
                    WriteFound(result, _map.Remove(args.Blob(), out var removed), removed);
                    break;
                case DictMethod.Count:
                    result.Int32(_map.Count);
                    break;
                case DictMethod.Clear:
                    _map.Clear();
                    break;
                case DictMethod.Items:
                case DictMethod.Keys:
                case DictMethod.Values:
                    result.Int32(_map.Count);
                    foreach (var pair in _map.Entries)
                    {
                        if (call.Method != (byte)DictMethod.Values) result.Blob(pair.Key);
                        if (call.Method != (byte)DictMethod.Keys) result.Blob(pair.Value);
                    }
                    break;
                case DictMethod.SetDefault:
                {
                    var key = args.Blob();
                    var fallback = args.Blob();
                    if (!_map.TryGet(key, out var existing))
                    {
                        _map.Set(key, fallback);
                        existing = fallback.ToArray();
                    }
                    result.Blob(existing);
                    break;
                }
                case DictMethod.Update:
                    for (var n = args.Count(); n > 0; n--) _map.Set(args.Blob(), args.Blob());
                    break;
                case DictMethod.PopItem:
                {
                    var last = _map.RemoveLast();
                    result.Bool(last is not null);
                    if (last is null) break;
                    result.Blob(last.Key);
                    result.Blob(last.Value);
                    break;
                }
                case DictMethod.TryAdd:
                    result.Bool(_map.TryAdd(args.Blob(), args.Blob()));
                    break;
                default:
                    throw UnknownMethod(call, "a dict");
            }
        }
        args.End();
        return default;
    }

    /// <summary>[found: bool] and, when found, [value].</summary>
    internal static void WriteFound(WireWriter result, bool found, byte[] value)
    {
        result.Bool(found);
        if (found) result.Blob(value);
    }
}
