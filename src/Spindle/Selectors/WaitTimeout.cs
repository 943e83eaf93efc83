using System.Diagnostics;

namespace Spindle.Selectors;

/// <summary>
/// Timeout handling shared by every wait of this namespace: validation, conversion to the kernel's units, and the
/// PEP 475 rule (a wait interrupted by a signal, EINTR, is retried with the time that remains).
/// </summary>
internal static class WaitTimeout
{
    /// <summary>Milliseconds for poll/epoll_wait: −1 forever, rounded up so a wait never ends early (as CPython does).</summary>
    public static int ToMilliseconds(TimeSpan? timeout)
    {
        if (timeout is not { } t) return -1;
        var ms = (t.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
        return ms > int.MaxValue ? int.MaxValue : (int)ms;
    }

    /// <summary>
    /// Runs <paramref name="wait"/> (a syscall returning −1 with errno on failure) until it succeeds, retrying EINTR with the
    /// remaining time. Any other errno becomes an <see cref="IOException"/> naming <paramref name="syscall"/>.
    /// </summary>
    public static int Retry<TState>(TState state, Func<TState, TimeSpan?, int> wait, TimeSpan? timeout, string syscall)
    {
        var start = timeout is null ? 0 : Stopwatch.GetTimestamp();
        var remaining = timeout;
        while (true)
        {
            var result = wait(state, remaining);
            if (result >= 0) return result;
            var errno = Native.Libc.LastErrno;
            if (errno != Native.Libc.EINTR)
                throw new IOException($"{syscall} failed: {Native.Libc.Describe(errno)}.");
            if (timeout is { } total)
            {
                var left = total - Stopwatch.GetElapsedTime(start);
                remaining = left > TimeSpan.Zero ? left : TimeSpan.Zero;
            }
        }
    }
}
