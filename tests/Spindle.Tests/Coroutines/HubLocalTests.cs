using System.Runtime.CompilerServices;
using Spindle.Coroutines;
using Spindle.Tests.Support;

namespace Spindle.Tests.Coroutines;

// gevent.local.local, after test__local.py: each greenlet sees only its own value, the main greenlet has its own,
// defaults come from the factory in every greenlet, and a dead greenlet's value goes with it.
public class HubLocalTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    [Fact]
    public void Each_greenlet_sees_only_its_own_value_and_the_main_greenlet_keeps_its_own() => FreshThread.Run(() =>
    {
        var local = new HubLocal<string?>();
        local.Value = "main";
        var seen = new Dictionary<int, (string? Before, string? After)>();
        var bothSet = new HubEvent();
        var setCount = 0;
        var gs = Enumerable.Range(0, 2).Select(i => Hub.Spawn(async () =>
        {
            var before = local.Value;
            local.Value = $"g{i}";
            if (++setCount == 2) bothSet.Set();
            await bothSet.WaitAsync(Long); // both have set theirs before either reads again
            seen[i] = (before, local.Value);
        })).ToList();
        Assert.Equal(2, Hub.JoinAll(gs, Long).Count);
        Assert.Equal((null, "g0"), seen[0]);
        Assert.Equal((null, "g1"), seen[1]);
        Assert.Equal("main", local.Value);
    });

    [Fact]
    public void The_factory_gives_every_greenlet_its_own_default() => FreshThread.Run(() =>
    {
        var created = 0;
        var local = new HubLocal<List<int>>(() => { created++; return []; });
        local.Value.Add(1);
        Assert.Equal(0, Hub.Spawn(() => Task.FromResult(local.Value.Count)).Get(Long));
        var g = Hub.Spawn(() =>
        {
            var hadValue = local.HasValue;
            local.Value.Add(2);
            local.Value.Add(3);
            return Task.FromResult((hadValue, local.Value.Count, local.HasValue));
        });
        Assert.Equal((false, 2, true), g.Get(Long));
        Assert.Equal([1], local.Value);
        Assert.Equal(3, created);
    });

    [Fact]
    public void Clear_forgets_the_current_greenlets_value_only() => FreshThread.Run(() =>
    {
        var local = new HubLocal<int>(() => 5);
        Assert.False(local.HasValue);
        Assert.False(local.Clear());
        local.Value = 9;
        var other = Hub.Spawn(async () =>
        {
            local.Value = 1;
            await Hub.SleepAsync(TimeSpan.Zero);
            return local.Value;
        });
        Assert.True(local.Clear());
        Assert.False(local.HasValue);
        Assert.Equal(5, local.Value);
        Assert.Equal(1, other.Get(Long));
    });

    [Fact]
    public void A_dead_greenlets_value_is_released() => FreshThread.Run(() =>
    {
        var local = new HubLocal<object>();
        var value = SetInDeadGreenlet(local);
        for (var i = 0; i < 10 && value.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(value.IsAlive);
    });

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference SetInDeadGreenlet(HubLocal<object> local)
    {
        var box = new WeakReference(null);
        var g = Hub.Spawn(() =>
        {
            var held = new object();
            local.Value = held;
            box.Target = held;
            return Task.CompletedTask;
        });
        Assert.True(g.Join(Long));
        Assert.True(box.IsAlive); // the dead greenlet, still referenced here, keeps its value
        GC.KeepAlive(g);
        return box;
    }
}
