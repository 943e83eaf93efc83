using System.Buffers.Binary;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Spindle.Native;

namespace Spindle.Processes;

/// <summary>The kinds of frame exchanged between a parent and one child.</summary>
internal enum FrameKind : byte
{
    /// <summary>Parent → child: the header (name, daemon flag, parent identity) and the encoded target.</summary>
    Start = 1,

    /// <summary>Child → parent: the target returned.</summary>
    Completed = 2,

    /// <summary>Child → parent: the target threw (type name, message, stack trace).</summary>
    Failed = 3,

    /// <summary>Child → parent: a warm spare has booted and warmed its code paths up.</summary>
    Ready = 4,
}

/// <summary>
/// One end of the private parent↔child socketpair. The pair is created by the parent and the child's end is
/// handed to it by posix_spawn (dup2 onto a fixed fd), so no other process can reach the channel: no name,
/// no token to guard. Frames are <c>[u32 length][u8 kind][body]</c>, little-endian, with a bounded length
/// so a corrupt or hostile length cannot make the reader allocate without limit.
/// </summary>
internal sealed class ControlChannel : IDisposable
{
    /// <summary>Largest body accepted (a target with its captures, or a remote exception report).</summary>
    internal const int MaxFrameBytes = 64 << 20;

    private readonly Stream _stream;
    private readonly int _fd;

    private ControlChannel(Stream stream, int fd)
    {
        _stream = stream;
        _fd = fd;
    }

    /// <summary>The parent's end: a socket, for asynchronous reads on the runtime's event loop.</summary>
    internal static ControlChannel ForParent(int fd) =>
        new(new NetworkStream(new Socket(new SafeSocketHandle(fd, ownsHandle: true)), ownsSocket: true), fd);

    /// <summary>
    /// The child's end: plain blocking read/write on the fd. It keeps System.Net.Sockets out of the child, whose
    /// loading and JIT compilation would cost a cold child tens of milliseconds.
    /// </summary>
    internal static ControlChannel ForChild(int fd) =>
        new(new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.ReadWrite, bufferSize: 0), fd);

    /// <summary>A connected pair of close-on-exec AF_UNIX stream sockets: (parent's end, child's end).</summary>
    internal static unsafe (int Parent, int Child) CreateSocketPair()
    {
        var fds = stackalloc int[2];
        if (Libc.SocketPair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0, fds) != 0)
            throw new IOException($"socketpair failed: {System.Runtime.InteropServices.Marshal.GetLastPInvokeErrorMessage()}");
        return (fds[0], fds[1]);
    }

    /// <summary>Both ends of a channel in this process (for tests of the protocol).</summary>
    internal static (ControlChannel Parent, ControlChannel Child) CreatePair()
    {
        var (parent, child) = CreateSocketPair();
        return (ForParent(parent), ForChild(child));
    }

    /// <summary>Whether bytes are waiting to be read.</summary>
    internal unsafe bool HasData
    {
        get
        {
            var poll = new PollFd { Fd = _fd, Events = Libc.POLLIN };
            return Libc.Poll(&poll, 1, 0) > 0;
        }
    }

    internal void Send(FrameKind kind, ReadOnlySpan<byte> body)
    {
        if (body.Length > MaxFrameBytes)
            throw new InvalidOperationException($"A Spindle control frame of {body.Length} bytes exceeds the {MaxFrameBytes}-byte maximum; pass large data through shared memory or a queue instead.");
        var frame = new byte[5 + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)body.Length);
        frame[4] = (byte)kind;
        body.CopyTo(frame.AsSpan(5));
        _stream.Write(frame);
        _stream.Flush();
    }

    /// <summary>
    /// Passes <paramref name="fds"/> to the peer with SCM_RIGHTS on one marker byte, sent right after a frame. The
    /// peer must take them with <see cref="ReceiveDescriptors"/>: a plain read would drop them.
    /// </summary>
    internal unsafe void SendDescriptors(int[] fds)
    {
        var space = Libc.CmsgSpace(fds.Length);
        var control = stackalloc byte[space];
        new Span<byte>(control, space).Clear();
        *(ulong*)control = (ulong)Libc.CmsgLen(fds.Length);
        ((int*)control)[2] = Libc.SOL_SOCKET;
        ((int*)control)[3] = Libc.SCM_RIGHTS;
        fds.AsSpan().CopyTo(new Span<int>(control + 16, fds.Length));
        byte marker = 0;
        var iov = new IoVec { Base = &marker, Length = 1 };
        var header = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = (nuint)space };
        while (true)
        {
            if (Libc.SendMsg(_fd, &header, Libc.MSG_NOSIGNAL) == 1) return;
            var errno = Libc.LastErrno;
            if (errno == Libc.EINTR) continue;
            if (errno == Libc.EAGAIN)
            {
                // The parent's socket is non-blocking (it is read asynchronously): wait for room.
                var poll = new PollFd { Fd = _fd, Events = Libc.POLLOUT };
                Libc.Poll(&poll, 1, -1);
                continue;
            }
            throw new IOException($"Passing descriptors to the child failed: {Libc.Describe(errno)}.");
        }
    }

    /// <summary>Receives the descriptors of <see cref="SendDescriptors"/> into <paramref name="fds"/> (close-on-exec).</summary>
    internal unsafe void ReceiveDescriptors(int[] fds)
    {
        var space = Libc.CmsgSpace(fds.Length);
        var control = stackalloc byte[space];
        byte marker = 0;
        var iov = new IoVec { Base = &marker, Length = 1 };
        var header = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = (nuint)space };
        nint n;
        while ((n = Libc.RecvMsg(_fd, &header, Libc.MSG_CMSG_CLOEXEC)) < 0 && Libc.LastErrno == Libc.EINTR) { }
        if (n != 1) throw new InvalidDataException($"Malformed Spindle start: the {fds.Length} descriptors announced did not arrive.");
        var length = (long)*(ulong*)control;
        if (header.ControlLength < (nuint)Libc.CmsgLen(fds.Length) || length != Libc.CmsgLen(fds.Length)
            || ((int*)control)[2] != Libc.SOL_SOCKET || ((int*)control)[3] != Libc.SCM_RIGHTS)
            throw new InvalidDataException($"Malformed Spindle start: expected {fds.Length} descriptors with SCM_RIGHTS.");
        new Span<int>(control + 16, fds.Length).CopyTo(fds);
    }

    /// <summary>Writes bytes as they are (tests feed malformed frames through it).</summary>
    internal void SendRaw(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        _stream.Flush();
    }

    /// <summary>Reads one frame; null at a clean end of stream (the peer closed or exited).</summary>
    internal (FrameKind Kind, byte[] Body)? Receive()
    {
        var header = new byte[5];
        if (!Fill(header)) return null;
        var (kind, length) = ParseHeader(header);
        var body = new byte[length];
        if (!Fill(body)) throw Truncated(length);
        return (kind, body);
    }

    /// <summary>Reads one frame asynchronously; null at a clean end of stream.</summary>
    internal async Task<(FrameKind Kind, byte[] Body)?> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        var header = new byte[5];
        if (!await FillAsync(header, cancellationToken).ConfigureAwait(false)) return null;
        var (kind, length) = ParseHeader(header);
        var body = new byte[length];
        if (!await FillAsync(body, cancellationToken).ConfigureAwait(false)) throw Truncated(length);
        return (kind, body);
    }

    private static (FrameKind Kind, int Length) ParseHeader(byte[] header)
    {
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (length > MaxFrameBytes)
            throw new InvalidDataException($"Malformed Spindle control frame: announced length {length} exceeds the {MaxFrameBytes}-byte maximum.");
        var kind = (FrameKind)header[4];
        // A range check, not Enum.IsDefined: that builds a reflection cache of the enum's values, a cost every
        // fresh child would pay on its first frame.
        if (kind is < FrameKind.Start or > FrameKind.Ready)
            throw new InvalidDataException($"Malformed Spindle control frame: unknown kind {header[4]}.");
        return (kind, (int)length);
    }

    private static InvalidDataException Truncated(int length) =>
        new($"Malformed Spindle control frame: the peer closed the channel inside a {length}-byte frame.");

    private bool Fill(byte[] buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = _stream.Read(buffer, read, buffer.Length - read);
            if (n == 0)
            {
                if (read == 0) return false;
                throw Truncated(buffer.Length);
            }
            read += n;
        }
        return true;
    }

    private async Task<bool> FillAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await _stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (read == 0) return false;
                throw Truncated(buffer.Length);
            }
            read += n;
        }
        return true;
    }

    public void Dispose() => _stream.Dispose();
}
