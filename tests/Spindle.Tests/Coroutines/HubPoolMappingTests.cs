using Spindle.Coroutines;
using Spindle.Tests.Support;

namespace Spindle.Tests.Coroutines;

// gevent.pool's GroupMappingMixin, after test__pool.py: apply, apply_async, map, map_async, imap, imap_unordered.
public class HubPoolMappingTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    // Item i finishes only after item i + 1 has: the greenlets end in the reverse of the items' order.
    private static Func<int, Task<int>> ReverseFinisher(int count, List<int> finished)
    {
        var done = Enumerable.Range(0, count + 1).Select(_ => new HubEvent()).ToArray();
        done[count].Set();
        return async i =>
        {
            await done[i + 1].WaitAsync(Long);
            finished.Add(i);
            done[i].Set();
            return i * 10;
        };
    }

    [Fact]
    public void Apply_returns_the_result_and_raises_the_failure() => FreshThread.Run(() =>
    {
        using var errors = new CapturedHubErrors();
        var pool = new HubPool(1);
        Assert.Equal(42, pool.Apply(() => Task.FromResult(42)));
        Assert.Throws<BoomException>(() => pool.Apply<int>(() => Task.FromException<int>(new BoomException())));
        Assert.Equal(0, pool.Count);
    });

    [Fact]
    public void ApplyAsync_from_a_member_of_a_full_pool_runs_in_the_caller() => FreshThread.Run(() =>
    {
        var pool = new HubPool(1);
        HubGreenlet? inner = null;
        var g = pool.Spawn(async () =>
        {
            var r = await pool.ApplyAsync(() =>
            {
                inner = Greenlet.Current as HubGreenlet;
                return Task.FromResult(5);
            });
            return r + 1;
        });
        Assert.Equal(6, g.Get(Long));
        Assert.Same(g, inner);
    });

    [Fact]
    public void ApplyInBackground_returns_the_greenlet_and_calls_back_with_the_result() => FreshThread.Run(() =>
    {
        var pool = new HubPool(2);
        var release = new HubEvent();
        var called = new HubAsyncResult<int>();
        var g = pool.ApplyInBackground(async () => { await release.WaitAsync(Long); return 7; }, called.Set);
        Assert.True(pool.Contains(g));
        Assert.False(g.IsReady);
        release.Set();
        Assert.Equal(7, called.Get(Long));
        Assert.Equal(7, g.Value);

        using var errors = new CapturedHubErrors();
        var calledForFailure = false;
        var failed = pool.ApplyInBackground<int>(() => Task.FromException<int>(new BoomException()), _ => calledForFailure = true);
        Assert.True(failed.Join(Long));
        var after = pool.ApplyInBackground(() => Task.FromResult(1));
        Assert.Equal(1, after.Get(Long));
        Assert.False(calledForFailure); // the callback is for a success only, as gevent's
    });

    [Fact]
    public void A_group_maps_too_and_MapInBackground_gives_the_list_to_its_greenlet_and_callback() => FreshThread.Run(() =>
    {
        var group = new HubGroup();
        Assert.Equal([2, 4, 6], group.Map((int i) => Task.FromResult(i * 2), [1, 2, 3]));
        var finished = new List<int>();
        var got = new HubAsyncResult<IReadOnlyList<int>>();
        var g = group.MapInBackground(ReverseFinisher(3, finished), [0, 1, 2], got.Set);
        Assert.False(group.Contains(g)); // the mapping greenlet takes no place in the group
        Assert.Equal([0, 10, 20], got.Get(Long));
        Assert.Equal([0, 10, 20], g.Get(Long));
        Assert.Equal([2, 1, 0], finished);
    });

    [Fact]
    public void IMap_yields_in_the_items_order_and_IMapUnordered_as_they_finish() => FreshThread.Run(() =>
    {
        var group = new HubGroup();
        var finished = new List<int>();
        Assert.Equal([0, 10, 20, 30], group.IMap(ReverseFinisher(4, finished), [0, 1, 2, 3]).ToList());
        Assert.Equal([3, 2, 1, 0], finished);
        finished.Clear();
        Assert.Equal([30, 20, 10, 0], group.IMapUnordered(ReverseFinisher(4, finished), [0, 1, 2, 3]).ToList());
        Assert.Empty(group.IMap((int i) => Task.FromResult(i), []));
        Assert.Empty(group.IMapUnordered((int i) => Task.FromResult(i), []));
    });

    [Fact]
    public void IMap_is_lazy_in_a_pool_and_raises_a_failure_at_its_place() => FreshThread.Run(() =>
    {
        using var errors = new CapturedHubErrors();
        var pool = new HubPool(1);
        var read = 0;
        IEnumerable<int> Items()
        {
            for (var i = 1; i <= 4; i++)
            {
                read++;
                yield return i;
            }
        }
        var seen = new List<int>();
        var e = Assert.Throws<BoomException>(() =>
        {
            foreach (var r in pool.IMap(i => i == 3 ? Task.FromException<int>(new BoomException()) : Task.FromResult(i), Items()))
            {
                // One slot: the feeder cannot have read past the item after the one whose result is here.
                Assert.True(read <= r + 1, $"read {read} items before result {r}");
                seen.Add(r);
            }
        });
        Assert.Equal([1, 2], seen);
        Assert.True(pool.Join(Long));
    });

    [Fact]
    public void Leaving_an_IMap_early_stops_the_spawning() => FreshThread.Run(() =>
    {
        var pool = new HubPool(2);
        var started = 0;
        var taken = pool.IMap(i => { started++; return Task.FromResult(i); }, Enumerable.Range(0, int.MaxValue)).Take(3).ToList();
        Assert.Equal([0, 1, 2], taken);
        Assert.True(pool.Join(Long));
        Assert.True(started < 10, $"{started} started");
    });

    [Fact]
    public void IMapAsync_and_IMapUnorderedAsync_work_inside_a_coroutine() => FreshThread.Run(() =>
    {
        var pool = new HubPool(3);
        var results = Hub.Run(async () =>
        {
            var ordered = new List<int>();
            await foreach (var r in pool.IMapAsync((int i) => Task.FromResult(i + 1), [1, 2, 3, 4])) ordered.Add(r);
            var unordered = new List<int>();
            await foreach (var r in pool.IMapUnorderedAsync((int i) => Task.FromResult(i + 1), [1, 2, 3, 4])) unordered.Add(r);
            unordered.Sort();
            return (ordered, unordered, await pool.ApplyAsync(() => Task.FromResult(9)));
        });
        Assert.Equal([2, 3, 4, 5], results.ordered);
        Assert.Equal([2, 3, 4, 5], results.unordered);
        Assert.Equal(9, results.Item3);
    });
}
