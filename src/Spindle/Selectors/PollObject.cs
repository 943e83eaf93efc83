using Spindle.Native;

namespace Spindle.Selectors;

/// <summary>
/// A raw poll(2) set: descriptors registered with event masks, waits that return (fd, events) pairs. Python:
/// <c>select.poll()</c>. For most code <see cref="PollSelector"/> (Python's <c>selectors.PollSelector</c>) is the
/// friendlier interface; this one exposes poll's masks (urgent data, hang-up, invalid descriptor) as they are.
/// </summary>
/// <remarks>Registration may change from any thread; two <see cref="Poll"/> calls at once are refused, as Python's.</remarks>
public sealed class PollObject
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, PollMask> _registered = [];
    private int _polling;

    /// <summary>Creates an empty poll set. Python: <c>select.poll()</c>.</summary>
    public PollObject() { }

    /// <summary>The number of registered descriptors.</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _registered.Count;
        }
    }

    /// <summary>
    /// Watches <paramref name="fileObject"/> for <paramref name="events"/> (default: in, pri and out, as Python); registering
    /// it again replaces its mask. Python: <c>poll.register(fd, eventmask)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Not a file object, or a negative descriptor (one that is not open is accepted: poll reports it <see cref="PollMask.Nval"/>).</exception>
    public void Register(object fileObject, PollMask events = PollMask.In | PollMask.Pri | PollMask.Out)
    {
        var fd = FileObjects.ToFd(fileObject);
        lock (_gate) _registered[fd] = events;
    }

    /// <summary>Changes the mask of a registered descriptor. Python: <c>poll.modify(fd, eventmask)</c>.</summary>
    /// <exception cref="KeyNotFoundException">Not registered (Python: <c>OSError(ENOENT)</c>).</exception>
    public void Modify(object fileObject, PollMask events)
    {
        var fd = FileObjects.ToFd(fileObject);
        lock (_gate)
        {
            if (!_registered.ContainsKey(fd)) throw new KeyNotFoundException($"fd {fd} is not registered with this poll object.");
            _registered[fd] = events;
        }
    }

    /// <summary>Stops watching a descriptor. Python: <c>poll.unregister(fd)</c>.</summary>
    /// <exception cref="KeyNotFoundException">Not registered (Python: <c>KeyError</c>).</exception>
    public void Unregister(object fileObject)
    {
        var fd = FileObjects.ToFd(fileObject);
        lock (_gate)
        {
            if (!_registered.Remove(fd)) throw new KeyNotFoundException($"fd {fd} is not registered with this poll object.");
        }
    }

    /// <summary>
    /// Waits until a registered descriptor is ready or <paramref name="timeout"/> passes, and returns those with events.
    /// Python: <c>poll.poll(timeout=None)</c> (milliseconds there).
    /// </summary>
    /// <param name="timeout">null or negative waits forever (as Python's); <see cref="TimeSpan.Zero"/> only polls.</param>
    /// <returns>(fd, events) pairs in registration order; empty when the time ran out. EINTR is retried with the time left (PEP 475).</returns>
    /// <exception cref="InvalidOperationException">Another thread is inside <see cref="Poll"/> on this object (Python: <c>RuntimeError: concurrent poll() invocation</c>).</exception>
    public unsafe IReadOnlyList<(int Fd, PollMask Events)> Poll(TimeSpan? timeout = null)
    {
        if (Interlocked.Exchange(ref _polling, 1) != 0) throw new InvalidOperationException("concurrent poll() invocation");
        try
        {
            PollFd[] fds;
            lock (_gate)
            {
                fds = new PollFd[_registered.Count];
                var i = 0;
                foreach (var (fd, events) in _registered) fds[i++] = new PollFd { Fd = fd, Events = (short)events };
            }
            var wait = timeout is { } t && t < TimeSpan.Zero ? null : timeout;
            fixed (PollFd* p = fds)
            {
                var state = (Fds: (nint)p, Count: fds.Length);
                WaitTimeout.Retry(state, static (s, t) => Libc.Poll((PollFd*)s.Fds, (nuint)s.Count, WaitTimeout.ToMilliseconds(t)), wait, "poll");
            }
            var ready = new List<(int, PollMask)>();
            foreach (var fd in fds)
            {
                if (fd.REvents != 0) ready.Add((fd.Fd, (PollMask)fd.REvents));
            }
            return ready;
        }
        finally { Volatile.Write(ref _polling, 0); }
    }
}
