using Spindle.Serialization;
using Spindle.Tests.Support;

namespace Spindle.Tests.Serialization;

public class ValueCodecPrimitiveTests : LeakCheckedTest
{
    public enum Colour : byte { Red = 1, Green = 2 }

    [Flags]
    public enum Access : long { None = 0, Read = 1, Write = 1L << 40 }

    public static TheoryData<object> Primitives() =>
    [
        true, false, 'x', (sbyte)-5, (byte)250, (short)-300, (ushort)60000, -7, 4_000_000_000u, long.MinValue, ulong.MaxValue,
        1.5f, double.NaN, -0.0, 79228162514264337593543950335m, -1.000m, (Half)2.5, Int128.MinValue, UInt128.MaxValue,
        "", "héllo wörld ✓ 🎉", new string('a', 10_000), "\ud800 lone surrogate",
        new DateTime(2024, 2, 29, 13, 14, 15, DateTimeKind.Utc), new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Unspecified),
        new DateTimeOffset(2024, 1, 1, 12, 0, 0, TimeSpan.FromHours(-5.5)), TimeSpan.FromTicks(-123456789),
        Guid.NewGuid(), new DateOnly(1999, 12, 31), new TimeOnly(23, 59, 59, 999), Colour.Green, (Colour)77, Access.Read | Access.Write,
    ];

    [Theory]
    [MemberData(nameof(Primitives))]
    public void Primitive_round_trips_boxed_and_typed(object value)
    {
        var bytes = ValueCodec.Encode(value);
        var back = ValueCodec.Decode(bytes);
        Assert.Equal(value.GetType(), back!.GetType());
        Assert.Equal(value, back);
    }

    [Fact]
    public void Typed_decode_of_int_and_string()
    {
        Assert.Equal(42, ValueCodec.Decode<int>(ValueCodec.Encode(42)));
        Assert.Equal("s", ValueCodec.Decode<string>(ValueCodec.Encode("s")));
    }

    [Fact]
    public void Null_round_trips()
    {
        Assert.Null(ValueCodec.Decode(ValueCodec.Encode<object?>(null)));
        Assert.Null(ValueCodec.Decode<string?>(ValueCodec.Encode<string?>(null)));
        Assert.Null(ValueCodec.Decode<int?>(ValueCodec.Encode<int?>(null)));
        Assert.Equal(5, ValueCodec.Decode<int?>(ValueCodec.Encode<int?>(5)));
    }

    [Fact]
    public void Decoding_as_the_wrong_type_is_a_format_error()
    {
        var e = Assert.Throws<SerializationFormatException>(() => ValueCodec.Decode<string>(ValueCodec.Encode(42)));
        Assert.Contains("holds a System.Int32, not a System.String", e.Message, StringComparison.Ordinal);
        Assert.Throws<SerializationFormatException>(() => ValueCodec.Decode<int>(ValueCodec.Encode<object?>(null)));
    }

    [Fact]
    public void Encode_into_a_buffer_writer_appends_the_same_bytes()
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        System.Buffers.BuffersExtensions.Write(output, [(byte)9, (byte)9]);
        ValueCodec.Encode(output, "abc");
        Assert.Equal([9, 9, .. ValueCodec.Encode("abc")], output.WrittenSpan.ToArray());
    }
}
