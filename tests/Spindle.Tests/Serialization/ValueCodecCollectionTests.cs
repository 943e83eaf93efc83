#pragma warning disable CA1861 // literal arrays in assertions read better inline
using System.Collections.ObjectModel;
using Spindle.Serialization;
using Spindle.Tests.Support;

namespace Spindle.Tests.Serialization;

public class ValueCodecCollectionTests : LeakCheckedTest
{
    private static T RoundTrip<T>(T value) => ValueCodec.Decode<T>(ValueCodec.Encode(value));

    [Fact]
    public void Primitive_arrays_round_trip_including_empty_and_large()
    {
        var big = new byte[1 << 20];
        new Random(1).NextBytes(big);
        Assert.Equal(big, RoundTrip(big));
        Assert.Empty(RoundTrip(Array.Empty<int>()));
        Assert.Equal([1.5, double.MaxValue, -0.0], RoundTrip(new[] { 1.5, double.MaxValue, -0.0 }));
        Assert.Equal([1L, long.MinValue], RoundTrip(new[] { 1L, long.MinValue }));
        Assert.Equal("héllo".ToCharArray(), RoundTrip("héllo".ToCharArray()));
        Guid[] guids = [Guid.Empty, Guid.NewGuid()];
        Assert.Equal(guids, RoundTrip(guids));
        Assert.Equal([ValueCodecPrimitiveTests.Colour.Red], RoundTrip(new[] { ValueCodecPrimitiveTests.Colour.Red }));
    }

    [Fact]
    public void Primitive_array_is_one_block_copy()
    {
        var ints = Enumerable.Range(0, 1000).ToArray();
        // Header, slot tag, type id, length varint, then exactly 4 bytes an element.
        Assert.True(ValueCodec.Encode(ints).Length < 4000 + 16);
    }

    [Fact]
    public void Arrays_of_reference_and_non_blittable_elements_round_trip()
    {
        Assert.Equal(new[] { "a", null, "c" }, RoundTrip(new[] { "a", null, "c" }));
        Assert.Equal([true, false, true], RoundTrip(new[] { true, false, true }));
        Assert.Equal([1m, 2.5m], RoundTrip(new[] { 1m, 2.5m }));
        int[][] jagged = [[1, 2], [], [3]];
        Assert.Equal(jagged, RoundTrip(jagged));
        object?[] mixed = [1, "two", null, 3.0, new[] { 4 }];
        Assert.Equal(mixed, RoundTrip(mixed));
    }

    [Fact]
    public void Multi_dimensional_arrays_round_trip()
    {
        var grid = new int[2, 3] { { 1, 2, 3 }, { 4, 5, 6 } };
        Assert.Equal(grid, RoundTrip(grid));
        var names = new string?[2, 1, 2] { { { "a", null } }, { { "c", "d" } } };
        Assert.Equal(names, RoundTrip(names));
        Assert.Equal(new int[0, 4], RoundTrip(new int[0, 4]));
    }

    [Fact]
    public void Lists_round_trip()
    {
        Assert.Equal([1, 2, 3], RoundTrip(new List<int> { 1, 2, 3 }));
        Assert.Equal(["x", null], RoundTrip(new List<string?> { "x", null }));
        Assert.Empty(RoundTrip(new List<DateTime>()));
        Assert.Equal([[1], [2, 3]], RoundTrip(new List<List<int>> { new() { 1 }, new() { 2, 3 } }));
        Assert.Equal([(1, "a"), (2, "b")], RoundTrip(new List<(int, string)> { (1, "a"), (2, "b") }));
    }

    [Fact]
    public void Dictionaries_round_trip_with_their_string_comparer()
    {
        var d = new Dictionary<string, int[]> { ["a"] = [1], ["b"] = [] };
        Assert.Equal(d, RoundTrip(d));
        var ci = RoundTrip(new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase) { ["Key"] = 1 });
        Assert.Equal(1, ci["KEY"]);
        Assert.Same(StringComparer.OrdinalIgnoreCase, ci.Comparer);
        Assert.Same(EqualityComparer<string>.Default, RoundTrip(new Dictionary<string, int>()).Comparer);
        var nested = new Dictionary<int, Dictionary<Guid, List<string>>> { [1] = new() { [Guid.Empty] = ["x"] } };
        Assert.Equal("x", RoundTrip(nested)[1][Guid.Empty][0]);
        Assert.Empty(RoundTrip(new Dictionary<long, object?>()));
    }

    [Fact]
    public void Hash_sets_round_trip_with_their_comparer()
    {
        Assert.Equal([1, 5, 9], RoundTrip(new HashSet<int> { 9, 1, 5 }).Order());
        var ci = RoundTrip(new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "A" });
        Assert.Contains("a", ci);
        Assert.Empty(RoundTrip(new HashSet<string>()));
    }

    [Fact]
    public void Read_only_interfaces_carry_the_runtime_collection()
    {
        IReadOnlyList<int> list = new List<int> { 1, 2 };
        Assert.IsType<List<int>>(RoundTrip(list));
        IReadOnlyDictionary<string, int> dict = new Dictionary<string, int> { ["a"] = 1 };
        Assert.Equal(1, RoundTrip(dict)["a"]);
        IReadOnlySet<int> set = new HashSet<int> { 3 };
        Assert.Contains(3, RoundTrip(set));
        IEnumerable<string> array = new[] { "q" };
        Assert.Equal(["q"], RoundTrip(array));
    }

    [Fact]
    public void Tuples_of_every_arity_up_to_seven_round_trip()
    {
        Assert.Equal(ValueTuple.Create(1), RoundTrip(ValueTuple.Create(1)));
        Assert.Equal((1, "b"), RoundTrip((1, "b")));
        Assert.Equal((1, "b", 3.0, 'd', 5L, (byte)6, true), RoundTrip((1, "b", 3.0, 'd', 5L, (byte)6, true)));
        Assert.Equal((1, 2, 3, 4, 5, 6, 7, 8, 9), RoundTrip((1, 2, 3, 4, 5, 6, 7, 8, 9)));
        Assert.Equal(Tuple.Create(1), RoundTrip(Tuple.Create(1)));
        Assert.Equal(Tuple.Create("a", 2), RoundTrip(Tuple.Create("a", 2)));
        Assert.Equal(Tuple.Create(1, "2", 3.0, '4', 5L, 6f, (int?)null), RoundTrip(Tuple.Create(1, "2", 3.0, '4', 5L, 6f, (int?)null)));
        Assert.Equal(new KeyValuePair<string, int>("k", 1), RoundTrip(new KeyValuePair<string, int>("k", 1)));
    }

    [Fact]
    public void Other_collections_with_private_state_are_refused_by_name()
    {
        var e = Assert.Throws<NotTransferableException>(() => ValueCodec.Encode(new ReadOnlyCollection<int>([1])));
        Assert.Equal(typeof(ReadOnlyCollection<int>), e.OffendingType);
        Assert.Contains("private field", e.Message, StringComparison.Ordinal);
        Assert.Throws<NotTransferableException>(() => ValueCodec.Encode(new Queue<int>()));
        Assert.Throws<NotTransferableException>(() => ValueCodec.Encode(Enumerable.Range(0, 3).Select(i => i * 2)));
    }

    [Fact]
    public void Custom_comparer_is_refused_rather_than_dropped()
    {
        var e = Assert.Throws<NotTransferableException>(() => ValueCodec.Encode(new Dictionary<int, int>(new ModuloComparer())));
        Assert.Contains("ModuloComparer", e.Message, StringComparison.Ordinal);
        Assert.Equal(typeof(Dictionary<int, int>), e.OffendingType);
    }

    private sealed class ModuloComparer : IEqualityComparer<int>
    {
        public bool Equals(int x, int y) => x % 10 == y % 10;

        public int GetHashCode(int obj) => obj % 10;
    }
}
