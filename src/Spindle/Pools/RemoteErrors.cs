using System.Reflection;
using Spindle.Processes;

namespace Spindle.Pools;

/// <summary>
/// A task's exception on its way from a worker to the pool. Python re-raises the task's own exception type with the
/// remote traceback attached as its <c>__cause__</c>; Spindle does the same: the exception is rebuilt as its own type
/// (when the pool can construct one from a message and an inner exception) whose <see cref="Exception.InnerException"/>
/// is a <see cref="RemoteException"/> carrying the remote type name, message and stack trace. Otherwise the
/// <see cref="RemoteException"/> itself is raised.
/// </summary>
internal static class RemoteErrors
{
    /// <summary>Writes [type][full name][message][stack trace][details].</summary>
    public static void Write(ByteBuffer output, Exception error)
    {
        var type = error.GetType();
        Wire.WriteString(output, type.AssemblyQualifiedName ?? "");
        Wire.WriteString(output, type.FullName ?? type.Name);
        Wire.WriteString(output, error.Message);
        Wire.WriteString(output, error.StackTrace ?? "");
        Wire.WriteString(output, error.ToString());
    }

    /// <summary>Rebuilds an exception written by <see cref="Write"/>.</summary>
    public static Exception Read(ReadOnlySpan<byte> payload)
    {
        var reader = new RecordReader(payload);
        var qualifiedName = reader.String();
        var fullName = reader.String();
        var message = reader.String();
        var remote = new RemoteException(fullName, message, reader.String(), reader.String());
        return Rebuild(qualifiedName, message, remote) ?? remote;
    }

    /// <summary>The exception as its own type with <paramref name="remote"/> inside, or null when that type cannot be built here.</summary>
    internal static Exception? Rebuild(string qualifiedName, string message, RemoteException remote)
    {
        var type = qualifiedName.Length == 0 ? null : Type.GetType(qualifiedName, throwOnError: false);
        if (type is null || !typeof(Exception).IsAssignableFrom(type) || type.IsAbstract) return null;
        var constructor = type.GetConstructor(BindingFlags.Public | BindingFlags.Instance, [typeof(string), typeof(Exception)]);
        if (constructor is null) return null;
        try
        {
            return (Exception)constructor.Invoke([message, remote]);
        }
        catch (TargetInvocationException)
        {
            return null; // a constructor that refuses these arguments: the remote exception stands for it
        }
    }
}
