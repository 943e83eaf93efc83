using System.Runtime.InteropServices;

namespace Spindle.Native;

/// <summary>struct iovec for writev(2) and sendmsg(2).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVec
{
    public byte* Base;
    public nuint Length;
}

/// <summary>struct msghdr (x86-64 and arm64 layout: pointers and size_t are 8 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MsgHdr
{
    public void* Name;
    public uint NameLength;
    public IoVec* Iov;
    public nuint IovLength;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}

/// <summary>The syscalls behind Spindle.Ipc.Pipe: gathered writes and descriptor passing (SCM_RIGHTS).</summary>
internal static unsafe partial class Libc
{
    internal const int SOL_SOCKET = 1;
    internal const int SCM_RIGHTS = 1;
    internal const int MSG_NOSIGNAL = 0x4000;
    internal const int MSG_CMSG_CLOEXEC = 0x40000000;
    internal const int EPIPE = 32;

    /// <summary>The kernel's limit of descriptors in one SCM_RIGHTS message (SCM_MAX_FD).</summary>
    internal const int MaxFdsPerMessage = 253;

    internal const int MSG_PEEK = 0x2;

    [LibraryImport(LibraryName, EntryPoint = "writev", SetLastError = true)]
    internal static partial nint WriteV(int fd, IoVec* iov, int count);

    [LibraryImport(LibraryName, EntryPoint = "readv", SetLastError = true)]
    internal static partial nint ReadV(int fd, IoVec* iov, int count);

    [LibraryImport(LibraryName, EntryPoint = "sendmsg", SetLastError = true)]
    internal static partial nint SendMsg(int fd, MsgHdr* message, int flags);

    [LibraryImport(LibraryName, EntryPoint = "recvmsg", SetLastError = true)]
    internal static partial nint RecvMsg(int fd, MsgHdr* message, int flags);

    /// <summary>CMSG_SPACE for <paramref name="count"/> ints: a 16-byte cmsghdr plus the data, rounded to 8.</summary>
    internal static int CmsgSpace(int count) => 16 + ((count * sizeof(int) + 7) & ~7);

    /// <summary>CMSG_LEN for <paramref name="count"/> ints.</summary>
    internal static int CmsgLen(int count) => 16 + count * sizeof(int);
}
