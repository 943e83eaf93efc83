using System.Dynamic;
using System.Text;
using Spindle.Serialization;

namespace Spindle.Managers;

/// <summary>
/// A proxy to a namespace of named attributes held by the manager (<see cref="Manager.Namespace"/>). Python:
/// <c>NamespaceProxy</c>. Through <c>dynamic</c> it reads like Python: <c>dynamic n = manager.Namespace(); n.a = 10;</c>.
/// </summary>
/// <remarks>Each value is encoded with its own type and read back as the type asked for (<see cref="Get{T}"/>) or as that type (<c>dynamic</c>).</remarks>
public sealed class NamespaceProxy : DynamicObject, IShareable<NamespaceProxy>, IDisposable
{
    private readonly ProxyCore _core;

    internal NamespaceProxy(ProxyCore core) => _core = core;

    /// <summary>The value of attribute <paramref name="name"/>, or sets it. Python: <c>getattr(n, name)</c>, <c>setattr(n, name, value)</c>.</summary>
    /// <exception cref="KeyNotFoundException">Getting an attribute that is not there (Python: <c>AttributeError</c>).</exception>
    public object? this[string name]
    {
        get => Get<object?>(name);
        set => Set(name, value);
    }

    /// <summary>The names of the attributes, sorted. Python: <c>dir(n)</c> (the public part).</summary>
    public IReadOnlyList<string> Names => Items().Select(item => item.Key).ToList();

    /// <summary>The value of attribute <paramref name="name"/> as a <typeparamref name="T"/>. Python: <c>n.name</c>.</summary>
    /// <exception cref="KeyNotFoundException">The attribute is not there (Python: <c>AttributeError</c>).</exception>
    public T Get<T>(string name) =>
        TryGet<T>(name, out var value) ? value : throw new KeyNotFoundException($"'Namespace' object has no attribute '{name}' (Python: AttributeError).");

    /// <summary>The value of attribute <paramref name="name"/>, if it is there. Python: <c>getattr(n, name, default)</c>.</summary>
    public bool TryGet<T>(string name, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out T value)
    {
        ArgumentNullException.ThrowIfNull(name);
        bool found;
        (found, value) = _core.Call((byte)NamespaceMethod.Get, name, static (w, n) => w.String(n), static (ref WireReader r) => ValueWire.ReadFound<T>(ref r));
        return found;
    }

    /// <summary>Sets attribute <paramref name="name"/>. Python: <c>n.name = value</c>.</summary>
    public void Set<T>(string name, T value)
    {
        ArgumentNullException.ThrowIfNull(name);
        _core.Call((byte)NamespaceMethod.Set, (name, value), static (w, s) =>
        {
            w.String(s.name);
            ValueWire.Write(w, s.value);
        });
    }

    /// <summary>Removes attribute <paramref name="name"/>; false if it was not there. Python: <c>del n.name</c>.</summary>
    public bool Remove(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _core.Call((byte)NamespaceMethod.Delete, name, static (w, n) => w.String(n), static (ref WireReader r) => r.Bool());
    }

    /// <summary>A copy of every attribute. Python: <c>vars(n)</c> / <c>proxy._getvalue()</c>.</summary>
    public Dictionary<string, object?> ToDictionary() => Items().ToDictionary(item => item.Key, item => item.Value, StringComparer.Ordinal);

    /// <inheritdoc />
    public override bool TryGetMember(GetMemberBinder binder, out object? result)
    {
        ArgumentNullException.ThrowIfNull(binder);
        return TryGet(binder.Name, out result);
    }

    /// <inheritdoc />
    public override bool TrySetMember(SetMemberBinder binder, object? value)
    {
        ArgumentNullException.ThrowIfNull(binder);
        Set(binder.Name, value);
        return true;
    }

    /// <inheritdoc />
    public override bool TryDeleteMember(DeleteMemberBinder binder)
    {
        ArgumentNullException.ThrowIfNull(binder);
        return Remove(binder.Name);
    }

    /// <inheritdoc />
    public override IEnumerable<string> GetDynamicMemberNames() => Names;

    /// <summary>Releases the namespace on the server if this proxy owns it (see <see cref="ManagerProxy.Dispose"/>).</summary>
    public void Dispose() => _core.Dispose();

    /// <summary>Describes the proxy for another process (by reference). Python: <c>BaseProxy.__reduce__</c>.</summary>
    public ShareableHandle Export() => _core.Export();

    /// <summary>Rebuilds a proxy in the receiving process (it borrows the namespace).</summary>
    public static NamespaceProxy Import(ShareableHandle handle) => new(ProxyCore.Import(handle, BuiltinTypes.Namespace));

    /// <summary>Python's <c>str(n)</c>: <c>Namespace(a=10, b='x')</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("Namespace(");
        var first = true;
        foreach (var (name, value) in Items())
        {
            if (!first) text.Append(", ");
            first = false;
            text.Append(name).Append('=');
            PythonRepr.Append(text, value);
        }
        return text.Append(')').ToString();
    }

    private List<KeyValuePair<string, object?>> Items() =>
        _core.Call((byte)NamespaceMethod.Items, static (ref WireReader r) =>
        {
            var count = r.Count();
            var items = new List<KeyValuePair<string, object?>>();
            for (var i = 0; i < count; i++) items.Add(new(r.String(), ValueWire.Read<object?>(ref r)));
            return items;
        });
}
