using System.Buffers.Binary;
using Spindle.Native;
using Spindle.Processes;
using Spindle.Selectors;
using Spindle.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// One end of a <see cref="Pipe"/>: sends and receives whole messages (objects through <see cref="ValueCodec"/>, or
/// raw bytes) over a Unix stream socket (duplex) or a pipe (simplex). Python: <c>multiprocessing.connection.Connection</c>.
/// </summary>
/// <remarks>
/// Frames are Python's: a 4-byte big-endian length, or −1 followed by an 8-byte length for messages of 2 GiB and
/// more (read here; a .NET array never needs it to be written). Unlike Python, sending is thread-safe: one lock per
/// direction keeps concurrent senders' frames whole, and concurrent receivers each get whole messages.
/// A connection travels to a child process as a target's argument or capture (its descriptor is passed with
/// SCM_RIGHTS) and both processes then hold the end; close each copy where it is no longer needed.
/// </remarks>
public sealed class Connection : IDisposable, IHasFileDescriptor, IShareable<Connection>, IHandshakeChannel
{
    /// <summary>The largest message accepted: the largest .NET byte array. A frame claiming more is malformed.</summary>
    public static readonly long MaxMessageLength = Array.MaxLength;

    private const int Chunk = 1 << 20;
    private const int PeekSize = 256;
    private readonly FdHandle _handle;
    private readonly Lock _sendLock = new();
    private readonly Lock _receiveLock = new();
    private readonly bool _readable;
    private readonly bool _writable;
    private AdaptiveSpin _receiveSpin; // guarded by _receiveLock
    private volatile string? _unreadable;

    // A duplex end is one of a socket pair; a simplex read end is a pipe, which cannot be peeked at.
    private bool IsSocket => _readable && _writable;

    internal Connection(int fd, bool readable, bool writable)
    {
        _handle = new FdHandle(fd);
        _readable = readable;
        _writable = writable;
    }

    /// <summary>Whether this end may receive. Python: <c>Connection.readable</c>.</summary>
    public bool Readable => _readable;

    /// <summary>Whether this end may send. Python: <c>Connection.writable</c>.</summary>
    public bool Writable => _writable;

    /// <summary>Whether <see cref="Close"/> has been called. Python: <c>Connection.closed</c>.</summary>
    public bool IsClosed => _handle.IsClosed;

    /// <summary>The descriptor, or −1 once closed. Python: <c>Connection.fileno()</c>.</summary>
    public int FileDescriptor => _handle.IsClosed ? -1 : (int)_handle.DangerousGetHandle();

    /// <summary>Sends an object, encoded with <see cref="ValueCodec"/>. Python: <c>Connection.send(obj)</c>.</summary>
    /// <exception cref="NotTransferableException">The object cannot cross; nothing is sent.</exception>
    /// <exception cref="InvalidOperationException">This end is receive-only.</exception>
    /// <exception cref="IOException">The peer has closed its end.</exception>
    /// <exception cref="ObjectDisposedException">The connection is closed.</exception>
    public void Send<T>(T obj)
    {
        CheckWritable();
        SendBytes(ValueCodec.Encode(obj));
    }

    /// <summary>Sends <paramref name="size"/> bytes of <paramref name="buffer"/> from <paramref name="offset"/> as one message. Python: <c>Connection.send_bytes(buf, offset, size)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The offset or size falls outside the buffer (Python: ValueError).</exception>
    public void SendBytes(byte[] buffer, int offset = 0, int? size = null)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, buffer.Length);
        var count = size ?? buffer.Length - offset;
        ArgumentOutOfRangeException.ThrowIfNegative(count, nameof(size));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, buffer.Length - offset, nameof(size));
        SendBytes(buffer.AsSpan(offset, count));
    }

    /// <summary>Sends <paramref name="data"/> as one message. Python: <c>Connection.send_bytes(buf)</c>.</summary>
    /// <exception cref="InvalidOperationException">This end is receive-only.</exception>
    /// <exception cref="IOException">The peer has closed its end.</exception>
    /// <exception cref="ObjectDisposedException">The connection is closed.</exception>
    public unsafe void SendBytes(ReadOnlySpan<byte> data)
    {
        CheckWritable();
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        using var lease = new SafeFdLease(_handle, nameof(Connection));
        lock (_sendLock)
        {
            fixed (byte* h = header)
            fixed (byte* d = data)
            {
                WriteAll(lease.Fd, h, 4, d, data.Length);
            }
        }
    }

    /// <summary>Receives an object sent with <see cref="Send{T}"/>. Python: <c>Connection.recv()</c>.</summary>
    /// <exception cref="EndOfStreamException">The peer closed its end and every message has been read (Python: EOFError).</exception>
    /// <exception cref="SerializationFormatException">The message is not a <typeparamref name="T"/> or not a Spindle payload.</exception>
    public T Recv<T>() => ValueCodec.Decode<T>(RecvBytes());

    /// <summary>Receives an object as whatever type it was sent as. Python: <c>Connection.recv()</c>.</summary>
    /// <exception cref="EndOfStreamException">The peer closed its end and every message has been read (Python: EOFError).</exception>
    public object? Recv() => ValueCodec.Decode(RecvBytes());

    /// <summary>Receives one whole message of bytes. Python: <c>Connection.recv_bytes(maxlength)</c>.</summary>
    /// <exception cref="MessageLengthException">The message is longer than <paramref name="maxLength"/>; the connection cannot be read from any more.</exception>
    /// <exception cref="EndOfStreamException">The peer closed its end and every message has been read (Python: EOFError).</exception>
    /// <exception cref="InvalidDataException">The bytes on the connection are not a valid frame; the connection cannot be read from any more.</exception>
    /// <exception cref="InvalidOperationException">This end is send-only.</exception>
    public byte[] RecvBytes(int? maxLength = null)
    {
        if (maxLength is < 0) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "The maximum length must not be negative.");
        CheckReadable();
        using var lease = new SafeFdLease(_handle, nameof(Connection));
        lock (_receiveLock) return ReadMessage(lease.Fd, maxLength);
    }

    /// <summary>
    /// Receives one message into <paramref name="buffer"/> at <paramref name="offset"/>; returns its length.
    /// Python: <c>Connection.recv_bytes_into(buffer, offset)</c>.
    /// </summary>
    /// <exception cref="BufferTooShortException">The message does not fit; it was consumed and is in the exception.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The offset is outside the buffer (Python: ValueError).</exception>
    public int RecvBytesInto(byte[] buffer, int offset = 0)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, buffer.Length);
        CheckReadable();
        using var lease = new SafeFdLease(_handle, nameof(Connection));
        lock (_receiveLock)
        {
            // Read straight into the caller's buffer: no message-sized allocation when it fits.
            AwaitMessage(lease.Fd, []);
            var length = ReadLength(lease.Fd, null);
            var room = buffer.Length - offset;
            if (length > room) throw new BufferTooShortException(ReadBody(lease.Fd, length), room);
            ReadFully(lease.Fd, buffer.AsSpan(offset, length));
            return length;
        }
    }

    /// <summary>Whether a message (or the end of the stream) is waiting, without waiting. Python: <c>Connection.poll()</c>.</summary>
    public bool Poll() => Poll(TimeSpan.Zero);

    /// <summary>Waits up to <paramref name="timeout"/> for something to read. Python: <c>Connection.poll(timeout)</c>; null waits forever as <c>poll(None)</c>.</summary>
    /// <returns>Whether a message, or the peer's close, is waiting (a following read then does not block).</returns>
    /// <exception cref="InvalidOperationException">This end is send-only.</exception>
    public bool Poll(TimeSpan? timeout)
    {
        var deadline = Deadline.Start(timeout);
        CheckReadable();
        using var lease = new SafeFdLease(_handle, nameof(Connection));
        return ReadableWait.Wait(lease.Fd, deadline);
    }

    /// <summary>Awaitable <see cref="Poll(TimeSpan?)"/>: the wait runs on a thread-pool thread and ends at once on cancellation.</summary>
    public Task<bool> PollAsync(TimeSpan? timeout, CancellationToken cancellationToken = default)
    {
        var deadline = Deadline.Start(timeout);
        CheckReadable();
        return ReadableWait.WaitAsync(new SafeFdLease(_handle, nameof(Connection)), deadline, cancellationToken);
    }

    /// <summary>Awaitable <see cref="RecvBytes"/>: waits for the message without blocking the caller, then reads it.</summary>
    public async Task<byte[]> RecvBytesAsync(int? maxLength = null, CancellationToken cancellationToken = default)
    {
        await PollAsync(null, cancellationToken).ConfigureAwait(false);
        // Once the frame has begun to arrive the rest follows from the sender's single write loop.
        return await Task.Run(() => RecvBytes(maxLength), CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Awaitable <see cref="Recv{T}"/>.</summary>
    public async Task<T> RecvAsync<T>(CancellationToken cancellationToken = default) =>
        ValueCodec.Decode<T>(await RecvBytesAsync(null, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Awaitable <see cref="Send{T}"/>: the object is encoded at once (a refusal throws here), the write runs on a
    /// thread-pool thread. Cancellation is observed before the write starts; a started message is always completed,
    /// so a frame is never cut.
    /// </summary>
    public Task SendAsync<T>(T obj, CancellationToken cancellationToken = default)
    {
        CheckWritable();
        var bytes = ValueCodec.Encode(obj);
        return SendBytesAsync(bytes, cancellationToken);
    }

    /// <summary>Awaitable <see cref="SendBytes(ReadOnlySpan{byte})"/>, with the cancellation rule of <see cref="SendAsync{T}"/>.</summary>
    public Task SendBytesAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        CheckWritable();
        return Task.Run(() => SendBytes(data.Span), cancellationToken);
    }

    /// <summary>
    /// Waits until some of <paramref name="objects"/> are ready and returns those, in the order given: a
    /// <see cref="Connection"/> with a message or the end of the stream waiting, a process sentinel that has ended (a
    /// <see cref="SpindleProcess.Sentinel"/> number, or the <see cref="SpindleProcess"/> itself), a socket with data, a
    /// connection to accept or EOF. Python: <c>multiprocessing.connection.wait(object_list, timeout=None)</c>.
    /// </summary>
    /// <param name="objects">Connections, sentinels (int descriptors), processes, sockets or <see cref="IHasFileDescriptor"/>s.</param>
    /// <param name="timeout">Null waits until one is ready; <see cref="TimeSpan.Zero"/> only checks.</param>
    /// <returns>The ready objects; empty when the timeout elapsed first (as Python's empty list).</returns>
    /// <exception cref="ObjectDisposedException">A connection, socket or process object in the list is closed.</exception>
    /// <exception cref="InvalidOperationException">A process in the list was not started.</exception>
    /// <exception cref="ArgumentException">An element is null, of a type that has no descriptor, or a descriptor that is not open.</exception>
    public static IReadOnlyList<object> Wait(IEnumerable<object> objects, TimeSpan? timeout = null) => ConnectionWait.Wait(objects, timeout);

    /// <summary>
    /// Awaitable twin of <see cref="Wait"/>: the poll runs on a thread-pool thread and ends at once on cancellation.
    /// Python: <c>multiprocessing.connection.wait</c>.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Task<IReadOnlyList<object>> WaitAsync(IEnumerable<object> objects, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        ConnectionWait.WaitAsync(objects, timeout, cancellationToken);

    /// <summary>A reference on the descriptor for the length of a wait; <paramref name="closedMessage"/> if it is closed.</summary>
    internal SafeFdLease Lease(string closedMessage)
    {
        try
        {
            return new SafeFdLease(_handle, nameof(Connection));
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException(nameof(Connection), closedMessage);
        }
    }

    void IHandshakeChannel.Send(ReadOnlySpan<byte> head, ReadOnlySpan<byte> body) => SendBytes([.. head, .. body]);

    bool IHandshakeChannel.Receive(out ReadOnlyMemory<byte> frame, Deadline deadline, bool spin)
    {
        if (!Poll(TimeSpan.FromMilliseconds(deadline.RemainingMilliseconds))) throw new TimeoutException("The peer did not answer in time.");
        try
        {
            frame = RecvBytes(Authentication.HandshakeMaxFrame);
        }
        catch (MessageLengthException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
        return true;
    }

    /// <summary>Closes this end (other processes' copies stay open). Python: <c>Connection.close()</c>.</summary>
    public void Close() => _handle.Dispose();

    /// <summary>Same as <see cref="Close"/>. Python: leaving <c>with conn:</c>.</summary>
    public void Dispose() => Close();

    /// <summary>Describes this end for a child process: its direction, and its descriptor passed with SCM_RIGHTS.</summary>
    public ShareableHandle Export()
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        return new ShareableHandle(new[] { (byte)((_readable ? 1 : 0) | (_writable ? 2 : 0)) }, [FileDescriptor]);
    }

    /// <summary>Rebuilds a connection on the descriptor this process received; the connection owns it.</summary>
    public static Connection Import(ShareableHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (handle.State.Length != 1 || handle.FileDescriptors.Count != 1 || (handle.State.Span[0] & ~3) != 0)
            throw new InvalidDataException("A shared Connection carries one direction byte and one descriptor.");
        var flags = handle.State.Span[0];
        return new Connection(handle.FileDescriptors[0], (flags & 1) != 0, (flags & 2) != 0);
    }

    private void CheckReadable()
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        if (!_readable) throw new InvalidOperationException("connection is write-only");
        if (_unreadable is { } reason) throw new IOException($"The connection cannot be read from any more: {reason}");
    }

    private void CheckWritable()
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        if (!_writable) throw new InvalidOperationException("connection is read-only");
    }

    private static unsafe void WriteAll(int fd, byte* header, int headerLength, byte* data, long dataLength)
    {
        var iov = stackalloc IoVec[2];
        long headerLeft = headerLength, dataLeft = dataLength;
        while (headerLeft + dataLeft > 0)
        {
            var count = 0;
            if (headerLeft > 0) iov[count++] = new IoVec { Base = header + (headerLength - headerLeft), Length = (nuint)headerLeft };
            if (dataLeft > 0) iov[count++] = new IoVec { Base = data + (dataLength - dataLeft), Length = (nuint)dataLeft };
            var n = (long)Libc.WriteV(fd, iov, count);
            if (n < 0)
            {
                var errno = Libc.LastErrno;
                if (errno == Libc.EINTR) continue;
                if (errno == Libc.EPIPE) throw new IOException("The other end of the pipe is closed (broken pipe).");
                throw new IOException($"Writing to the connection failed: {Libc.Describe(errno)}.");
            }
            var fromHeader = Math.Min(n, headerLeft);
            headerLeft -= fromHeader;
            dataLeft -= n - fromHeader;
        }
    }

    private byte[] ReadMessage(int fd, int? maxLength)
    {
        Span<byte> peek = stackalloc byte[PeekSize];
        int peeked = AwaitMessage(fd, peek);
        if (peeked >= 4 && BinaryPrimitives.ReadInt32BigEndian(peek) is var length and >= 0
            && length <= peeked - 4 && length <= (maxLength ?? int.MaxValue))
            return ReadPeeked(fd, length);
        return ReadBody(fd, ReadLength(fd, maxLength));
    }

    /// <summary>
    /// Waits until a message (or the end of the stream) is there: polls without blocking for as long as the adaptive
    /// spin says, then blocks. On a socket (a duplex connection) the probes peek at what has arrived, up to
    /// <paramref name="peek"/>'s length, and return how much: a small message seen whole is then taken by one read
    /// instead of two. A pipe is polled (it cannot be peeked at), and 0 is returned.
    /// </summary>
    private unsafe int AwaitMessage(int fd, Span<byte> peek)
    {
        if (!IsSocket || peek.IsEmpty)
        {
            ReadableWait.SpinThenWait(fd, ref _receiveSpin);
            return 0;
        }
        long start = System.Diagnostics.Stopwatch.GetTimestamp(), stop = _receiveSpin.EndOf(start);
        var flags = Libc.MSG_PEEK | Libc.MSG_DONTWAIT;
        fixed (byte* p = peek)
        {
            while (true)
            {
                var n = Libc.Recv(fd, p, peek.Length, flags);
                if (n >= 0)
                {
                    if (flags == Libc.MSG_PEEK) _receiveSpin.Blocked(start);
                    else _receiveSpin.Caught();
                    return (int)n;
                }
                var errno = Libc.LastErrno;
                if (errno == Libc.EINTR) continue;
                if (errno != Libc.EAGAIN) throw new IOException($"Reading from the connection failed: {Libc.Describe(errno)}.");
                if (System.Diagnostics.Stopwatch.GetTimestamp() >= stop) flags = Libc.MSG_PEEK; // now block until something comes
                else Thread.Yield(); // on a busy machine the peer may be waiting for this very CPU
            }
        }
    }

    /// <summary>Takes a message whose header and body were both seen by the peek: one read into the header and the new array.</summary>
    private unsafe byte[] ReadPeeked(int fd, int length)
    {
        var body = GC.AllocateUninitializedArray<byte>(length);
        Span<byte> header = stackalloc byte[4];
        fixed (byte* h = header)
        fixed (byte* b = body)
        {
            var iov = stackalloc IoVec[2];
            iov[0] = new IoVec { Base = h, Length = 4 };
            iov[1] = new IoVec { Base = b, Length = (nuint)length };
            nint n;
            do n = Libc.ReadV(fd, iov, 2);
            while (n < 0 && Libc.LastErrno == Libc.EINTR);
            if (n < 0) throw new IOException($"Reading from the connection failed: {Libc.Describe(Libc.LastErrno)}.");
            // All of it was in the socket; only a reader in another process sharing this end could have taken some.
            if (n < 4 + length) throw Malformed($"a message seen whole was then read short ({n} of {4 + length} bytes): another process reads this end too");
        }
        return body;
    }

    /// <summary>Reads a frame's header: the length of the message that follows.</summary>
    private int ReadLength(int fd, int? maxLength)
    {
        Span<byte> header = stackalloc byte[8];
        if (!ReadExact(fd, header[..4], atMessageStart: true))
            throw new EndOfStreamException("The other end of the connection is closed and every message has been read.");
        long length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length == -1)
        {
            ReadExact(fd, header, atMessageStart: false);
            var extended = BinaryPrimitives.ReadUInt64BigEndian(header);
            if (extended > (ulong)MaxMessageLength)
                throw Malformed($"a frame announces {extended} bytes, more than the {MaxMessageLength}-byte maximum");
            length = (long)extended;
        }
        else if (length < 0)
        {
            throw Malformed($"a frame announces a negative length ({length})");
        }
        if (length > maxLength)
        {
            _unreadable = $"a {length}-byte message exceeded the maximum length {maxLength} and was left unread";
            throw new MessageLengthException($"bad message length: the message has {length} bytes, more than the maximum {maxLength}; the connection cannot be read from any more.");
        }
        return (int)length;
    }

    private void ReadFully(int fd, Span<byte> target)
    {
        for (var filled = 0; filled < target.Length; )
        {
            var n = ReadSome(fd, target[filled..]);
            if (n == 0) throw Truncated(target.Length);
            filled += n;
        }
    }

    /// <summary>Reads in chunks into a buffer that grows as bytes arrive, so a bogus length costs no huge allocation.</summary>
    private byte[] ReadBody(int fd, int length)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(Math.Min(length, Chunk));
        var filled = 0;
        while (filled < length)
        {
            if (filled == buffer.Length)
            {
                var grown = GC.AllocateUninitializedArray<byte>((int)Math.Min(length, buffer.Length * 2L));
                buffer.AsSpan().CopyTo(grown);
                buffer = grown;
            }
            var n = ReadSome(fd, buffer.AsSpan(filled, buffer.Length - filled));
            if (n == 0) throw Truncated(length);
            filled += n;
        }
        return buffer;
    }

    private bool ReadExact(int fd, Span<byte> target, bool atMessageStart)
    {
        var filled = 0;
        while (filled < target.Length)
        {
            var n = ReadSome(fd, target[filled..]);
            if (n == 0)
            {
                if (filled == 0 && atMessageStart) return false;
                throw Truncated(-1);
            }
            filled += n;
        }
        return true;
    }

    private static unsafe int ReadSome(int fd, Span<byte> target)
    {
        fixed (byte* p = target)
        {
            while (true)
            {
                var n = Libc.ReadFd(fd, p, target.Length);
                if (n >= 0) return (int)n;
                var errno = Libc.LastErrno;
                if (errno != Libc.EINTR) throw new IOException($"Reading from the connection failed: {Libc.Describe(errno)}.");
            }
        }
    }

    private InvalidDataException Malformed(string what)
    {
        _unreadable = "it received a malformed frame";
        return new InvalidDataException($"Malformed message on the connection: {what}. The connection cannot be read from any more.");
    }

    private EndOfStreamException Truncated(int length)
    {
        _unreadable = "the peer closed it inside a message";
        return new EndOfStreamException(length < 0
            ? "The other end of the connection closed inside a message header."
            : $"The other end of the connection closed inside a {length}-byte message.");
    }
}
