using Spindle.Serialization;

namespace Spindle.Managers;

/// <summary>
/// A type registered with a manager: the id clients ask for, the interface they call it through, and (on the server)
/// the factory that makes or returns the object. Python: one <c>BaseManager.register(typeid, callable, proxytype)</c>.
/// </summary>
/// <remarks>The factory is a <c>Func&lt;TInterface&gt;</c> or <c>Func&lt;TArg, TInterface&gt;</c>; it crosses to a started manager's server process, so its captures must be transferable.</remarks>
internal sealed record Registration(string TypeId, Delegate Factory)
{
    /// <summary>The interface the factory's result is served through (the delegate's return type).</summary>
    internal Type Interface => Factory.GetType().GetMethod("Invoke")!.ReturnType;

    /// <summary>Reads a custom <see cref="Op.Create"/> request ([interface][fingerprint][has argument][argument]) and runs the factory.</summary>
    /// <exception cref="ArgumentException">The client asked for another interface, or a different build of it.</exception>
    internal (object Referent, Served Served) Create(ref WireReader request)
    {
        var table = MethodTable.For(Interface);
        var interfaceName = request.String();
        var fingerprint = request.Int64();
        var argument = request.Bool() ? ValueCodec.Decode(request.Blob()) : null;
        if (interfaceName != Interface.FullName)
            throw new ArgumentException($"The manager serves '{TypeId}' through {Interface.FullName}, not {interfaceName}.");
        if (fingerprint != table.Fingerprint)
            throw new ArgumentException($"The manager was built with a different version of {Interface.FullName} (its methods differ): run the same build on both sides.");
        var takesArgument = Factory.GetType().GetMethod("Invoke")!.GetParameters().Length == 1;
        var referent = Factory.DynamicInvoke(takesArgument ? [argument] : [])
            ?? throw new InvalidOperationException($"The factory registered for '{TypeId}' returned null.");
        return (referent, new ServedInterface(referent, table));
    }
}
