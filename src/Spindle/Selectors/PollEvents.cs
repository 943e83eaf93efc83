using Spindle.Native;

namespace Spindle.Selectors;

/// <summary>Translation between <see cref="SelectorEvents"/> and poll(2) bits, shared by <see cref="PollSelector"/> and <see cref="Multiplex"/>.</summary>
internal static class PollEvents
{
    public static short From(SelectorEvents events) =>
        (short)(((events & SelectorEvents.Read) != 0 ? Libc.POLLIN : 0) | ((events & SelectorEvents.Write) != 0 ? Libc.POLLOUT : 0));

    /// <summary>As Python: anything but "readable" (HUP, ERR, NVAL) wakes writers, anything but "writable" wakes readers.</summary>
    public static SelectorEvents To(short revents)
    {
        var ready = SelectorEvents.None;
        if ((revents & ~Libc.POLLIN) != 0) ready |= SelectorEvents.Write;
        if ((revents & ~Libc.POLLOUT) != 0) ready |= SelectorEvents.Read;
        return ready;
    }
}
