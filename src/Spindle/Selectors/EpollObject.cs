using Spindle.Native;

namespace Spindle.Selectors;

/// <summary>
/// A raw epoll instance: descriptors registered with event masks, waits that return (fd, events) pairs. Python:
/// <c>select.epoll()</c>. For most code <see cref="EpollSelector"/> (Python's <c>selectors.EpollSelector</c>) is the
/// friendlier interface; this one exposes the kernel's masks and flags (edge-triggered, one-shot, exclusive) as they are.
/// </summary>
public sealed class EpollObject : IHasFileDescriptor, IDisposable
{
    private int _epfd;

    /// <summary>Creates an epoll instance (close-on-exec). Python: <c>select.epoll(sizehint=-1, flags=0)</c>.</summary>
    /// <exception cref="IOException">epoll_create1 failed (e.g. too many open files).</exception>
    public EpollObject() : this(Create()) { }

    private EpollObject(int epfd) => _epfd = epfd;

    /// <summary>Wraps an epoll descriptor this object then owns (and closes). Python: <c>select.epoll.fromfd(fd)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative descriptor.</exception>
    public static EpollObject FromFd(int fd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        return new EpollObject(fd);
    }

    /// <summary>The epoll descriptor; −1 once closed. Python: <c>epoll.fileno()</c>.</summary>
    public int FileDescriptor => Volatile.Read(ref _epfd);

    /// <summary>Whether <see cref="Close"/> has run. Python: <c>epoll.closed</c>.</summary>
    public bool IsClosed => FileDescriptor < 0;

    /// <summary>
    /// Watches <paramref name="fileObject"/> for <paramref name="events"/> (default: in, pri and out, as Python).
    /// Python: <c>epoll.register(fd, eventmask)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Already registered (Python <c>FileExistsError</c>), not an open descriptor, or a
    /// regular file (epoll refuses them: EPERM).</exception>
    /// <exception cref="ObjectDisposedException">This epoll object is closed (Python <c>ValueError</c>).</exception>
    public void Register(object fileObject, EpollMask events = EpollMask.In | EpollMask.Pri | EpollMask.Out) =>
        Control(Libc.EPOLL_CTL_ADD, "register", fileObject, events);

    /// <summary>Changes the events watched for a registered descriptor (and re-arms a one-shot one). Python: <c>epoll.modify(fd, eventmask)</c>.</summary>
    /// <exception cref="KeyNotFoundException">Not registered (Python <c>FileNotFoundError</c>).</exception>
    /// <exception cref="ObjectDisposedException">This epoll object is closed.</exception>
    public void Modify(object fileObject, EpollMask events) => Control(Libc.EPOLL_CTL_MOD, "modify", fileObject, events);

    /// <summary>Stops watching a descriptor. Python: <c>epoll.unregister(fd)</c>.</summary>
    /// <exception cref="KeyNotFoundException">Not registered (Python <c>FileNotFoundError</c>).</exception>
    /// <exception cref="ObjectDisposedException">This epoll object is closed.</exception>
    public void Unregister(object fileObject) => Control(Libc.EPOLL_CTL_DEL, "unregister", fileObject, EpollMask.None);

    /// <summary>
    /// Waits until a registered descriptor is ready or <paramref name="timeout"/> passes, and returns the ready ones with
    /// their events — at most <paramref name="maxEvents"/> (−1: as many as are registered). Python: <c>epoll.poll(timeout=None, maxevents=-1)</c>.
    /// </summary>
    /// <param name="timeout">null or negative waits forever (as Python's); <see cref="TimeSpan.Zero"/> only polls.</param>
    /// <param name="maxEvents">−1, or at least 1.</param>
    /// <returns>(fd, events) pairs; empty when the time ran out. EINTR is retried with the time left (PEP 475).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxEvents"/> is 0 or below −1.</exception>
    /// <exception cref="ObjectDisposedException">This epoll object is closed.</exception>
    public unsafe IReadOnlyList<(int Fd, EpollMask Events)> Poll(TimeSpan? timeout = null, int maxEvents = -1)
    {
        if (maxEvents is 0 or < -1) throw new ArgumentOutOfRangeException(nameof(maxEvents), maxEvents, "maxEvents must be −1 or at least 1.");
        var epfd = CheckOpen();
        var wait = timeout is { } t && t < TimeSpan.Zero ? null : timeout;
        var capacity = maxEvents > 0 ? maxEvents : FdLimit;
        var buffer = new byte[capacity * Libc.EpollEventSize];
        fixed (byte* events = buffer)
        {
            var state = (Epfd: epfd, Events: (nint)events, Capacity: capacity);
            var count = WaitTimeout.Retry(state, static (s, t) => Libc.EpollWait(s.Epfd, (byte*)s.Events, s.Capacity, WaitTimeout.ToMilliseconds(t)), wait, "epoll_wait");
            var ready = new (int, EpollMask)[count];
            for (var i = 0; i < count; i++)
            {
                var (flags, fd) = Libc.EpollEntry(events, i);
                ready[i] = (fd, (EpollMask)flags);
            }
            return ready;
        }
    }

    // Python sizes an unbounded wait by FD_SETSIZE - 1; the number of registrations is unknown to a raw epoll, so the
    // same bound: the rest is reported by the next call.
    private const int FdLimit = Libc.FD_SETSIZE - 1;

    /// <summary>Closes the epoll descriptor; idempotent. Python: <c>epoll.close()</c>.</summary>
    public void Close()
    {
        var fd = Interlocked.Exchange(ref _epfd, -1);
        if (fd >= 0) _ = Libc.CloseFd(fd);
    }

    /// <summary>Same as <see cref="Close"/> (Python: leaving <c>with select.epoll() as ep:</c>).</summary>
    public void Dispose() => Close();

    private static int Create()
    {
        var epfd = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
        return epfd >= 0 ? epfd : throw new IOException($"epoll_create1 failed: {Libc.Describe(Libc.LastErrno)}.");
    }

    private int CheckOpen()
    {
        var fd = FileDescriptor;
        return fd >= 0 ? fd : throw new ObjectDisposedException(nameof(EpollObject), "I/O operation on closed epoll object.");
    }

    private void Control(int op, string operation, object fileObject, EpollMask events)
    {
        var epfd = CheckOpen();
        var fd = FileObjects.ToFd(fileObject);
        var errno = Libc.EpollControl(epfd, op, fd, (uint)events);
        if (errno == 0) return;
        var message = $"epoll {operation} of fd {fd} failed: {Libc.Describe(errno)}.";
        throw errno switch
        {
            Libc.ENOENT => new KeyNotFoundException(message),
            Libc.EEXIST or Libc.EBADF or Libc.EPERM or Libc.EINVAL => new ArgumentException(message, nameof(fileObject)),
            _ => new IOException(message),
        };
    }
}
