using System.Runtime.CompilerServices;
using Spindle.Native;

namespace Spindle.Selectors;

/// <summary>
/// A selector on Linux epoll(7): descriptors are handed to the kernel once (epoll_ctl) and a wait costs the same whatever
/// their number. Python: <c>selectors.EpollSelector</c> (Spindle's <see cref="Selector.CreateDefault"/> on Linux).
/// </summary>
/// <remarks>
/// Level-triggered by default, as Python: a descriptor is reported by every <see cref="Selector.Select"/> while it is ready.
/// With <c>edgeTriggered: true</c> (EPOLLET on every registration; Python has no such option) a descriptor is reported once
/// when it becomes ready and again only after new data or space arrives, so the caller must read or write until EAGAIN.
/// </remarks>
public sealed class EpollSelector : Selector
{
    private readonly int _epfd;
    private readonly uint _trigger;
    private readonly int _stride = Libc.EpollEventSize;
    private byte[] _buffer;

    /// <summary>Creates an epoll instance. Python: <c>selectors.EpollSelector()</c>.</summary>
    /// <param name="edgeTriggered">Report each readiness change once (EPOLLET) instead of while ready.</param>
    /// <exception cref="IOException">epoll_create1 failed (e.g. too many open files).</exception>
    public EpollSelector(bool edgeTriggered = false)
    {
        _epfd = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
        if (_epfd < 0) throw new IOException($"epoll_create1 failed: {Libc.Describe(Libc.LastErrno)}.");
        _trigger = edgeTriggered ? Libc.EPOLLET : 0;
        _buffer = new byte[8 * _stride];
        Initialize();
    }

    /// <summary>Whether registrations are edge-triggered (EPOLLET).</summary>
    public bool EdgeTriggered => _trigger != 0;

    private protected override string WaitSyscall => "epoll_wait";

    private protected override void AddCore(int fd, SelectorEvents events)
    {
        Control(Libc.EPOLL_CTL_ADD, fd, events);
        // Room to report everything registered in one wait, as Python sizes its buffer (len(fd_to_key)); grown by doubling.
        var wanted = (Keys.Count + 2) * _stride;
        if (wanted > _buffer.Length) _buffer = new byte[Math.Max(wanted, _buffer.Length * 2)];
    }

    private protected override void ModifyCore(int fd, SelectorEvents events) => Control(Libc.EPOLL_CTL_MOD, fd, events);

    private protected override unsafe void RemoveCore(int fd)
    {
        // A closed fd has already left the epoll set (EBADF/ENOENT): Python ignores that too.
        var ev = stackalloc byte[16];
        _ = Libc.EpollCtl(_epfd, Libc.EPOLL_CTL_DEL, fd, ev);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected override unsafe int WaitCore(TimeSpan? timeout)
    {
        fixed (byte* events = _buffer)
            return Libc.EpollWait(_epfd, events, _buffer.Length / _stride, WaitTimeout.ToMilliseconds(timeout));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected override unsafe void CollectCore(int count)
    {
        fixed (byte* events = _buffer)
        {
            for (var i = 0; i < count; i++)
            {
                var (flags, fd) = Libc.EpollEntry(events, i);
                // As Python: anything but "readable" (HUP, ERR) wakes writers, anything but "writable" wakes readers.
                var ready = SelectorEvents.None;
                if ((flags & ~Libc.EPOLLIN) != 0) ready |= SelectorEvents.Write;
                if ((flags & ~Libc.EPOLLOUT) != 0) ready |= SelectorEvents.Read;
                Report(fd, ready);
            }
        }
    }

    private protected override void ReleaseCore() => _ = Libc.CloseFd(_epfd);

    private void Control(int op, int fd, SelectorEvents events)
    {
        var flags = _trigger;
        if ((events & SelectorEvents.Read) != 0) flags |= Libc.EPOLLIN;
        if ((events & SelectorEvents.Write) != 0) flags |= Libc.EPOLLOUT;
        if (Libc.EpollControl(_epfd, op, fd, flags) is var errno and not 0)
        {
            var message = $"epoll_ctl({(op == Libc.EPOLL_CTL_ADD ? "ADD" : "MOD")}) of fd {fd} failed: {Libc.Describe(errno)}.";
            // EPERM: regular files and directories are always ready and cannot be watched by epoll.
            throw errno is Libc.EPERM or Libc.EBADF ? new ArgumentException(message, nameof(fd)) : new IOException(message);
        }
    }
}
