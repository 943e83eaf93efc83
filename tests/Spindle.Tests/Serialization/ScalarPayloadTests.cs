using Spindle.Serialization;
using Spindle.Tests.Support;

namespace Spindle.Tests.Serialization;

/// <summary>The scalar fast path writes exactly what the general path writes, and reads what it reads.</summary>
public sealed class ScalarPayloadTests : LeakCheckedTest
{
    public static TheoryData<object> Scalars() =>
    [
        0, -1, int.MaxValue, long.MinValue, 1L << 40, 0.0, -0.0, double.NaN, double.Epsilon, true, false,
        "", "héllo ✓ 🎉", "\ud800 lone surrogate", new string('x', 300), Array.Empty<byte>(), new byte[] { 1, 2, 3 }, new byte[1000],
    ];

    private static byte[] General(object value) =>
        Payloads.Encode(PayloadHeader.Value, w => w.WriteSlot(value, TypePlans.For(typeof(object))), Payloads.ToArray);

    [Theory]
    [MemberData(nameof(Scalars))]
    public void The_fast_path_writes_the_general_payload_and_reads_it_back(object value)
    {
        var general = General(value);
        Assert.Equal(general, ValueCodec.Encode(value));
        Assert.Equal(general, ValueCodec.Encode<object>(value));
        Assert.Equal(value, ValueCodec.Decode(general));
        Assert.Equal(value, ValueCodec.Decode<object>(general));
    }

    [Fact]
    public void Typed_scalars_take_the_fast_path_both_ways()
    {
        Assert.Equal(General(42), ValueCodec.Encode(42));
        Assert.Equal(42, ValueCodec.Decode<int>(General(42)));
        Assert.Equal(7L, ValueCodec.Decode<long>(ValueCodec.Encode(7L)));
        Assert.Equal(2.5, ValueCodec.Decode<double>(ValueCodec.Encode(2.5)));
        Assert.True(ValueCodec.Decode<bool>(ValueCodec.Encode(true)));
        Assert.Equal("s", ValueCodec.Decode<string>(ValueCodec.Encode("s")));
        Assert.Equal(new byte[] { 5 }, ValueCodec.Decode<byte[]>(ValueCodec.Encode(new byte[] { 5 })));
        Assert.Equal(new byte[] { 5 }, ValueCodec.Decode<IEnumerable<byte>>(ValueCodec.Encode(new byte[] { 5 })));
    }

    [Fact]
    public void A_payload_of_another_type_still_fails_the_general_way()
    {
        Assert.Throws<SerializationFormatException>(() => ValueCodec.Decode<int>(ValueCodec.Encode(7L)));
        Assert.Throws<SerializationFormatException>(() => ValueCodec.Decode<string>(ValueCodec.Encode(7)));
        var truncated = ValueCodec.Encode(7)[..^1];
        Assert.Throws<SerializationFormatException>(() => ValueCodec.Decode<int>(truncated));
        Assert.Throws<SerializationFormatException>(() => ValueCodec.Decode(truncated));
    }
}
