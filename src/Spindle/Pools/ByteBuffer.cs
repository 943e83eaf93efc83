using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Spindle.Native;

namespace Spindle.Pools;

/// <summary>
/// A growable byte buffer with a read side and a write side, for the frames between a pool and its workers: frames are
/// built in place (the length patched once the body is written), sent with as few writes as the socket allows, and
/// received with as few reads. Positions handed out (<see cref="Mark"/>) are relative to the unread data, so they stay
/// valid when the buffer compacts.
/// </summary>
internal sealed class ByteBuffer(int capacity = 64 * 1024) : IBufferWriter<byte>
{
    /// <summary>Bytes of the frame header: the body's length, little-endian.</summary>
    public const int FrameHeader = 4;

    private byte[] _data = GC.AllocateUninitializedArray<byte>(capacity);
    private int _start;
    private int _end;

    /// <summary>Bytes written and not yet consumed.</summary>
    public int Length => _end - _start;

    /// <summary>The bytes written and not yet consumed.</summary>
    public ReadOnlySpan<byte> Unread => _data.AsSpan(_start, _end - _start);

    /// <summary>The current end, relative to the unread data (for <see cref="EndFrame"/>, <see cref="Truncate"/>, <see cref="At"/>).</summary>
    public int Mark => _end - _start;

    /// <summary>Writable bytes at a mark (to patch what was reserved there).</summary>
    public Span<byte> At(int mark, int length) => _data.AsSpan(_start + mark, length);

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return _data.AsSpan(_end);
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return _data.AsMemory(_end);
    }

    public void Advance(int count) => _end += count;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _end += bytes.Length;
    }

    public void Write<T>(T value) where T : unmanaged
    {
        var size = Unsafe.SizeOf<T>();
        MemoryMarshal.Write(GetSpan(size), in value);
        _end += size;
    }

    /// <summary>Reserves a frame header; returns its mark for <see cref="EndFrame"/>.</summary>
    public int BeginFrame()
    {
        var mark = Mark;
        Write(0);
        return mark;
    }

    /// <summary>Patches the header at <paramref name="mark"/> with the length of what followed it; an empty frame is dropped.</summary>
    public void EndFrame(int mark)
    {
        var length = Mark - mark - FrameHeader;
        if (length == 0) Truncate(mark);
        else BinaryPrimitives.WriteInt32LittleEndian(At(mark, FrameHeader), length);
    }

    /// <summary>Drops everything written after <paramref name="mark"/>.</summary>
    public void Truncate(int mark) => _end = _start + mark;

    /// <summary>Marks <paramref name="count"/> bytes as read.</summary>
    public void Consume(int count)
    {
        _start += count;
        if (_start == _end) _start = _end = 0;
    }

    /// <summary>The length of the first frame's body when the whole frame is here; else −1.</summary>
    public int CompleteFrame()
    {
        if (Length < FrameHeader) return -1;
        var length = BinaryPrimitives.ReadInt32LittleEndian(Unread);
        if (length <= 0 || length > Array.MaxLength - FrameHeader)
            throw new InvalidDataException($"Malformed pool frame: announced length {length}.");
        if (Length - FrameHeader >= length) return length;
        Ensure(FrameHeader + length - Length); // room for the rest, so one read can complete it
        return -1;
    }

    /// <summary>Makes room for <paramref name="free"/> more bytes, compacting before growing.</summary>
    public void Ensure(int free)
    {
        if (_data.Length - _end >= free) return;
        var length = Length;
        if (_start > 0 && _data.Length - length >= free)
        {
            _data.AsSpan(_start, length).CopyTo(_data);
        }
        else
        {
            var bigger = GC.AllocateUninitializedArray<byte>((int)Math.Min(Array.MaxLength, Math.Max((long)_data.Length * 2, (long)length + free)));
            _data.AsSpan(_start, length).CopyTo(bigger);
            _data = bigger;
        }
        _start = 0;
        _end = length;
    }

    /// <summary>
    /// Reads what the descriptor has into the free space: the count, 0 at end of stream, −1 when nothing is there now
    /// (EAGAIN). Room is made only when the buffer is full: a frame in progress already has room for all of it
    /// (<see cref="CompleteFrame"/>), and compacting it on every read would copy it again and again.
    /// </summary>
    public unsafe int ReadFrom(int fd)
    {
        if (_end == _data.Length) Ensure(16 * 1024);
        fixed (byte* p = &_data[_end])
        {
            while (true)
            {
                var n = Libc.ReadFd(fd, p, _data.Length - _end);
                if (n >= 0)
                {
                    _end += (int)n;
                    return (int)n;
                }
                var errno = Libc.LastErrno;
                if (errno == Libc.EAGAIN) return -1;
                if (errno == Libc.ECONNRESET) return 0;
                if (errno != Libc.EINTR) throw new IOException($"Reading from a pool worker's channel failed: {Libc.Describe(errno)}.");
            }
        }
    }

    /// <summary>
    /// Writes the unread bytes to the descriptor; true when all are gone (or the peer is, and they with it), false
    /// when the socket is full (EAGAIN).
    /// </summary>
    public unsafe bool WriteTo(int fd)
    {
        while (Length > 0)
        {
            nint n;
            fixed (byte* p = &_data[_start]) n = Libc.WriteFd(fd, p, Length);
            if (n >= 0)
            {
                Consume((int)n);
                continue;
            }
            var errno = Libc.LastErrno;
            if (errno == Libc.EAGAIN) return false;
            if (errno == Libc.EINTR) continue;
            if (errno is Libc.EPIPE or Libc.ECONNRESET)
            {
                // The peer is gone; what it did not read is lost with it, and its end is handled by its exit.
                Consume(Length);
                return true;
            }
            throw new IOException($"Writing to a pool worker's channel failed: {Libc.Describe(errno)}.");
        }
        return true;
    }
}
