using Spindle.Managers;
using Spindle.Native;

namespace Spindle.Ipc;

/// <summary>Listening and connecting stream sockets at a <see cref="ManagerAddress"/>: for managers and for <see cref="Listener"/>/<see cref="Client"/>.</summary>
internal static unsafe class StreamSockets
{
    /// <summary>Binds and listens; returns the descriptor and the address bound (with the port the kernel picked for port 0).</summary>
    /// <param name="address">Where to listen.</param>
    /// <param name="backlog">listen(2)'s backlog.</param>
    /// <param name="owner">Who listens, for messages ("The manager").</param>
    /// <exception cref="IOException">The address is in use, or the socket could not be created.</exception>
    internal static (int Fd, ManagerAddress Bound) Listen(ManagerAddress address, int backlog, string owner)
    {
        var fd = Libc.Socket(address.Family, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) throw new IOException($"Cannot create a socket for {owner} at {address}: {Libc.Describe(Libc.LastErrno)}.");
        try
        {
            if (address.IsTcp) Libc.EnableOption(fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR);
            var sockaddr = stackalloc byte[Libc.SockAddrCapacity];
            var length = address.WriteSockAddr(new Span<byte>(sockaddr, Libc.SockAddrCapacity));
            if (Libc.Bind(fd, sockaddr, length) != 0)
            {
                var errno = Libc.LastErrno;
                throw new IOException(errno == Libc.EADDRINUSE
                    ? $"{owner} cannot listen at {address}: the address is already in use."
                    : $"{owner} cannot listen at {address}: {Libc.Describe(errno)}.");
            }
            if (Libc.Listen(fd, backlog) != 0) throw new IOException($"{owner} cannot listen at {address}: {Libc.Describe(Libc.LastErrno)}.");
            return (fd, address.WithBoundPort(fd));
        }
        catch
        {
            Libc.CloseFd(fd);
            throw;
        }
    }

    /// <summary>Connects to <paramref name="address"/>; the caller owns the descriptor. TCP gets TCP_NODELAY (messages are small and answered).</summary>
    /// <param name="address">Where to connect.</param>
    /// <param name="fail">Builds the exception for a failure from errno: refused, no such socket, or other.</param>
    internal static int Connect(ManagerAddress address, Func<int, Exception> fail)
    {
        var fd = Libc.Socket(address.Family, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) throw fail(Libc.LastErrno);
        try
        {
            var sockaddr = stackalloc byte[Libc.SockAddrCapacity];
            var length = address.WriteSockAddr(new Span<byte>(sockaddr, Libc.SockAddrCapacity));
            if (Libc.Connect(fd, sockaddr, length) != 0)
            {
                var errno = Libc.LastErrno;
                // Interrupted: the kernel completes the connection in the background; wait until it is writable.
                if (errno != Libc.EINTR || !ConnectCompleted(fd)) throw fail(errno);
            }
            if (address.IsTcp) Libc.EnableOption(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY);
            return fd;
        }
        catch
        {
            Libc.CloseFd(fd);
            throw;
        }
    }

    private static bool ConnectCompleted(int fd)
    {
        var poll = new PollFd { Fd = fd, Events = Libc.POLLOUT };
        while (Libc.Poll(&poll, 1, -1) < 0 && Libc.LastErrno == Libc.EINTR) { }
        return (poll.REvents & (Libc.POLLERR | Libc.POLLHUP)) == 0;
    }
}
