using System.Runtime.InteropServices;
using System.Text;

namespace Spindle.Serialization;

/// <summary>
/// Value payloads of one <see cref="int"/>, <see cref="long"/>, <see cref="double"/>, <see cref="bool"/>,
/// <see cref="string"/> or <see cref="byte"/> array — what queues and pipes carry most — written and read without
/// the type plans: byte for byte what the general path writes (<c>header, Typed, well-known id, body</c>), several
/// times faster. Anything else, and any payload that is not exactly of this shape, goes the general way.
/// </summary>
internal static class ScalarPayloads
{
    private static readonly byte IntId = Id(typeof(int));
    private static readonly byte LongId = Id(typeof(long));
    private static readonly byte DoubleId = Id(typeof(double));
    private static readonly byte BoolId = Id(typeof(bool));
    private static readonly byte StringId = Id(typeof(string));
    private static readonly byte BytesId = Id(typeof(byte[]));

    private const int Prefix = 5; // magic, version, kind, slot tag, type id

    /// <summary>Writes <paramref name="value"/> into <paramref name="writer"/> if it is a scalar; false (nothing written) otherwise.</summary>
    public static bool TryWrite<T>(Writer writer, T value)
    {
        if (typeof(T) == typeof(int)) return Write(writer, IntId, (int)(object)value!);
        if (typeof(T) == typeof(long)) return Write(writer, LongId, (long)(object)value!);
        if (typeof(T) == typeof(double)) return Write(writer, DoubleId, (double)(object)value!);
        if (typeof(T) == typeof(bool)) return Write(writer, BoolId, (bool)(object)value! ? (byte)1 : (byte)0);
        if (typeof(T).IsValueType) return false;
        switch (value)
        {
            case string s:
                WritePrefix(writer, StringId);
                writer.WriteString(s);
                return true;
            case byte[] bytes:
                WritePrefix(writer, BytesId);
                writer.WriteLength(bytes.Length);
                writer.WriteBytes(bytes);
                return true;
            case int i: return Write(writer, IntId, i);
            case long l: return Write(writer, LongId, l);
            case double d: return Write(writer, DoubleId, d);
            default: return false;
        }
    }

    /// <summary>Reads a payload of exactly a scalar's shape as a <typeparamref name="T"/>; false to leave it to the general path.</summary>
    public static bool TryRead<T>(ReadOnlySpan<byte> payload, out T value)
    {
        value = default!;
        if (payload.Length < Prefix || payload[0] != PayloadHeader.Magic || payload[1] != PayloadHeader.Version
            || payload[2] != PayloadHeader.Value || payload[3] != SlotTag.Typed) return false;
        var id = payload[4];
        var body = payload[Prefix..];
        if (typeof(T) == typeof(int)) return TryFixed<int, T>(id, IntId, body, ref value);
        if (typeof(T) == typeof(long)) return TryFixed<long, T>(id, LongId, body, ref value);
        if (typeof(T) == typeof(double)) return TryFixed<double, T>(id, DoubleId, body, ref value);
        if (typeof(T) == typeof(bool))
        {
            if (id != BoolId || body.Length != 1 || body[0] > 1) return false;
            value = (T)(object)(body[0] == 1);
            return true;
        }
        if (typeof(T).IsValueType) return false;
        object? result = null;
        if (id == StringId && typeof(T).IsAssignableFrom(typeof(string))) result = ReadString(body);
        else if (id == BytesId && typeof(T).IsAssignableFrom(typeof(byte[]))) result = ReadBytes(body);
        else if (typeof(T) == typeof(object))
        {
            if (id == IntId && body.Length == 4) result = MemoryMarshal.Read<int>(body);
            else if (id == LongId && body.Length == 8) result = MemoryMarshal.Read<long>(body);
            else if (id == DoubleId && body.Length == 8) result = MemoryMarshal.Read<double>(body);
        }
        if (result is null) return false;
        value = (T)result;
        return true;
    }

    private static byte Id(Type type) => WellKnownTypes.TryGetId(type, out var id) && id < 0x80
        ? (byte)id
        : throw new InvalidOperationException($"{type} must be a well-known type with a one-byte id.");

    private static void WritePrefix(Writer writer, byte id)
    {
        var span = writer.GetSpan(Prefix);
        span[0] = PayloadHeader.Magic;
        span[1] = PayloadHeader.Version;
        span[2] = PayloadHeader.Value;
        span[3] = SlotTag.Typed;
        span[4] = id;
        writer.Advance(Prefix);
    }

    private static bool Write<TValue>(Writer writer, byte id, TValue value) where TValue : unmanaged
    {
        WritePrefix(writer, id);
        writer.WriteUnmanaged(value);
        return true;
    }

    private static bool TryFixed<TValue, T>(byte id, byte expected, ReadOnlySpan<byte> body, ref T value) where TValue : unmanaged
    {
        if (id != expected || body.Length != System.Runtime.CompilerServices.Unsafe.SizeOf<TValue>()) return false;
        value = (T)(object)MemoryMarshal.Read<TValue>(body);
        return true;
    }

    private static bool TryVarUInt(ref ReadOnlySpan<byte> span, out ulong value)
    {
        value = 0;
        for (int i = 0, shift = 0; i < span.Length && shift < 64; i++, shift += 7)
        {
            value |= (ulong)(span[i] & 0x7F) << shift;
            if (span[i] < 0x80)
            {
                span = span[(i + 1)..];
                return true;
            }
        }
        return false;
    }

    private static string? ReadString(ReadOnlySpan<byte> body)
    {
        if (!TryVarUInt(ref body, out var header) || header > int.MaxValue) return null;
        var length = (int)(header >> 1);
        if ((header & 1) == 0)
        {
            if (body.Length != length) return null;
            return Encoding.UTF8.GetString(body);
        }
        return body.Length == length * 2L ? new string(MemoryMarshal.Cast<byte, char>(body)) : null;
    }

    private static byte[]? ReadBytes(ReadOnlySpan<byte> body)
    {
        if (!TryVarUInt(ref body, out var length) || length != (ulong)body.Length) return null;
        var array = GC.AllocateUninitializedArray<byte>(body.Length);
        body.CopyTo(array);
        return array;
    }
}
