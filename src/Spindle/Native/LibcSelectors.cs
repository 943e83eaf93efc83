using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Spindle.Native;

/// <summary>pollfd from poll(2): blittable, 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short REvents;
}

/// <summary>struct timeval for select(2) and setitimer(2).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TimeVal
{
    public long Seconds;
    public long Microseconds;

    /// <summary>Rounded up to whole microseconds, so that a tiny non-zero time is not taken for zero.</summary>
    public static TimeVal From(TimeSpan time)
    {
        var micros = (time.Ticks + TimeSpan.TicksPerMicrosecond - 1) / TimeSpan.TicksPerMicrosecond;
        return new TimeVal { Seconds = micros / 1_000_000, Microseconds = micros % 1_000_000 };
    }

    public readonly TimeSpan ToTimeSpan() =>
        TimeSpan.FromTicks((Seconds * TimeSpan.TicksPerSecond) + (Microseconds * TimeSpan.TicksPerMicrosecond));
}

/// <summary>The readiness syscalls behind Spindle.Selectors: select(2), poll(2), epoll(7), plus the fd plumbing their tests need.</summary>
internal static unsafe partial class Libc
{
    // glibc by its soname: "libc" alone would hit the dev package's linker script libc.so.

    internal const int EINTR = 4;
    internal const int EBADF = 9;
    internal const int EAGAIN = 11;
    internal const int ENOENT = 2;
    internal const int EPERM = 1;
    internal const int ECONNRESET = 104;

    internal const int O_NONBLOCK = 0x800;
    internal const int O_CLOEXEC = 0x80000;
    internal const int F_GETFD = 1;
    internal const int F_GETFL = 3;
    internal const int F_SETFL = 4;
    internal const int F_DUPFD_CLOEXEC = 1030;

    internal const int AF_UNIX = 1;
    internal const int SOCK_STREAM = 1;
    internal const int SOCK_CLOEXEC = 0x80000;

    /// <summary>glibc's fd_set holds this many bits; select(2) must never see a larger fd.</summary>
    internal const int FD_SETSIZE = 1024;

    internal const short POLLIN = 0x001;
    internal const short POLLPRI = 0x002;
    internal const short POLLOUT = 0x004;
    internal const short POLLERR = 0x008;
    internal const short POLLHUP = 0x010;
    internal const short POLLNVAL = 0x020;
    internal const short POLLRDHUP = 0x2000;

    internal const int EPOLL_CLOEXEC = 0x80000;
    internal const int EPOLL_CTL_ADD = 1;
    internal const int EPOLL_CTL_DEL = 2;
    internal const int EPOLL_CTL_MOD = 3;
    internal const uint EPOLLIN = 0x001;
    internal const uint EPOLLOUT = 0x004;
    internal const uint EPOLLERR = 0x008;
    internal const uint EPOLLHUP = 0x010;
    internal const uint EPOLLRDHUP = 0x2000;
    internal const uint EPOLLET = 1u << 31;

    internal const int EFD_CLOEXEC = 0x80000;
    internal const int EFD_NONBLOCK = 0x800;

    /// <summary>
    /// Size of struct epoll_event: the kernel packs it (12 bytes) on x86-64 only; elsewhere the u64 is naturally aligned (16).
    /// The data field is the last 8 bytes in both layouts.
    /// </summary>
    internal static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    [LibraryImport(LibraryName, EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial int EpollCreate1(int flags);

    /// <summary>epoll_ctl with an event laid out in <paramref name="ev"/> (see <see cref="EpollEventSize"/>).</summary>
    [LibraryImport(LibraryName, EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

    /// <summary>epoll_ctl for <paramref name="fd"/> with <paramref name="events"/>, the fd itself as the event's data; 0 or an errno.</summary>
    internal static int EpollControl(int epfd, int op, int fd, uint events)
    {
        var ev = stackalloc byte[16];
        Unsafe.WriteUnaligned(ev, events);
        Unsafe.WriteUnaligned(ev + EpollEventSize - sizeof(ulong), (ulong)fd);
        return EpollCtl(epfd, op, fd, ev) == 0 ? 0 : LastErrno;
    }

    /// <summary>The events and the fd (the data <see cref="EpollControl"/> stored) of entry <paramref name="index"/> of an epoll_wait buffer.</summary>
    internal static (uint Events, int Fd) EpollEntry(byte* events, int index)
    {
        var entry = events + (index * EpollEventSize);
        return (Unsafe.ReadUnaligned<uint>(entry), (int)Unsafe.ReadUnaligned<ulong>(entry + EpollEventSize - sizeof(ulong)));
    }

    [LibraryImport(LibraryName, EntryPoint = "epoll_wait", SetLastError = true)]
    internal static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeoutMs);

    [LibraryImport(LibraryName, EntryPoint = "poll", SetLastError = true)]
    internal static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    /// <summary>select(2) on caller-built bitmaps of <see cref="FD_SETSIZE"/> bits (16 ulongs each).</summary>
    [LibraryImport(LibraryName, EntryPoint = "select", SetLastError = true)]
    internal static partial int Select(int nfds, ulong* readFds, ulong* writeFds, ulong* exceptFds, TimeVal* timeout);

    [LibraryImport(LibraryName, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initial, int flags);

    [LibraryImport(LibraryName, EntryPoint = "pipe2", SetLastError = true)]
    internal static partial int Pipe2(int* fds, int flags);

    [LibraryImport(LibraryName, EntryPoint = "socketpair", SetLastError = true)]
    internal static partial int SocketPair(int domain, int type, int protocol, int* fds);

    /// <summary>fcntl with an int argument (F_GETFD, F_DUPFD_CLOEXEC, …). glibc's fcntl is variadic; one int is ABI-safe.</summary>
    [LibraryImport(LibraryName, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int FcntlInt(int fd, int cmd, int arg);

    [LibraryImport(LibraryName, EntryPoint = "close", SetLastError = true)]
    internal static partial int CloseFd(int fd);

    [LibraryImport(LibraryName, EntryPoint = "read", SetLastError = true)]
    internal static partial nint ReadFd(int fd, byte* buffer, nint count);

    [LibraryImport(LibraryName, EntryPoint = "write", SetLastError = true)]
    internal static partial nint WriteFd(int fd, byte* buffer, nint count);

    /// <summary>pipe2(2) as a pair (tests and tour lessons); throws on failure.</summary>
    internal static (int Read, int Write) OpenPipe(int flags)
    {
        var fds = stackalloc int[2];
        if (Pipe2(fds, flags) != 0) throw new IOException($"pipe2 failed: {Describe(LastErrno)}.");
        return (fds[0], fds[1]);
    }

    /// <summary>socketpair(AF_UNIX, SOCK_STREAM) as a pair (tests and tour lessons); throws on failure.</summary>
    internal static (int A, int B) OpenSocketPair()
    {
        var fds = stackalloc int[2];
        if (SocketPair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw new IOException($"socketpair failed: {Describe(LastErrno)}.");
        return (fds[0], fds[1]);
    }

    /// <summary>Writes one byte; returns what write(2) returned.</summary>
    internal static nint WriteByte(int fd, byte value) => WriteFd(fd, &value, 1);

    /// <summary>Reads one byte; −1 if nothing was read.</summary>
    internal static int ReadByte(int fd)
    {
        byte value;
        return ReadFd(fd, &value, 1) == 1 ? value : -1;
    }

    /// <summary>errno of the last P/Invoke declared with SetLastError.</summary>
    internal static int LastErrno => Marshal.GetLastPInvokeError();

    /// <summary>"strerror (errno N)" for exception messages.</summary>
    internal static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
}
