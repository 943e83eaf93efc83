using System.Reflection;
using System.Runtime.ExceptionServices;
using Spindle.Processes;

namespace Spindle.Managers;

/// <summary>The first byte of a request frame (after authentication). Python: the method names of <c>Server.public</c>.</summary>
internal enum Op : byte
{
    /// <summary>[object id: i64][method: u8][arguments]: call a method of a shared object. Python: <c>#RETURN</c>-answered <c>callmethod</c>.</summary>
    Call = 1,

    /// <summary>[call number: i32]: stop waiting in the call with that number, if it is still running.</summary>
    Cancel = 2,

    /// <summary>[type id: string][interface: string][arguments]: make a shared object. Python: <c>Server.create</c>.</summary>
    Create = 3,

    /// <summary>[object id: i64]: drop the reference the creator's proxy held. Python: <c>Server.decref</c>.</summary>
    Release = 4,

    /// <summary>Stop the server. Python: <c>Server.shutdown</c>.</summary>
    Shutdown = 5,

    /// <summary>How many objects the server holds. Python: <c>Server.number_of_objects</c>.</summary>
    CountObjects = 6,

    /// <summary>Asks for a shared-memory <see cref="Lane"/>: → [lane reference: blob]. Only over a Unix socket.</summary>
    Attach = 7,

    /// <summary>From now on requests come through the lane (this one is answered on the socket).</summary>
    UseLane = 8,

    /// <summary>A lane message is waiting for a receiver that sleeps on the socket (never answered).</summary>
    Doorbell = 9,
}

/// <summary>The first byte of a reply frame. Python: <c>#RETURN</c>, <c>#ERROR</c>.</summary>
internal enum Status : byte
{
    /// <summary>The call returned; the rest is its result.</summary>
    Ok = 0,

    /// <summary>The call threw: [type: string][message: string][stack trace: string].</summary>
    Error = 1,

    /// <summary>The call was cancelled (by a <see cref="Op.Cancel"/>) before it finished.</summary>
    Cancelled = 2,

    /// <summary>The reply waits in the lane for a client that sleeps on the socket (a frame of its own, not a reply).</summary>
    Doorbell = 3,
}

/// <summary>Carrying an exception from the server to the client with its type, as Python's <c>#ERROR</c> reply re-raises it.</summary>
internal static class RemoteErrors
{
    internal static void Write(WireWriter writer, Exception error)
    {
        if (error is TargetInvocationException { InnerException: { } inner }) error = inner;
        writer.Byte((byte)Status.Error);
        writer.String(error.GetType().AssemblyQualifiedName ?? error.GetType().FullName ?? error.GetType().Name);
        writer.String(error.Message);
        writer.String(error.StackTrace ?? "");
    }

    /// <summary>
    /// Rebuilds the server's exception as the same type when this process has it and it follows the standard
    /// (message, inner) constructor pattern — with a <see cref="RemoteException"/> inside carrying the server's stack
    /// trace — else as a <see cref="RemoteException"/>. The type name comes from an authenticated peer.
    /// </summary>
    internal static Exception Read(ref WireReader reader)
    {
        var typeName = reader.String();
        var message = reader.String();
        var stack = reader.String();
        var remote = new RemoteException(ShortName(typeName), message, stack, $"{ShortName(typeName)}: {message}{Environment.NewLine}{stack}");
        var type = Resolve(typeName);
        if (type?.GetConstructor([typeof(string), typeof(Exception)]) is not { } constructor) return remote;
        try
        {
            var error = (Exception)constructor.Invoke([message, remote]);
            return ExceptionDispatchInfo.SetRemoteStackTrace(error, stack + Environment.NewLine);
        }
        catch (TargetInvocationException)
        {
            return remote;
        }
    }

    private static Type? Resolve(string typeName)
    {
        try
        {
            var type = Type.GetType(typeName, throwOnError: false);
            return type is not null && typeof(Exception).IsAssignableFrom(type) && !type.IsAbstract ? type : null;
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or ArgumentException or TypeLoadException)
        {
            return null;
        }
    }

    private static string ShortName(string assemblyQualified) =>
        assemblyQualified.IndexOf(", ", StringComparison.Ordinal) is var comma and > 0 ? assemblyQualified[..comma] : assemblyQualified;
}
