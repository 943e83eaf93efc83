using Spindle.Serialization;
using Spindle.Tests.Support;

namespace Spindle.Tests.Serialization;

public class ValueCodecObjectTests : LeakCheckedTest
{
    private static T RoundTrip<T>(T value) => ValueCodec.Decode<T>(ValueCodec.Encode(value));

    [Fact]
    public void Positional_record_with_init_property_round_trips()
    {
        var p = new Person("Ada", 36) { Tags = ["math"] };
        var back = RoundTrip(p);
        Assert.Equal("Ada", back.Name);
        Assert.Equal(36, back.Age);
        Assert.Equal(["math"], back.Tags);
    }

    [Fact]
    public void Record_structs_and_derived_records_round_trip()
    {
        Assert.Equal(new Point(1, -2), RoundTrip(new Point(1, -2)));
        Assert.Equal(new Span2(0.5, 9), RoundTrip(new Span2(0.5, 9)));
        Person d = new Derived("B", 2, "x") { Tags = ["t"] };
        var back = Assert.IsType<Derived>(RoundTrip(d));
        Assert.Equal(("B", 2, "x", "t"), (back.Name, back.Age, back.Extra, back.Tags.Single()));
    }

    [Fact]
    public void Plain_class_and_struct_with_public_state_round_trip()
    {
        var s = new Settings { Host = "h", Port = 80, PublicField = 7, Headers = { ["a"] = "b" }, Fallback = new Settings { Host = "f" } };
        var back = RoundTrip(s);
        Assert.Equal(("h", 80, 7, "b", "f"), (back.Host, back.Port, back.PublicField, back.Headers["a"], back.Fallback!.Host));
        Assert.Null(back.Fallback.Fallback);
        var v = RoundTrip(new Vector { X = 1, Y = 2 });
        Assert.Equal((1.0, 2.0), (v.X, v.Y));
        Assert.Equal(new Vector?[] { null, new Vector { X = 3 } }[1]!.Value.X, RoundTrip(new Vector?[] { null, new Vector { X = 3 } })[1]!.Value.X);
    }

    [Fact]
    public void Blittable_fields_of_classes_and_structs_round_trip()
    {
        var v = new AllBlittable
        {
            C = 'é', H = (Half)1.5, Big = Int128.MaxValue - 7, Span = TimeSpan.FromDays(-3), Id = Guid.NewGuid(),
            Colour = ValueCodecPrimitiveTests.Colour.Green, Access = ValueCodecPrimitiveTests.Access.Write, S8 = -8, U16 = 65000, F = -2.5f,
        };
        var b = RoundTrip(v);
        Assert.Equal((v.C, v.H, v.Big, v.Span, v.Id, v.Colour, v.Access, v.S8, v.U16, v.F), (b.C, b.H, b.Big, b.Span, b.Id, b.Colour, b.Access, b.S8, b.U16, b.F));
        Assert.Equal(new BlittablePair('λ', long.MinValue), RoundTrip(new BlittablePair('λ', long.MinValue)));
        Assert.Equal([new BlittablePair('a', 1), new BlittablePair('b', 2)], RoundTrip(new[] { new BlittablePair('a', 1), new BlittablePair('b', 2) }));
    }

    [Fact]
    public void Get_only_state_set_by_a_constructor_round_trips()
    {
        var m = RoundTrip(new Money(12.5m, "EUR"));
        Assert.Equal((12.5m, "EUR"), (m.Amount, m.Currency));
    }

    [Fact]
    public void Anonymous_types_round_trip()
    {
        var a = new { Name = "x", N = 3 };
        Assert.Equal(a, RoundTrip(a));
    }

    [Fact]
    public void Record_with_a_large_array_round_trips()
    {
        var data = new byte[100_000];
        new Random(3).NextBytes(data);
        var back = RoundTrip(new Blob(Guid.NewGuid(), data, "l", 1, 2));
        Assert.Equal(data, back.Data);
    }

    [Fact]
    public void Shared_references_stay_shared()
    {
        var shared = new List<int> { 1 };
        var back = RoundTrip((shared, shared));
        Assert.Same(back.Item1, back.Item2);
        back.Item1.Add(2);
        Assert.Equal(2, back.Item2.Count);
    }

    [Fact]
    public void Cycles_are_rebuilt()
    {
        var a = new Node { Value = 1 };
        var b = new Node { Value = 2, Next = a };
        a.Next = b;
        a.Children.Add(a);
        var back = RoundTrip(a);
        Assert.Same(back, back.Next!.Next);
        Assert.Same(back, back.Children[0]);
        Assert.Equal(2, back.Next.Value);
        var list = new List<object>();
        list.Add(list);
        var l = RoundTrip(list);
        Assert.Same(l, l[0]);
    }

    [Fact]
    public void Boxed_values_and_subtypes_in_object_slots_keep_their_type()
    {
        object[] values = [1, 2L, "s", new Point(1, 2), new Person("p", 1), ValueCodecPrimitiveTests.Colour.Green];
        var back = RoundTrip(values);
        Assert.Equal(values.Select(v => v.GetType()), back.Select(v => v.GetType()));
        Assert.Equal(values[3], back[3]);
    }

    [Fact]
    public void Delegates_inside_values_round_trip()
    {
        var offset = 10;
        Func<int, int> f = x => x + offset;
        var back = RoundTrip(new Dictionary<string, Func<int, int>> { ["f"] = f, ["sq"] = x => x * x });
        Assert.Equal(15, back["f"](5));
        Assert.Equal(25, back["sq"](5));
    }

    [Fact]
    public void Deep_nesting_is_refused_not_a_stack_overflow()
    {
        var head = new Node();
        var n = head;
        for (var i = 0; i < 2000; i++) n = n.Next = new Node();
        var e = Assert.Throws<NotTransferableException>(() => ValueCodec.Encode(head));
        Assert.Contains("nest deeper", e.Message, StringComparison.Ordinal);
    }
}
