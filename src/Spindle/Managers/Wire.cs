using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Spindle.Managers;

/// <summary>
/// A growable byte buffer reused call after call (a manager request or reply under construction). It is an
/// <see cref="IBufferWriter{T}"/>, so <see cref="Serialization.ValueCodec"/> encodes user values straight into it.
/// </summary>
internal sealed class WireWriter : IBufferWriter<byte>
{
    private const int LargeBuffer = 1 << 20;
    private byte[] _buffer = new byte[256];
    private int _length;

    public int Length => _length;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>Empties the buffer; one that grew large for a big message is dropped rather than kept.</summary>
    public void Clear()
    {
        _length = 0;
        if (_buffer.Length > LargeBuffer) _buffer = new byte[256];
    }

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_length);
    }

    public void Byte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    public void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    public void Int32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(GetSpan(4), value);
        _length += 4;
    }

    public void Int64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(GetSpan(8), value);
        _length += 8;
    }

    /// <summary>A timeout as ticks; −1 for "forever" (null or infinite).</summary>
    public void Timeout(TimeSpan? timeout) => Int64(Deadline.Validate(timeout) is { } t ? t.Ticks : -1);

    /// <summary>Length-prefixed bytes.</summary>
    public void Blob(ReadOnlySpan<byte> bytes)
    {
        Int32(bytes.Length);
        bytes.CopyTo(GetSpan(bytes.Length));
        _length += bytes.Length;
    }

    /// <summary>Length-prefixed UTF-8.</summary>
    public void String(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        Int32(count);
        Encoding.UTF8.GetBytes(value, GetSpan(count));
        _length += count;
    }

    /// <summary>
    /// Starts a length-prefixed blob whose bytes are written next (by an encoder into this buffer); returns the mark
    /// that <see cref="EndBlob"/> fills in.
    /// </summary>
    public int BeginBlob() => Reserve32();

    public void EndBlob(int mark) => Patch32(mark, _length - mark - 4);

    /// <summary>Reserves an i32 to be filled in later by <see cref="Patch32"/> (a count known only at the end).</summary>
    public int Reserve32()
    {
        var mark = _length;
        Int32(0);
        return mark;
    }

    public void Patch32(int mark, int value) => BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(mark), value);

    private void Ensure(int size)
    {
        size = Math.Max(size, 1);
        if (_buffer.Length - _length >= size) return;
        var grown = new byte[Math.Max(_buffer.Length * 2, _length + size)];
        _buffer.AsSpan(0, _length).CopyTo(grown);
        _buffer = grown;
    }
}

/// <summary>Reads what <see cref="WireWriter"/> wrote; anything short or out of range is <see cref="InvalidDataException"/> (the connection is dropped).</summary>
internal ref struct WireReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly int Remaining => _data.Length - _position;

    public readonly ReadOnlySpan<byte> Rest => _data[_position..];

    public byte Byte() => Take(1)[0];

    public bool Bool() => Byte() switch
    {
        0 => false,
        1 => true,
        var b => throw Malformed($"a flag reads {b}"),
    };

    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    /// <summary>A count or index that must be at least 0.</summary>
    public int Count()
    {
        var n = Int32();
        return n >= 0 ? n : throw Malformed($"a count reads {n}");
    }

    public TimeSpan? Timeout()
    {
        var ticks = Int64();
        return ticks == -1 ? null : ticks >= 0 ? TimeSpan.FromTicks(ticks) : throw Malformed($"a timeout reads {ticks} ticks");
    }

    public ReadOnlySpan<byte> Blob() => Take(Count());

    public string String() => Encoding.UTF8.GetString(Blob());

    /// <summary>Checks that the message has been read to its end.</summary>
    public readonly void End()
    {
        if (Remaining != 0) throw Malformed($"{Remaining} bytes are left over");
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > Remaining) throw Malformed($"it needs {count} more bytes but has {Remaining}");
        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }

    private static InvalidDataException Malformed(string what) => new($"Malformed manager message: {what}.");
}
