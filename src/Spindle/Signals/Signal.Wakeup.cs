using Spindle.Native;

namespace Spindle.Signals;

public static partial class Signal
{
    private static int s_wakeupFd = -1;

    /// <summary>
    /// From now on, each signal that arrives at a Spindle handler first writes its number, as one byte, to
    /// <paramref name="fd"/> — so that an event loop waiting in a selector on the other end of a pipe or socket wakes
    /// up. −1 stops it. If the byte cannot be written (the buffer is full), it is dropped and the handler still runs.
    /// Python: <c>signal.set_wakeup_fd(fd)</c>.
    /// </summary>
    /// <returns>The descriptor set before, −1 if none.</returns>
    /// <exception cref="ArgumentException"><paramref name="fd"/> is not open, or is in blocking mode (a handler must
    /// never block on it), as Python's <c>ValueError</c>.</exception>
    public static int SetWakeupFd(int fd)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fd, -1);
        if (fd >= 0)
        {
            var flags = Libc.FcntlInt(fd, Libc.F_GETFL, 0);
            if (flags < 0) throw new ArgumentException($"Descriptor {fd} is not open: {Libc.Describe(Libc.LastErrno)}.", nameof(fd));
            if ((flags & Libc.O_NONBLOCK) == 0) throw new ArgumentException($"The fd {fd} must be in non-blocking mode.", nameof(fd));
        }
        return Interlocked.Exchange(ref s_wakeupFd, fd);
    }

    /// <summary>Writes the signal's number to the wakeup descriptor, if one is set (called before its handler runs).</summary>
    internal static void WriteWakeup(int signal)
    {
        var fd = Volatile.Read(ref s_wakeupFd);
        if (fd >= 0) _ = Libc.WriteByte(fd, (byte)signal);
    }
}
