using Spindle.Native;

namespace Spindle.Ipc;

/// <summary>
/// An eventfd that becomes readable when a token is cancelled: polled beside the descriptors a blocking wait watches, it
/// ends that wait at once instead of at its deadline.
/// </summary>
internal sealed unsafe class CancellationFd : IDisposable
{
    private readonly CancellationTokenRegistration _registration;

    /// <exception cref="IOException">eventfd failed (out of descriptors).</exception>
    internal CancellationFd(CancellationToken cancellationToken)
    {
        Fd = Libc.EventFd(0, Libc.EFD_CLOEXEC);
        if (Fd < 0) throw new IOException($"eventfd failed: {Libc.Describe(Libc.LastErrno)}.");
        _registration = cancellationToken.Register(static state =>
        {
            ulong one = 1;
            Libc.WriteFd((int)state!, (byte*)&one, 8);
        }, Fd);
    }

    internal int Fd { get; }

    // The registration goes first, so a late cancellation never writes to a closed (or reused) descriptor.
    public void Dispose()
    {
        _registration.Dispose();
        Libc.CloseFd(Fd);
    }
}
