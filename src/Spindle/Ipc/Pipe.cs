using Spindle.Native;

namespace Spindle.Ipc;

/// <summary>Creates a pair of connected <see cref="Connection"/>s. Python: <c>multiprocessing.Pipe(duplex)</c>.</summary>
public static class Pipe
{
    /// <summary>
    /// Creates two connected ends. Duplex: both send and receive (a Unix stream socket pair). Simplex:
    /// <c>First</c> only receives and <c>Second</c> only sends (a pipe). Python: <c>multiprocessing.Pipe(duplex=True)</c>.
    /// </summary>
    /// <exception cref="IOException">The descriptors could not be created (e.g. the process is out of descriptors).</exception>
    public static (Connection First, Connection Second) Create(bool duplex = true)
    {
        if (duplex)
        {
            var (a, b) = Libc.OpenSocketPair();
            return (new Connection(a, true, true), new Connection(b, true, true));
        }
        var (read, write) = Libc.OpenPipe(Libc.O_CLOEXEC);
        return (new Connection(read, true, false), new Connection(write, false, true));
    }
}
