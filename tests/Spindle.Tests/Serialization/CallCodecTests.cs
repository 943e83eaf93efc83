using Spindle.Serialization;
using Spindle.Tests.Support;

namespace Spindle.Tests.Serialization;

public class CallCodecTests : LeakCheckedTest
{
    internal static int Add(int a, int b) => a + b;

    internal static string Greet(string name, double x) => $"{name}:{x}";

    internal static void Throw(string message) => throw new InvalidOperationException(message);

    private static object? RoundTrip(Delegate target, params object?[] args) => CallCodec.Decode(CallCodec.Encode(target, args)).Invoke();

    [Fact]
    public void Static_method_group_with_primitive_arguments_runs()
    {
        var call = CallCodec.Decode(CallCodec.Encode(new Func<int, int, int>(Add), 2, 40));
        Assert.Equal(42, call.Invoke());
        Assert.Equal("Spindle.Tests.Serialization.CallCodecTests.Add", call.Describe);
        Assert.Equal([2, 40], call.Arguments);
    }

    [Fact]
    public void Static_method_with_string_argument_runs() =>
        Assert.Equal("bob:1.5", RoundTrip(new Func<string, double, string>(Greet), "bob", 1.5));

    [Fact]
    public void Lambda_without_captures_runs() =>
        Assert.Equal(9, RoundTrip(new Func<int, int>(x => x * x), 3));

    [Fact]
    public void Exception_from_the_target_propagates_unwrapped()
    {
        var call = CallCodec.Decode(CallCodec.Encode(new Action<string>(Throw), "boom"));
        var e = Assert.Throws<InvalidOperationException>(call.Invoke);
        Assert.Equal("boom", e.Message);
    }

    internal static string Sum(IReadOnlyList<int> items, Person who, object? anything) => $"{items.Sum()}:{who.GetType().Name}:{anything}";

    [Fact]
    public void Arguments_of_a_subtype_or_an_interface_parameter_keep_their_runtime_type() =>
        Assert.Equal("6:Derived:", RoundTrip(new Func<IReadOnlyList<int>, Person, object?, string>(Sum), new List<int> { 1, 2, 3 }, new Derived("d", 1, "x"), null));

    [Fact]
    public void Struct_instance_method_group_runs_on_a_copy()
    {
        var p = new Point(3, 4);
        Assert.Equal(p.ToString(), RoundTrip(new Func<string>(p.ToString)));
    }

    [Fact]
    public void Wrong_argument_count_is_refused_at_encode()
    {
        var e = Assert.Throws<ArgumentException>(() => CallCodec.Encode(new Func<int, int, int>(Add), 1));
        Assert.Contains("takes 2 argument(s), but 1 were given", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_argument_type_is_refused_at_encode()
    {
        var e = Assert.Throws<ArgumentException>(() => CallCodec.Encode(new Func<int, int, int>(Add), 1, "two"));
        Assert.Contains("Argument 2 'b'", e.Message, StringComparison.Ordinal);
        Assert.Contains("must be a System.Int32, not a System.String", e.Message, StringComparison.Ordinal);
    }
}
