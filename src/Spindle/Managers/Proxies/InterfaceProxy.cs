using System.Reflection;
using Spindle.Serialization;

namespace Spindle.Managers;

/// <summary>
/// The proxy of a registered type (<see cref="Manager.Create{TInterface}(string)"/>): an object implementing the
/// registered interface whose every method runs on the manager's server. Python: the proxy type given to
/// <c>BaseManager.register</c> (by default an <c>AutoProxy</c>).
/// </summary>
/// <remarks>
/// <para>Arguments and results cross by value (they must be transferable); <c>ref</c> and <c>out</c> parameters come
/// back; a <see cref="CancellationToken"/> parameter cancels the call on the server, which passes the method a token
/// of its own; a method returning a task is awaited on the server and returns a task here.</para>
/// <para>The proxy the manager returns owns the object: release it with <see cref="Release"/> (the interface's own
/// <c>Dispose</c>, if it has one, is a call to the object). A copy sent to another process borrows it.</para>
/// <para>Infrastructure: proxies are made by <see cref="DispatchProxy"/>; do not create this type yourself.</para>
/// </remarks>
public class InterfaceProxy : DispatchProxy, IShareable<InterfaceProxy>
{
    private ProxyCore? _core;
    private MethodTable? _table;

    /// <summary>For <see cref="DispatchProxy"/>, which derives the proxy type from this one; use <see cref="Manager.Create{TInterface}(string)"/>.</summary>
    public InterfaceProxy() { }

    /// <summary>Releases the object on the server if <paramref name="proxy"/> owns it (the one the manager returned); later calls through it throw. Python: the proxy's <c>decref</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="proxy"/> is not a proxy of a registered type.</exception>
    public static void Release(object proxy) =>
        (proxy as InterfaceProxy ?? throw new ArgumentException("Not a manager proxy of a registered type.", nameof(proxy))).Core.Dispose();

    /// <summary>Describes the proxy for another process (by reference), with the interface it implements. Python: <c>BaseProxy.__reduce__</c>.</summary>
    public ShareableHandle Export() => Core.Export(_table!.Interface.AssemblyQualifiedName);

    /// <summary>Rebuilds a proxy in the receiving process (it borrows the object), implementing the same interface.</summary>
    /// <exception cref="InvalidDataException">The handle is malformed or names an interface this process does not have.</exception>
    public static InterfaceProxy Import(ShareableHandle handle)
    {
        var core = ProxyCore.Import(handle, out var interfaceName);
        var type = (interfaceName is null ? null : Type.GetType(interfaceName, throwOnError: false))
            ?? throw new InvalidDataException($"The shared proxy implements '{interfaceName}', which this process cannot load.");
        return Create(type, core);
    }

    /// <summary>A proxy implementing <paramref name="interfaceType"/> over <paramref name="core"/>.</summary>
    internal static InterfaceProxy Create(Type interfaceType, ProxyCore core)
    {
        var proxy = (InterfaceProxy)DispatchProxy.Create(interfaceType, typeof(InterfaceProxy));
        proxy._core = core;
        proxy._table = MethodTable.For(interfaceType);
        return proxy;
    }

    /// <summary>Runs <paramref name="targetMethod"/> on the server.</summary>
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        args ??= [];
        var shape = _table![targetMethod];
        var sent = shape.ArgumentsToSend(args);
        if (!shape.IsAsync)
        {
            var (result, byRef) = Core.Call(shape.Index, sent, static (w, s) => ValueWire.Write(w, s), static (ref WireReader r) => ReadReply(ref r));
            shape.AssignByRef(args, byRef);
            return result;
        }
        var token = shape.CancellationIndex >= 0 ? (CancellationToken)args[shape.CancellationIndex]! : default;
        var reply = Core.CallAsync(shape.Index, sent, static (w, s) => ValueWire.Write(w, s), static (ref WireReader r) => ReadReply(ref r), token);
        if (shape.ReturnsTask) return shape.WrapResult(ResultOnly(reply));
        // A synchronous method with a token: wait here, with the token able to stop the server-side call.
        var (value, values) = reply.GetAwaiter().GetResult();
        shape.AssignByRef(args, values);
        return value;
    }

    /// <summary>The proxy's core, once <see cref="Create"/> has filled it in.</summary>
    private ProxyCore Core => _core ?? throw new InvalidOperationException("This InterfaceProxy was not made by a manager.");

    private static (object? Result, object?[] ByRef) ReadReply(ref WireReader reply) =>
        (ValueWire.Read<object?>(ref reply), ValueWire.Read<object?[]>(ref reply));

    private static async Task<object?> ResultOnly(Task<(object? Result, object?[] ByRef)> reply) => (await reply.ConfigureAwait(false)).Result;
}
