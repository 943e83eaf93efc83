using System.Buffers.Binary;
using System.Diagnostics;
using Spindle.Ipc;
using Spindle.Native;

namespace Spindle.Managers;

/// <summary>
/// One end of a manager connection: whole frames (Python's <c>multiprocessing.connection</c> framing, a 4-byte
/// big-endian length, then the body) over a stream socket, read through a buffer so a small frame costs one
/// <c>recv</c>. Frames longer than <see cref="MaxFrame"/> are refused before anything is allocated for them.
/// </summary>
/// <remarks>
/// Waiting for a frame first spins — non-blocking reads with a yield between them — for an <see cref="AdaptiveSpin"/>
/// budget, then blocks. Sends are whole frames under a lock, so a reply written by a completing operation on another thread never
/// interleaves with one written by the connection's own thread.
/// </remarks>
internal sealed unsafe class FrameChannel : IDisposable, IHandshakeChannel
{
    /// <summary>The largest frame read before both sides have authenticated.</summary>
    internal const int HandshakeMaxFrame = Authentication.HandshakeMaxFrame;

    /// <summary>The largest frame read once authenticated; a longer announcement drops the connection.</summary>
    internal const int MaxFrameBytes = 1 << 30;

    private const int BufferSize = 64 * 1024;

    private readonly FdHandle _handle;
    private readonly Lock _sendLock = new();
    private readonly byte[] _in = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);
    private int _start;
    private int _end;
    private AdaptiveSpin _spin;
    private bool _ended;
    private bool _spinning = true;

    private FrameChannel(int fd) => _handle = new FdHandle(fd);

    /// <summary>The largest frame this end accepts now; raised after authentication.</summary>
    internal int MaxFrame { get; set; } = HandshakeMaxFrame;

    /// <summary>Wraps an accepted descriptor (the channel owns it).</summary>
    internal static FrameChannel FromAccepted(int fd) => new(fd);

    /// <summary>Connects to a manager's listener.</summary>
    /// <exception cref="ManagerConnectionException">Nothing listens there, or the connection failed.</exception>
    internal static FrameChannel Connect(ManagerAddress address) =>
        new(StreamSockets.Connect(address, errno => new ManagerConnectionException(errno is Libc.ECONNREFUSED or Libc.ENOENT
            ? $"Cannot connect to the manager at {address}: no server listens there (it has shut down, or was never started)."
            : $"Cannot connect to the manager at {address}: {Libc.Describe(errno)}.")));

    /// <summary>Sends one frame whose body is <paramref name="head"/> followed by <paramref name="body"/>.</summary>
    /// <exception cref="IOException">The peer has closed the connection.</exception>
    /// <exception cref="ObjectDisposedException">This end is closed.</exception>
    public void Send(ReadOnlySpan<byte> head, ReadOnlySpan<byte> body = default)
    {
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, head.Length + body.Length);
        using var lease = new SafeFdLease(_handle, "manager connection");
        lock (_sendLock)
        {
            fixed (byte* h = header)
            fixed (byte* a = head)
            fixed (byte* b = body)
            {
                var iov = stackalloc IoVec[3];
                iov[0] = new IoVec { Base = h, Length = 4 };
                iov[1] = new IoVec { Base = a, Length = (nuint)head.Length };
                iov[2] = new IoVec { Base = b, Length = (nuint)body.Length };
                WriteAll(lease.Fd, iov, 3);
            }
        }
    }

    private static void WriteAll(int fd, IoVec* iov, int count)
    {
        var message = new MsgHdr { Iov = iov, IovLength = (nuint)count };
        while (message.IovLength > 0)
        {
            var n = (long)Libc.SendMsg(fd, &message, Libc.MSG_NOSIGNAL);
            if (n < 0)
            {
                var errno = Libc.LastErrno;
                if (errno == Libc.EINTR) continue;
                throw new IOException($"Writing to the manager connection failed: {Libc.Describe(errno)}.");
            }
            // Skip what was written: whole vectors, then part of the next one.
            while (message.IovLength > 0 && n >= (long)message.Iov->Length)
            {
                n -= (long)message.Iov->Length;
                message.Iov++;
                message.IovLength--;
            }
            if (n > 0)
            {
                message.Iov->Base += n;
                message.Iov->Length -= (nuint)n;
            }
        }
    }

    /// <summary>
    /// Reads the next frame, waiting until <paramref name="deadline"/>. The frame stays valid until the next call.
    /// </summary>
    /// <param name="frame">The frame's body.</param>
    /// <param name="deadline">When to give up.</param>
    /// <param name="spin">Spin before blocking; false when the caller has just spun on something else (a lane).</param>
    /// <returns>false at a clean end of stream (the peer closed between frames).</returns>
    /// <exception cref="InvalidDataException">The frame is longer than <see cref="MaxFrame"/>, or malformed.</exception>
    /// <exception cref="EndOfStreamException">The peer closed the connection inside a frame.</exception>
    /// <exception cref="TimeoutException">The deadline passed first.</exception>
    public bool Receive(out ReadOnlyMemory<byte> frame, Deadline deadline, bool spin = true)
    {
        frame = default;
        using var lease = new SafeFdLease(_handle, "manager connection");
        _spinning = spin;
        if (!Fill(lease.Fd, 4, deadline, atFrameStart: true)) return false;
        var length = BinaryPrimitives.ReadInt32BigEndian(_in.AsSpan(_start));
        if (length < 0 || length > MaxFrame)
            throw new InvalidDataException($"Malformed manager frame: it announces {(uint)length} bytes, more than the {MaxFrame}-byte maximum.");
        _start += 4;
        if (length > _in.Length)
        {
            frame = ReadLarge(lease.Fd, length, deadline);
            return true;
        }
        Fill(lease.Fd, length, deadline, atFrameStart: false);
        frame = _in.AsMemory(_start, length);
        _start += length;
        return true;
    }

    /// <summary>Whether a whole frame, or the start of one, is already buffered (a reply that needs no wait).</summary>
    internal bool HasBufferedData => _end > _start;

    /// <summary>Waits without blocking the caller until the connection is readable, or <paramref name="cancellationToken"/> fires.</summary>
    internal Task<bool> WaitReadableAsync(CancellationToken cancellationToken) =>
        HasBufferedData ? Task.FromResult(true) : ReadableWait.WaitAsync(new SafeFdLease(_handle, "manager connection"), Deadline.Infinite, cancellationToken);

    /// <summary>
    /// Whether the peer has closed its end (or died: the kernel closes a dead process's sockets), asked of the kernel
    /// without reading; true once this end is closed too.
    /// </summary>
    internal bool PeerHasClosed
    {
        get
        {
            try
            {
                using var lease = new SafeFdLease(_handle, "manager connection");
                var poll = new PollFd { Fd = lease.Fd, Events = Libc.POLLRDHUP };
                while (Libc.Poll(&poll, 1, 0) < 0 && Libc.LastErrno == Libc.EINTR) { }
                return (poll.REvents & (Libc.POLLRDHUP | Libc.POLLHUP | Libc.POLLERR | Libc.POLLNVAL)) != 0;
            }
            catch (ObjectDisposedException)
            {
                return true;
            }
        }
    }

    /// <summary>Shuts both directions down: a thread blocked reading this connection sees its end at once; the peer sees EOF.</summary>
    internal void ShutdownBoth()
    {
        try
        {
            using var lease = new SafeFdLease(_handle, "manager connection");
            Libc.Shutdown(lease.Fd, Libc.SHUT_RDWR);
        }
        catch (ObjectDisposedException)
        {
            // Already closed: nothing left to wake.
        }
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>Makes <paramref name="count"/> bytes available at <c>_start</c>; false on a clean EOF before any of them.</summary>
    private bool Fill(int fd, int count, Deadline deadline, bool atFrameStart)
    {
        if (_end - _start >= count) return true;
        if (_in.Length - _start < count)
        {
            _in.AsSpan(_start, _end - _start).CopyTo(_in);
            _end -= _start;
            _start = 0;
        }
        while (_end - _start < count)
        {
            var n = Read(fd, _in.AsSpan(_end), deadline);
            if (n == 0)
            {
                if (atFrameStart && _end == _start) return false;
                throw new EndOfStreamException("The manager connection was closed inside a frame.");
            }
            _end += n;
        }
        return true;
    }

    /// <summary>A frame longer than the buffer: grown as bytes arrive, so a bogus length allocates nothing up front.</summary>
    private byte[] ReadLarge(int fd, int length, Deadline deadline)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(Math.Max(_in.Length, Math.Min(length, _end - _start)));
        var filled = _end - _start;
        _in.AsSpan(_start, filled).CopyTo(buffer);
        _start = _end = 0;
        while (filled < length)
        {
            if (filled == buffer.Length)
            {
                var grown = GC.AllocateUninitializedArray<byte>((int)Math.Min(length, buffer.Length * 2L));
                buffer.AsSpan(0, filled).CopyTo(grown);
                buffer = grown;
            }
            var n = Read(fd, buffer.AsSpan(filled, buffer.Length - filled), deadline);
            if (n == 0) throw new EndOfStreamException($"The manager connection was closed inside a {length}-byte frame.");
            filled += n;
        }
        return buffer;
    }

    /// <summary>
    /// Buffers whatever arrives within the spin budget without blocking; true if data (or the end of the stream) is
    /// waiting to be read, so that a following <see cref="Receive"/> returns without sleeping.
    /// </summary>
    internal bool SpinForData()
    {
        if (HasBufferedData || _ended) return true;
        using var lease = new SafeFdLease(_handle, "manager connection");
        _start = _end = 0;
        _spinning = true;
        var n = SpinRead(lease.Fd, _in, Stopwatch.GetTimestamp());
        if (n < 0) return false;
        if (n == 0) _ended = true;
        _end = n;
        return true;
    }

    /// <summary>Reads what is there, spinning first (see the class remarks), then blocking until the deadline; 0 at the end of the stream.</summary>
    private int Read(int fd, Span<byte> target, Deadline deadline)
    {
        if (_ended) return 0;
        var start = Stopwatch.GetTimestamp();
        var n = SpinRead(fd, target, start);
        if (n < 0) n = BlockingRead(fd, target, deadline, start);
        if (n == 0) _ended = true;
        return n;
    }

    /// <summary>Non-blocking reads with yields between them for the spin budget; −1 if nothing came.</summary>
    private int SpinRead(int fd, Span<byte> target, long start)
    {
        var spinEnd = _spinning ? _spin.EndOf(start) : start;
        fixed (byte* p = target)
        {
            while (true)
            {
                var n = Libc.Recv(fd, p, target.Length, Libc.MSG_DONTWAIT);
                if (n >= 0)
                {
                    _spin.Caught();
                    return (int)n;
                }
                var errno = Libc.LastErrno;
                if (errno != Libc.EAGAIN && errno != Libc.EINTR) throw ReadFailed(errno);
                if (Stopwatch.GetTimestamp() >= spinEnd) return -1;
                Thread.Yield();
            }
        }
    }

    private int BlockingRead(int fd, Span<byte> target, Deadline deadline, long start)
    {
        fixed (byte* p = target)
        {
            while (true)
            {
                if (!deadline.IsInfinite && !ReadableWait.Wait(fd, deadline)) throw new TimeoutException("The manager peer did not answer in time.");
                var n = Libc.Recv(fd, p, target.Length, 0);
                if (n >= 0)
                {
                    if (_spinning) _spin.Blocked(start);
                    return (int)n;
                }
                var errno = Libc.LastErrno;
                if (errno != Libc.EINTR && errno != Libc.EAGAIN) throw ReadFailed(errno);
            }
        }
    }

    private static IOException ReadFailed(int errno) =>
        errno == Libc.ECONNRESET
            ? new EndOfStreamException("The manager connection was reset by its peer.")
            : new IOException($"Reading from the manager connection failed: {Libc.Describe(errno)}.");
}
