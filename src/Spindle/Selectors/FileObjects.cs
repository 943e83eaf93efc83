using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Spindle.Selectors;

/// <summary>Turns a file object into its descriptor. Python: <c>selectors._fileobj_to_fd</c>.</summary>
internal static class FileObjects
{
    /// <summary>The descriptor of <paramref name="fileObject"/>, or an exception naming why there is none.</summary>
    public static int ToFd(object fileObject)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        return TryToFd(fileObject, out var fd, out var error) ? fd : throw error!;
    }

    /// <summary>Like <see cref="ToFd"/>, without throwing: a closed object has no descriptor.</summary>
    public static bool TryToFd(object fileObject, out int fd, out Exception? error)
    {
        error = null;
        fd = -1;
        switch (fileObject)
        {
            case int raw:
                fd = raw;
                break;
            case Socket socket:
                SafeHandle handle;
                try { handle = socket.SafeHandle; }
                catch (ObjectDisposedException) { error = Closed(fileObject); return false; }
                return TryHandle(handle, fileObject, out fd, out error);
            case SafeHandle safeHandle:
                return TryHandle(safeHandle, fileObject, out fd, out error);
            case IHasFileDescriptor owner:
                fd = owner.FileDescriptor;
                if (fd >= 0) return true;
                error = Closed(fileObject); // −1 is how IHasFileDescriptor says "closed", as Socket and SafeHandle say it by throwing
                return false;
            default:
                error = new ArgumentException(
                    $"Invalid file object: {fileObject.GetType()}; expected a Socket, a SafeHandle, an IHasFileDescriptor or an int fd.",
                    nameof(fileObject));
                return false;
        }
        if (fd >= 0) return true;
        error = new ArgumentException($"Invalid file descriptor: {fd}.", nameof(fileObject));
        return false;
    }

    /// <summary>"Socket (fd 7)" for messages.</summary>
    public static string Describe(object fileObject, int fd) =>
        fileObject is int ? $"fd {fd}" : $"{fileObject.GetType().Name} (fd {fd})";

    private static bool TryHandle(SafeHandle handle, object fileObject, out int fd, out Exception? error)
    {
        fd = -1;
        error = null;
        if (handle.IsClosed || handle.IsInvalid) { error = Closed(fileObject); return false; }
        fd = (int)handle.DangerousGetHandle();
        return true;
    }

    private static ObjectDisposedException Closed(object fileObject) =>
        new(fileObject.GetType().FullName, $"Cannot use a closed {fileObject.GetType().Name} with a selector.");
}
