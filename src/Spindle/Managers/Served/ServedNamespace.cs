namespace Spindle.Managers;

/// <summary>The methods of a served namespace. Python: <c>NamespaceProxy</c>'s <c>__getattribute__</c>, <c>__setattr__</c>, <c>__delattr__</c>.</summary>
internal enum NamespaceMethod : byte
{
    /// <summary>[name] → [found: bool][value].</summary>
    Get = 1,

    /// <summary>[name][value] → nothing.</summary>
    Set = 2,

    /// <summary>[name] → [deleted: bool].</summary>
    Delete = 3,

    /// <summary>→ [count][name value]*, sorted by name.</summary>
    Items = 4,
}

/// <summary>Named attributes held by the manager, values as their senders encoded them. Python: <c>managers.Namespace</c>.</summary>
internal sealed class ServedNamespace : Served
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, byte[]> _attributes = new(StringComparer.Ordinal);

    internal override ValueTask Invoke(ServerCall call)
    {
        var args = call.Reader();
        var result = call.Result;
        lock (_gate)
        {
            switch ((NamespaceMethod)call.Method)
            {
                case NamespaceMethod.Get:
                    ServedDict.WriteFound(result, _attributes.TryGetValue(args.String(), out var value), value ?? []);
                    break;
                case NamespaceMethod.Set:
                {
                    var name = args.String();
                    _attributes[name] = args.Blob().ToArray();
                    break;
                }
                case NamespaceMethod.Delete:
                    result.Bool(_attributes.Remove(args.String()));
                    break;
                case NamespaceMethod.Items:
                    result.Int32(_attributes.Count);
                    foreach (var (name, bytes) in _attributes)
                    {
                        result.String(name);
                        result.Blob(bytes);
                    }
                    break;
                default:
                    throw UnknownMethod(call, "a namespace");
            }
        }
        args.End();
        return default;
    }
}
