using Spindle.Serialization;

namespace Spindle.Managers;

/// <summary>A proxy to one value held by the manager (<see cref="Manager.Value{T}"/>). Python: <c>ValueProxy</c>.</summary>
/// <typeparam name="T">The value's type; it must be transferable.</typeparam>
public sealed class ValueProxy<T> : ManagerProxy, IShareable<ValueProxy<T>>
{
    internal ValueProxy(ProxyCore core) : base(core) { }

    /// <summary>The value, read or replaced on the server. Python: <c>.value</c>, <c>get()</c>, <c>set()</c>.</summary>
    public T Value
    {
        get => Core.Call((byte)ValueMethod.Get, static (ref WireReader r) => ValueWire.Read<T>(ref r));
        set => Core.Call((byte)ValueMethod.Set, value, static (w, v) => ValueWire.Write(w, v));
    }

    /// <summary>Rebuilds a proxy in the receiving process (it borrows the value).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "IShareable<TSelf> requires a static Import on the type itself.")]
    public static ValueProxy<T> Import(ShareableHandle handle) => new(ProxyCore.Import(handle, BuiltinTypes.Value));

    /// <summary>Python's <c>str(v)</c>: <c>Value(3.14)</c>.</summary>
    public override string ToString() => $"Value({PythonRepr.Of(Value)})";
}
