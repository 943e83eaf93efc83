using System.Runtime.InteropServices;

namespace Spindle.Native;

/// <summary>
/// Stream sockets for Spindle.Managers: listening on and connecting to Unix and TCP addresses, and non-blocking
/// reads for the spin before a blocking wait. Raw descriptors rather than System.Net.Sockets: a manager's hot path is
/// one send and one receive per call, and a child process that uses a proxy should not load the socket stack.
/// Addresses are passed as ready-made sockaddr bytes (built by ManagerAddress).
/// </summary>
internal static unsafe partial class Libc
{
    internal const int AF_INET = 2;
    internal const int AF_INET6 = 10;
    internal const int IPPROTO_TCP = 6;
    internal const int TCP_NODELAY = 1;
    internal const int SO_REUSEADDR = 2;
    internal const int SHUT_RDWR = 2;
    internal const int MSG_DONTWAIT = 0x40;
    internal const int EADDRINUSE = 98;
    internal const int ECONNREFUSED = 111;
    internal const int ECONNABORTED = 103;
    internal const int EMFILE = 24;
    internal const int ENFILE = 23;
    internal const int ENOBUFS = 105;
    internal const int ENOMEM = 12;

    /// <summary>Room for any sockaddr this layer builds or receives (sockaddr_storage is 128 bytes).</summary>
    internal const int SockAddrCapacity = 128;

    [LibraryImport(LibraryName, EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(LibraryName, EntryPoint = "bind", SetLastError = true)]
    internal static partial int Bind(int fd, byte* address, int length);

    [LibraryImport(LibraryName, EntryPoint = "listen", SetLastError = true)]
    internal static partial int Listen(int fd, int backlog);

    [LibraryImport(LibraryName, EntryPoint = "accept4", SetLastError = true)]
    internal static partial int Accept4(int fd, byte* address, int* length, int flags);

    [LibraryImport(LibraryName, EntryPoint = "connect", SetLastError = true)]
    internal static partial int Connect(int fd, byte* address, int length);

    [LibraryImport(LibraryName, EntryPoint = "getsockname", SetLastError = true)]
    internal static partial int GetSockName(int fd, byte* address, int* length);

    [LibraryImport(LibraryName, EntryPoint = "setsockopt", SetLastError = true)]
    internal static partial int SetSockOpt(int fd, int level, int name, void* value, int length);

    [LibraryImport(LibraryName, EntryPoint = "recv", SetLastError = true)]
    internal static partial nint Recv(int fd, byte* buffer, nint length, int flags);

    [LibraryImport(LibraryName, EntryPoint = "shutdown", SetLastError = true)]
    internal static partial int Shutdown(int fd, int how);

    /// <summary>setsockopt with an int value of 1 (TCP_NODELAY, SO_REUSEADDR).</summary>
    internal static int EnableOption(int fd, int level, int name)
    {
        var one = 1;
        return SetSockOpt(fd, level, name, &one, sizeof(int));
    }
}
