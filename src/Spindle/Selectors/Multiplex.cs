using Spindle.Native;

namespace Spindle.Selectors;

/// <summary>
/// The list-in, lists-out wait of seed 001's echo server: <c>r, w, x = select.select(inputs, outputs, [])</c>.
/// Built on poll(2), so unlike select(2) it has no 1,024-descriptor limit. Python: <c>select.select</c>.
/// </summary>
public static class Multiplex
{
    /// <summary>
    /// Waits until some of the file objects are ready and returns, in the callers' order, those ready to read (data, a
    /// connection to accept, end of stream or an error), to write, and with an exceptional condition (out-of-band data).
    /// Python: <c>select.select(rlist, wlist, xlist, timeout=None)</c>. Elements are file objects as <see cref="ISelector"/>
    /// accepts them (sockets, safe handles, <see cref="IHasFileDescriptor"/>, int fds). EINTR is retried (PEP 475).
    /// </summary>
    /// <param name="read">Wait for readability (Python <c>rlist</c>).</param>
    /// <param name="write">Wait for writability (Python <c>wlist</c>).</param>
    /// <param name="error">Wait for exceptional conditions (Python <c>xlist</c>).</param>
    /// <param name="timeout">null waits forever; <see cref="TimeSpan.Zero"/> only polls.</param>
    /// <exception cref="ArgumentException">An element is not a file object, or its descriptor is not open (Python <c>OSError(EBADF)</c>).</exception>
    /// <exception cref="ObjectDisposedException">An element is closed.</exception>
    public static unsafe (IReadOnlyList<T> Read, IReadOnlyList<T> Write, IReadOnlyList<T> Error) Select<T>(
        IList<T> read, IList<T> write, IList<T> error, TimeSpan? timeout = null)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(error);
        var wait = Deadline.Validate(timeout, nameof(timeout));

        // One pollfd per distinct fd, however many lists name it.
        var slots = new Dictionary<int, int>();
        var fds = new PollFd[read.Count + write.Count + error.Count];
        var count = 0;
        int[] Add(IList<T> list, short bits)
        {
            var indexes = new int[list.Count];
            for (var i = 0; i < list.Count; i++)
            {
                var fd = FileObjects.ToFd(list[i]);
                if (!slots.TryGetValue(fd, out var slot))
                {
                    slot = count++;
                    slots.Add(fd, slot);
                    fds[slot].Fd = fd;
                }
                fds[slot].Events |= bits;
                indexes[i] = slot;
            }
            return indexes;
        }
        var readSlots = Add(read, Libc.POLLIN);
        var writeSlots = Add(write, Libc.POLLOUT);
        var errorSlots = Add(error, Libc.POLLPRI);

        fixed (PollFd* p = fds)
        {
            var state = (Fds: (nint)p, Count: count);
            WaitTimeout.Retry(state, static (s, t) => Libc.Poll((PollFd*)s.Fds, (nuint)s.Count, WaitTimeout.ToMilliseconds(t)), wait, "poll");
        }
        for (var i = 0; i < count; i++)
        {
            if ((fds[i].REvents & Libc.POLLNVAL) != 0)
                throw new ArgumentException($"fd {fds[i].Fd} is not open: {Libc.Describe(Libc.EBADF)}.", nameof(read));
        }

        // The same readiness sets as Linux's select(2): HUP counts as readable, ERR as both.
        return (Pick(read, readSlots, fds, Libc.POLLIN | Libc.POLLHUP | Libc.POLLERR),
                Pick(write, writeSlots, fds, Libc.POLLOUT | Libc.POLLERR),
                Pick(error, errorSlots, fds, Libc.POLLPRI));
    }

    private static List<T> Pick<T>(IList<T> list, int[] slots, PollFd[] fds, int bits)
    {
        var ready = new List<T>();
        for (var i = 0; i < list.Count; i++)
            if ((fds[slots[i]].REvents & bits) != 0) ready.Add(list[i]);
        return ready;
    }
}
