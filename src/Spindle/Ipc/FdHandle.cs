using System.Runtime.InteropServices;
using Spindle.Native;

namespace Spindle.Ipc;

/// <summary>
/// Owns one descriptor. A SafeHandle, so that a close racing a read or write on another thread defers the close(2)
/// until the call returns instead of letting the number be reused under it.
/// </summary>
internal sealed class FdHandle : SafeHandle
{
    internal FdHandle(int fd) : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    protected override bool ReleaseHandle() => Libc.CloseFd((int)handle) == 0;
}
