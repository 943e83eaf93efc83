using System.Diagnostics;
using Spindle.Native;

namespace Spindle.Ipc;

/// <summary>Waits for a descriptor to become readable, with a deadline and, for the async twins, a cancellation token.</summary>
internal static unsafe class ReadableWait
{
    /// <summary>
    /// Waits for input like <see cref="Wait"/> with no deadline, but first polls without blocking for as long as
    /// <paramref name="spin"/> says: a peer that answers within microseconds is then met without a sleep and a
    /// wake-up (≈ 35–45 µs here), which is what bounds a blocking ping-pong.
    /// </summary>
    internal static void SpinThenWait(int fd, ref AdaptiveSpin spin)
    {
        var poll = new PollFd { Fd = fd, Events = Libc.POLLIN };
        long start = Stopwatch.GetTimestamp(), stop = spin.EndOf(start);
        do
        {
            if (Libc.Poll(&poll, 1, 0) != 0)
            {
                spin.Caught();
                return;
            }
            Thread.Yield(); // on a busy machine the peer may be waiting for this very CPU
        }
        while (Stopwatch.GetTimestamp() < stop);
        Wait(fd, Deadline.Infinite);
        spin.Blocked(start);
    }

    /// <summary>poll(2) for input (or hang-up) until <paramref name="deadline"/>; EINTR resumes with the time left.</summary>
    internal static bool Wait(int fd, Deadline deadline)
    {
        while (true)
        {
            var poll = new PollFd { Fd = fd, Events = Libc.POLLIN };
            var n = Libc.Poll(&poll, 1, deadline.RemainingMilliseconds);
            if (n > 0) return true;
            if (n == 0) return false;
            var errno = Libc.LastErrno;
            if (errno != Libc.EINTR) throw new IOException($"poll failed: {Libc.Describe(errno)}.");
        }
    }

    /// <summary>
    /// Waits on a thread-pool thread, with an eventfd beside the descriptor that cancellation writes to, so a
    /// cancelled wait returns at once rather than at its deadline.
    /// </summary>
    internal static Task<bool> WaitAsync(SafeFdLease lease, Deadline deadline, CancellationToken cancellationToken)
    {
        // The lease is released inside the task, so the task must run even when cancelled early.
        return Task.Run(() =>
        {
            using (lease)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (Wait(lease.Fd, Deadline.Start(TimeSpan.Zero))) return true;
                using var cancel = new CancellationFd(cancellationToken);
                var fds = stackalloc PollFd[2];
                while (true)
                {
                    fds[0] = new PollFd { Fd = lease.Fd, Events = Libc.POLLIN };
                    fds[1] = new PollFd { Fd = cancel.Fd, Events = Libc.POLLIN };
                    var n = Libc.Poll(fds, 2, deadline.RemainingMilliseconds);
                    if (n < 0)
                    {
                        var errno = Libc.LastErrno;
                        if (errno == Libc.EINTR) continue;
                        throw new IOException($"poll failed: {Libc.Describe(errno)}.");
                    }
                    if (fds[1].REvents != 0) cancellationToken.ThrowIfCancellationRequested();
                    return n > 0 && fds[0].REvents != 0;
                }
            }
        }, CancellationToken.None);
    }
}

/// <summary>A reference on an <see cref="FdHandle"/> held for the length of one operation.</summary>
internal readonly struct SafeFdLease : IDisposable
{
    private readonly FdHandle _handle;

    /// <exception cref="ObjectDisposedException">The handle is closed.</exception>
    internal SafeFdLease(FdHandle handle, string owner)
    {
        _handle = handle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException(owner, "The connection is closed.");
        }
        Fd = (int)handle.DangerousGetHandle();
    }

    internal int Fd { get; }

    public void Dispose() => _handle.DangerousRelease();
}
