using System.Buffers.Binary;
using System.Text;

namespace Spindle.Pools;

/// <summary>
/// The records a pool and its workers exchange, inside length-prefixed frames (<see cref="ByteBuffer"/>), all
/// little-endian. Pool → worker:
/// <c>Call [u8 1][u8 flags][i64 seq][i32 function][i32 len][the closure's captured variables]</c>,
/// <c>Chunk [u8 2][u8 flags][i64 seq][i32 function][i32 count][i32 len][items]</c>,
/// <c>Define [u8 3][i32 function][i32 len][encoded delegate]</c> (a map's function, or a call's shape, see
/// <see cref="FunctionRef"/>), <c>Exit [u8 4]</c>.
/// Worker → pool: <c>Result [u8 1][i64 seq][u32 µs][i32 len][result]</c>, <c>Error [u8 2][i64 seq][u32 µs][i32 len][error]</c>,
/// <c>InitFailed [u8 3][i32 len][error]</c>. A worker runs its tasks in the order received.
/// </summary>
internal static class Wire
{
    public const byte Call = 1;
    public const byte Chunk = 2;
    public const byte Define = 3;
    public const byte Exit = 4;

    public const byte Result = 1;
    public const byte Error = 2;
    public const byte InitFailed = 3;

    /// <summary>Flag: the pool predicts the task is short, so the worker may hold the results before it to send them together.</summary>
    public const byte Short = 1;

    /// <summary>Flag: the task has a timeout, so the worker stamps the start of every item in the ledger.</summary>
    public const byte Timed = 2;

    /// <summary>Bytes of a result or error record before its payload.</summary>
    public const int ResultHeader = 1 + 8 + 4 + 4;

    /// <summary>Writes a result or error record header at the start of <paramref name="target"/>.</summary>
    public static void WriteResultHeader(Span<byte> target, byte kind, long seq, uint micros, int length)
    {
        target[0] = kind;
        BinaryPrimitives.WriteInt64LittleEndian(target[1..], seq);
        BinaryPrimitives.WriteUInt32LittleEndian(target[9..], micros);
        BinaryPrimitives.WriteInt32LittleEndian(target[13..], length);
    }

    /// <summary>Writes a string as [i32 UTF-8 length][bytes].</summary>
    public static void WriteString(ByteBuffer output, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        output.Write(length);
        Encoding.UTF8.GetBytes(value, output.GetSpan(length));
        output.Advance(length);
    }
}

/// <summary>Reads the records of a frame body; every read is checked against what is left.</summary>
internal ref struct RecordReader(ReadOnlySpan<byte> body)
{
    private readonly ReadOnlySpan<byte> _body = body;
    private int _position;

    public readonly bool AtEnd => _position == _body.Length;

    public byte Byte() => Take(1)[0];

    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    /// <summary>An [i32 length][bytes] field.</summary>
    public ReadOnlySpan<byte> Bytes() => Take(Int32());

    public string String() => Encoding.UTF8.GetString(Bytes());

    private ReadOnlySpan<byte> Take(int count)
    {
        if ((uint)count > (uint)(_body.Length - _position))
            throw new InvalidDataException($"Malformed pool record: {count} bytes announced, {_body.Length - _position} left.");
        var span = _body.Slice(_position, count);
        _position += count;
        return span;
    }
}
