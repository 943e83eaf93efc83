using System.Text;
using Spindle.Serialization;
using Spindle.Tests.Support;

namespace Spindle.Tests.Serialization;

public class MalformedInputTests : LeakCheckedTest
{
    private static byte[] SampleValuePayload()
    {
        var node = new Node { Value = 1, Children = [new Node { Value = 2 }] };
        node.Next = node;
        object?[] values = [node, new Money(1.5m, "EUR"), (1, "two", 3.0), new int[2, 2], new HashSet<string> { "a" }, new Point(1, 2), null, 'c', new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), new NamedResource("r")];
        return ValueCodec.Encode(values);
    }

    private static byte[] SamplePayload()
    {
        var blob = new Blob(Guid.NewGuid(), [1, 2, 3, 4], "label", 7, 0.25);
        var person = new Person("Ada", 36) { Tags = ["x", "y"] };
        var map = new Dictionary<string, object?> { ["n"] = 1, ["s"] = "str", ["d"] = DateTime.UtcNow, ["l"] = new List<double> { 1, 2 } };
        Func<int, string> f = x => $"{blob.Label}{person.Name}{map.Count}{x}";
        return CallCodec.Encode(f, 3);
    }

    private static void AssertRejectsOrDecodes(byte[] bytes)
    {
        try
        {
            CallCodec.Decode(bytes);
        }
        catch (SerializationFormatException)
        {
        }
        try
        {
            ValueCodec.Decode(bytes);
        }
        catch (SerializationFormatException)
        {
        }
    }

    [Fact]
    public void Every_truncation_of_a_valid_payload_is_a_format_error()
    {
        var payload = SamplePayload();
        Assert.NotNull(CallCodec.Decode(payload));
        for (var length = 0; length < payload.Length; length++)
        {
            var cut = payload.AsSpan(0, length).ToArray();
            Assert.Throws<SerializationFormatException>(() => CallCodec.Decode(cut));
        }
    }

    [Fact]
    public void Random_bytes_are_rejected_with_format_errors_only()
    {
        var random = new Random(12345);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            if (bytes.Length >= 3 && random.Next(2) == 0)
            {
                // Give most inputs a valid header so the body parser is exercised, not just the header check.
                bytes[0] = 0xB7;
                bytes[1] = 1;
                bytes[2] = (byte)random.Next(1, 3);
            }
            AssertRejectsOrDecodes(bytes);
        }
    }

    [Fact]
    public void Corrupted_bytes_of_a_valid_payload_are_rejected_with_format_errors_only()
    {
        byte[][] payloads = [SamplePayload(), SampleValuePayload()];
        Assert.NotNull(ValueCodec.Decode(payloads[1]));
        var random = new Random(678);
        for (var i = 0; i < 5_000; i++)
        {
            var payload = payloads[i % 2];
            var bytes = (byte[])payload.Clone();
            for (var k = random.Next(1, 4); k > 0; k--) bytes[random.Next(3, bytes.Length)] = (byte)random.Next(256);
            AssertRejectsOrDecodes(bytes);
        }
    }

    [Fact]
    public void Bogus_huge_length_does_not_allocate()
    {
        // Header, Typed slot, type id 24 (byte[]), then a length of 2^31 - 1 with three bytes of data.
        byte[] bytes = [0xB7, 1, 2, 2, 24, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 1, 2, 3];
        var e = Assert.Throws<SerializationFormatException>(() => ValueCodec.Decode(bytes));
        Assert.Contains("does not fit in the 3 bytes left", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_type_id_and_slot_tag_are_format_errors()
    {
        Assert.Contains("type id 200", Assert.Throws<SerializationFormatException>(() => ValueCodec.Decode([0xB7, 1, 2, 2, 200, 1])).Message, StringComparison.Ordinal);
        Assert.Contains("slot tag 9", Assert.Throws<SerializationFormatException>(() => ValueCodec.Decode([0xB7, 1, 2, 9])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_problems_are_named()
    {
        var value = ValueCodec.Encode(1);
        Assert.Contains("header", Assert.Throws<SerializationFormatException>(() => ValueCodec.Decode([1, 2, 3])).Message, StringComparison.Ordinal);
        var future = (byte[])value.Clone();
        future[1] = 99;
        Assert.Contains("version 99", Assert.Throws<SerializationFormatException>(() => ValueCodec.Decode(future)).Message, StringComparison.Ordinal);
        Assert.Contains("holds a value, not a call", Assert.Throws<SerializationFormatException>(() => CallCodec.Decode(value)).Message, StringComparison.Ordinal);
        Assert.Contains("left over", Assert.Throws<SerializationFormatException>(() => ValueCodec.Decode([.. value, 0])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Different_build_of_an_assembly_is_refused()
    {
        var payload = ValueCodec.Encode(new Point(1, 2));
        var mvid = typeof(Point).Assembly.ManifestModule.ModuleVersionId.ToByteArray();
        var at = payload.AsSpan().IndexOf(mvid);
        Assert.True(at > 0);
        payload[at] ^= 0xFF;
        var e = Assert.Throws<AssemblyMismatchException>(() => ValueCodec.Decode(payload));
        Assert.Contains("different build of assembly 'Spindle.Tests'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Method_from_a_different_build_of_its_module_is_refused()
    {
        // The module version id appears twice: naming the assembly, then naming the method's module.
        var payload = SamplePayload();
        var mvid = typeof(MalformedInputTests).Module.ModuleVersionId.ToByteArray();
        var first = payload.AsSpan().IndexOf(mvid);
        var second = first + 1 + payload.AsSpan(first + 1).IndexOf(mvid);
        Assert.True(second > first);
        payload[second] ^= 0xFF;
        var e = Assert.Throws<AssemblyMismatchException>(() => CallCodec.Decode(payload));
        Assert.Contains("calls a method of", e.Message, StringComparison.Ordinal);
        Assert.Contains("different build of assembly 'Spindle.Tests'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Type_whose_fields_differ_from_the_senders_is_refused()
    {
        var payload = ValueCodec.Encode(new Point(1, 2));
        var name = Encoding.UTF8.GetBytes(typeof(Point).FullName!);
        var at = payload.AsSpan().IndexOf(name) + name.Length;
        payload[at] ^= 0x01; // first byte of the shape fingerprint written after the name
        var e = Assert.Throws<AssemblyMismatchException>(() => ValueCodec.Decode(payload));
        Assert.Contains("different fields", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_type_name_is_a_format_error_naming_it()
    {
        var payload = ValueCodec.Encode(new Point(1, 2));
        var name = Encoding.UTF8.GetBytes("Point");
        var at = payload.AsSpan().IndexOf(name);
        payload[at] = (byte)'Q';
        var e = Assert.Throws<SerializationFormatException>(() => ValueCodec.Decode(payload));
        Assert.Contains("Serialization.Qoint", e.Message, StringComparison.Ordinal);
    }
}
