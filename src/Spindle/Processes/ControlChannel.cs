using System.Buffers.Binary;
using System.Net.Sockets;

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

    private readonly Socket _socket;

    internal ControlChannel(int fd)
    {
        _socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
    }

    internal void Send(FrameKind kind, ReadOnlySpan<byte> body)
    {
        if (body.Length > MaxFrameBytes)
            throw new InvalidOperationException($"A Spindle control frame of {body.Length} bytes exceeds the {MaxFrameBytes}-byte maximum; pass large data through shared memory or a queue instead.");
        var frame = new byte[5 + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)body.Length);
        frame[4] = (byte)kind;
        body.CopyTo(frame.AsSpan(5));
        var sent = 0;
        while (sent < frame.Length) sent += _socket.Send(frame, sent, frame.Length - sent, SocketFlags.None);
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
        if (!Enum.IsDefined(kind))
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
            var n = _socket.Receive(buffer, read, buffer.Length - read, SocketFlags.None);
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
            var n = await _socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (read == 0) return false;
                throw Truncated(buffer.Length);
            }
            read += n;
        }
        return true;
    }

    public void Dispose() => _socket.Dispose();
}
