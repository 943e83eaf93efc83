using System.Net;
using System.Net.Sockets;
using Spindle.Native;

namespace Spindle.Tests.Selectors;

/// <summary>Raw descriptors for selector tests: pipes, socketpairs, loopback sockets, and probes of what a thread is doing.</summary>
internal static class Fds
{
    public static (int Read, int Write) Pipe() => Libc.OpenPipe(Libc.O_CLOEXEC | Libc.O_NONBLOCK);

    public static (int A, int B) SocketPair() => Libc.OpenSocketPair();

    /// <summary>A duplicate of <paramref name="fd"/> numbered at least <paramref name="minimum"/>.</summary>
    public static int DupAtLeast(int fd, int minimum)
    {
        var dup = Libc.FcntlInt(fd, Libc.F_DUPFD_CLOEXEC, minimum);
        Assert.True(dup >= minimum, $"F_DUPFD: {Libc.Describe(Libc.LastErrno)}");
        return dup;
    }

    public static void Write(int fd, byte value = 42) => Assert.Equal(1, (int)Libc.WriteByte(fd, value));

    public static int ReadByte(int fd) => Libc.ReadByte(fd);

    public static void Close(params int[] fds)
    {
        foreach (var fd in fds)
            if (fd >= 0) _ = Libc.CloseFd(fd);
    }

    /// <summary>
    /// A descriptor number that was open and is now closed, chosen high (≥ 15,000) so that no other thread of the test host
    /// reuses it meanwhile (the kernel hands out the lowest free number).
    /// </summary>
    public static int ClosedDescriptor()
    {
        var (r, w) = Pipe();
        var high = DupAtLeast(r, 15_000);
        Close(high, r, w);
        return high;
    }

    public static bool IsOpen(int fd) => Libc.FcntlInt(fd, Libc.F_GETFD, 0) >= 0;

    /// <summary>A connected TCP loopback pair (client, server side).</summary>
    public static (Socket Client, Socket Server) TcpPair()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        var server = listener.Accept();
        return (client, server);
    }

    /// <summary>A connected Unix-domain pair through a temporary socket path.</summary>
    public static (Socket Client, Socket Server) UnixPair()
    {
        var path = Path.Combine(Path.GetTempPath(), $"spindle-sel-{Guid.NewGuid():N}.sock");
        try
        {
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            client.Connect(new UnixDomainSocketEndPoint(path));
            return (client, listener.Accept());
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Blocks until thread <paramref name="tid"/> of this process sits in one of <paramref name="syscalls"/>
    /// (read from /proc/self/task/TID/syscall), so another thread can act knowing the wait has really begun.
    /// </summary>
    public static void WaitUntilInSyscall(int tid, params int[] syscalls)
    {
        var path = $"/proc/self/task/{tid}/syscall";
        var found = SpinWait.SpinUntil(() =>
        {
            string text;
            try { text = File.ReadAllText(path); }
            catch (IOException) { return false; }
            var first = text.Split(' ', 2)[0];
            return int.TryParse(first, out var number) && syscalls.Contains(number);
        }, TimeSpan.FromSeconds(10));
        Assert.True(found, $"thread {tid} never entered syscalls {string.Join(",", syscalls)}");
    }

    /// <summary>
    /// Runs <paramref name="blockingCall"/> on this thread and, once this thread sits in one of <paramref name="syscalls"/>
    /// (default: <see cref="WaitSyscalls"/>), runs <paramref name="whenBlocked"/> on another thread. An assertion that
    /// fails over there is rethrown here, after the blocking call returned.
    /// </summary>
    public static T WhileBlocked<T>(Func<T> blockingCall, Action whenBlocked, params int[] syscalls)
    {
        var tid = Libc.GetTid();
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
        var helper = new Thread(() =>
        {
            try
            {
                WaitUntilInSyscall(tid, syscalls.Length > 0 ? syscalls : WaitSyscalls);
                whenBlocked();
            }
#pragma warning disable CA1031 // carried to the test thread
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
            }
        });
        helper.Start();
        try
        {
            return blockingCall();
        }
        finally
        {
            helper.Join();
            failure?.Throw();
        }
    }

    /// <summary>x86-64 numbers of the waits glibc may use for select/poll/epoll_wait.</summary>
    public static readonly int[] WaitSyscalls = [7 /*poll*/, 23 /*select*/, 232 /*epoll_wait*/, 270 /*pselect6*/, 271 /*ppoll*/, 281 /*epoll_pwait*/, 441 /*epoll_pwait2*/];
}

/// <summary>A file object that only exposes a descriptor, like Spindle's future pipe Connection.</summary>
internal sealed class FdOwner(int fd) : Spindle.Selectors.IHasFileDescriptor
{
    public int FileDescriptor { get; set; } = fd;
}
