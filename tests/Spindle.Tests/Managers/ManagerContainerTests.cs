using Spindle.Cli.Lessons;
using Spindle.Managers;
using Spindle.Processes;
using Spindle.Tests.Ipc;
using Spindle.Tests.Support;

namespace Spindle.Tests.Managers;

/// <summary>Dict, list, namespace, value and array proxies: Python's operations, in this process and from children.</summary>
public sealed class ManagerContainerTests : LeakCheckedTest
{
    public sealed record Point(int X, int Y);

    [Fact]
    public void Seed_002_a_child_changes_every_container_and_the_parent_sees_it()
    {
        using var manager = Manager.StartNew();
        using var x = manager.Value(0.0);
        using var arr = manager.Array(Enumerable.Range(0, 10));
        using var l = manager.List<string>();
        using var d = manager.Dict<int, int>();
        using var n = manager.Namespace();
        Children.RunAll(new SpindleProcess(() => ManagerLessons.F(x, arr, l, d, n))); // the tour's lesson, checked here
        Assert.Equal(3.14, x.Value);
        Assert.Equal("array('i', [5, 1, 2, 3, 4, 5, 6, 7, 8, 9])", arr.ToString());
        Assert.Equal("['Hello']", l.ToString());
        Assert.Equal("{1: 2}", d.ToString());
        Assert.Equal("Namespace(a=10)", n.ToString());
        Assert.Equal("Value(3.14)", x.ToString());
    }

    [Fact]
    public void Dict_has_python_semantics()
    {
        using var manager = Manager.StartNew();
        using var d = manager.Dict(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 });
        d["c"] = 3;
        d["a"] = 10; // an existing key keeps its place
        Assert.Equal(["a", "b", "c"], d.Keys);
        Assert.Equal([10, 2, 3], d.Values);
        Assert.True(d.Remove("b"));
        d["b"] = 20; // a removed key comes back last, as in Python
        Assert.Equal(["a", "c", "b"], d.Keys);
        Assert.Equal("{'a': 10, 'c': 3, 'b': 20}", d.ToString());
        Assert.Throws<KeyNotFoundException>(() => d["zz"]);
        Assert.False(d.TryGetValue("zz", out _));
        Assert.Equal(-1, d.Get("zz", -1));
        Assert.True(d.ContainsKey("c"));
        Assert.Throws<ArgumentException>(() => d.Add("c", 0));
        Assert.True(d.TryAdd("d", 4));
        Assert.Equal(4, d.Pop("d"));
        Assert.Equal(7, d.Pop("d", 7));
        Assert.Throws<KeyNotFoundException>(() => d.Pop("d"));
        Assert.Equal(3, d.SetDefault("c", 99));
        Assert.Equal(99, d.SetDefault("e", 99));
        Assert.Equal(new KeyValuePair<string, int>("e", 99), d.PopItem());
        d.Update([new("x", 1), new("y", 2)]);
        Assert.Equal(5, d.Count);
        Assert.Equal(5, d.ToDictionary().Count);
        d.Clear();
        Assert.Empty(d);
        Assert.Throws<KeyNotFoundException>(() => d.PopItem());
    }

    [Fact]
    public void Keys_and_values_can_be_records_and_are_compared_by_value()
    {
        using var manager = Manager.StartNew();
        using var d = manager.Dict<Point, List<string>>();
        d[new Point(1, 2)] = ["a", "b"];
        Assert.Equal(["a", "b"], d[new Point(1, 2)]);
        Assert.False(d.ContainsKey(new Point(2, 1)));
        using var any = manager.Dict<Point, object>();
        Assert.Throws<Spindle.Serialization.NotTransferableException>(() => any[new Point(0, 0)] = new Thread(() => { }));
        Assert.Empty(any); // nothing was sent
    }

    [Fact]
    public void List_has_python_semantics()
    {
        using var manager = Manager.StartNew();
        using var l = manager.List([3, 1, 2]);
        l.Add(5);
        l.AddRange([4, 1]);
        Assert.Equal([3, 1, 2, 5, 4, 1], l.ToList());
        Assert.Equal(6, l.Count);
        Assert.Equal(1, l[^1]);
        Assert.Equal(3, l[0]);
        l[^2] = 40;
        Assert.Equal(40, l[4]);
        Assert.Equal(2, l.CountOf(1));
        Assert.Equal(1, l.IndexOf(1));
        Assert.Equal(-1, l.IndexOf(99));
        var found = l.Contains(40);
        Assert.True(found);
        Assert.True(l.Remove(1));
        Assert.False(l.Remove(99));
        Assert.Equal([3, 2, 5, 40, 1], l.ToList());
        l.Insert(0, 0);
        Assert.Equal(1, l.Pop());
        Assert.Equal(0, l.Pop(0));
        l.RemoveAt(0);
        Assert.Equal([2, 5, 40], l.ToList());
        l.Reverse();
        Assert.Equal("[40, 5, 2]", l.ToString());
        l.Sort();
        Assert.Equal([2, 5, 40], l.ToList());
        l.Sort(descending: true);
        Assert.Equal([40, 5, 2], l.ToList());
        Assert.Equal([5, 2], l.GetRange(1, 10));
        Assert.Equal([40, 5, 2], l);
        Assert.Throws<ArgumentOutOfRangeException>(() => l[3]);
        Assert.Throws<ArgumentOutOfRangeException>(() => l[-1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => l.Insert(9, 1));
        l.Clear();
        Assert.Throws<ArgumentOutOfRangeException>(() => l.Pop());
    }

    [Fact]
    public void Sorting_items_that_cannot_be_compared_is_an_error_with_its_type()
    {
        using var manager = Manager.StartNew();
        using var l = manager.List<object>([1, "one"]);
        Assert.Throws<InvalidOperationException>(() => l.Sort());
        Assert.Equal([1, "one"], l.ToList()); // unchanged
    }

    [Fact]
    public void Namespace_value_and_array()
    {
        using var manager = Manager.StartNew();
        using var n = manager.Namespace();
        dynamic ns = n;
        ns.b = "x";
        ns.a = 10;
        Assert.Equal(10, (int)ns.a);
        Assert.Equal("x", n.Get<string>("b"));
        Assert.Equal(["a", "b"], n.Names);
        Assert.Equal("Namespace(a=10, b='x')", n.ToString());
        Assert.Throws<KeyNotFoundException>(() => n.Get<int>("missing"));
        Assert.True(n.Remove("b"));
        Assert.False(n.TryGet<string>("b", out _));

        using var v = manager.Value<string?>("start");
        Assert.Equal("start", v.Value);
        v.Value = null;
        Assert.Null(v.Value);

        using var arr = manager.Array<double>(4);
        Assert.Equal(4, arr.Length);
        arr[3] = 1.5;
        arr.CopyFrom([7.0, 8.0], start: 1);
        Assert.Equal([0.0, 7.0, 8.0, 1.5], arr.ToArray());
        Assert.Equal([7.0, 8.0], arr[1..3]);
        Assert.Throws<ArgumentOutOfRangeException>(() => arr[4]);
        Assert.Throws<ArgumentOutOfRangeException>(() => arr.CopyFrom([1.0, 2.0], start: 3));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Messages_larger_than_the_shared_memory_lane_travel_on_the_socket(bool tcp)
    {
        using var manager = Manager.StartNew(tcp ? ManagerAddress.Tcp(0) : null);
        using var d = manager.Dict<string, byte[]>();
        var big = Enumerable.Range(0, 300_000).Select(i => (byte)i).ToArray(); // ~10 lanes' worth
        d["big"] = big;
        d["small"] = [1];
        Assert.Equal(big, d["big"]);
        Assert.Equal([1], d["small"]);
        using var l = manager.List<int>();
        l.AddRange(Enumerable.Range(0, 20_000));
        Assert.Equal(Enumerable.Range(0, 20_000), l.ToList());
        Children.RunAll(new SpindleProcess(() => d["back"] = d["big"]));
        Assert.Equal(big, d["back"]);
    }

    [Fact]
    public void A_proxy_stored_in_a_container_comes_back_as_a_working_proxy()
    {
        using var manager = Manager.StartNew();
        using var inner = manager.List<int>();
        using var outer = manager.Dict<string, ListProxy<int>>();
        outer["numbers"] = inner;
        var copy = outer["numbers"];
        copy.Add(42);
        Assert.Equal([42], inner.ToList());
        Children.RunAll(new SpindleProcess(() => outer["numbers"].Add(43)));
        Assert.Equal([42, 43], inner.ToList());
    }

    [Fact]
    public void Disposing_the_proxies_the_manager_returned_releases_the_objects()
    {
        using var manager = Manager.StartNew();
        var d = manager.Dict<int, int>();
        var l = manager.List<int>();
        Assert.Equal(2, manager.ObjectCount);
        d.Dispose();
        l.Dispose();
        Assert.Equal(0, manager.ObjectCount);
        Assert.Throws<ObjectDisposedException>(() => d[1] = 1);
    }

    [Fact]
    public void Using_a_proxy_after_shutdown_is_a_clear_error()
    {
        var manager = Manager.StartNew();
        var d = manager.Dict<int, int>();
        d[1] = 1;
        manager.Shutdown();
        var error = Assert.Throws<ManagerConnectionException>(() => d[1] = 2);
        Assert.Contains("shut down", error.Message, StringComparison.Ordinal);
        Assert.Throws<ObjectDisposedException>(() => manager.List<int>());
        manager.Dispose(); // twice is fine
        d.Dispose();       // nothing left to release
    }
}
