using Spindle.Coroutines;
using Spindle.Tests.Support;

namespace Spindle.Tests.Coroutines;

// gevent's documented behaviour that the other suites do not reach, after test__greenlet.py, test__joinall.py,
// test__event.py, test__pool.py, test__queue.py and test__timeout.py.
public class GeventParityTests : LeakCheckedTest
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    [Fact]
    public void A_spawned_greenlet_is_true_and_started_before_it_runs_and_neither_once_dead() => FreshThread.Run(() =>
    {
        var ran = false;
        var g = Hub.Spawn(() => { ran = true; return Task.CompletedTask; });
        Assert.False(ran);
        Assert.True(g.IsActive);
        Assert.True(g.IsStarted);
        g.Join();
        Assert.True(ran);
        Assert.False(g.IsActive);
        Assert.False(g.IsStarted);
        g.Start(); // a dead greenlet is never scheduled again
        Hub.Sleep(TimeSpan.Zero);
        Assert.True(g.IsDead);
        Assert.False(g.IsStarted);
    });

    [Fact]
    public void A_greenlet_not_started_is_false_and_one_killed_before_it_ran_is_false_and_not_started() => FreshThread.Run(() =>
    {
        var g = new HubGreenlet(() => Task.CompletedTask);
        Assert.False(g.IsActive);
        Assert.False(g.IsStarted);
        g.Start();
        Assert.True(g.IsActive);
        g.Kill();
        Assert.True(g.IsDead);
        Assert.False(g.IsActive);
        Assert.False(g.IsStarted);
    });

    [Fact]
    public void A_greenlet_is_true_while_it_runs_and_while_it_waits() => FreshThread.Run(() =>
    {
        var release = new HubEvent();
        HubGreenlet? g = null;
        var activeInside = false;
        g = Hub.Spawn(async () =>
        {
            activeInside = g!.IsActive && g.IsStarted;
            await release.WaitAsync(Long);
        });
        Hub.Sleep(TimeSpan.Zero);
        Assert.True(activeInside);
        Assert.True(g.IsActive);
        release.Set();
        g.Join(Long);
        Assert.False(g.IsActive);
    });

    [Fact]
    public void A_raw_greenlet_stays_false_until_its_first_switch() => FreshThread.Run(() =>
    {
        Greenlet? raw = null;
        var activeInside = false;
        raw = new Greenlet(() => { activeInside = raw!.IsActive; return Task.CompletedTask; });
        Assert.False(raw.IsActive);
        raw.Switch();
        Assert.True(activeInside);
        Assert.False(raw.IsActive);
    });

    // Greenlets that each finish when their gate opens, so a test decides the order they finish in.
    private static (HubGreenlet[] Greenlets, HubEvent[] Gates) Gated(int n, int? failing = null)
    {
        var gates = Enumerable.Range(0, n).Select(_ => new HubEvent()).ToArray();
        var greenlets = Enumerable.Range(0, n).Select(i => Hub.Spawn(async () =>
        {
            await gates[i].WaitAsync(Long);
            if (i == failing) throw new BoomException();
        })).ToArray();
        return (greenlets, gates);
    }

    [Fact]
    public void JoinAll_with_a_count_returns_once_that_many_have_finished() => FreshThread.Run(() =>
    {
        var (gs, gates) = Gated(3);
        Hub.Spawn(() => { gates[2].Set(); gates[0].Set(); return Task.CompletedTask; });
        var done = Hub.JoinAll(gs, Long, count: 2);
        Assert.Equal([gs[2], gs[0]], done);
        Assert.False(gs[1].IsDead);
        Assert.Equal([gs[0], gs[2]], Hub.JoinAll(gs, Long, count: 2)); // finished already: in the caller's order
        gates[1].Set();
        Assert.Equal(3, Hub.JoinAll(gs, Long, count: 10).Count);
        Assert.Empty(Hub.JoinAll(gs, Long, count: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hub.JoinAll(gs, count: -1));
    });

    [Fact]
    public void JoinAll_raising_errors_raises_a_failure_among_the_first_count_only() => FreshThread.Run(() =>
    {
        using var errors = new CapturedHubErrors();
        var (gs, gates) = Gated(2, failing: 1);
        Hub.Spawn(() => { gates[0].Set(); return Task.CompletedTask; });
        Assert.Equal([gs[0]], Hub.JoinAll(gs, Long, raiseError: true, count: 1));
        gates[1].Set();
        Assert.Throws<BoomException>(() => Hub.JoinAll(gs, Long, raiseError: true));
    });

    [Fact]
    public void Wait_over_greenlets_events_and_async_results_returns_the_ready_ones_in_the_order_they_became_ready() => FreshThread.Run(() =>
    {
        var (gs, gates) = Gated(1);
        var ev = new HubEvent();
        var result = new HubAsyncResult<int>();
        IHubWaitable[] objects = [gs[0], ev, result];
        Hub.Spawn(() => { result.Set(7); ev.Set(); gates[0].Set(); return Task.CompletedTask; });
        Assert.Equal([result, ev, gs[0]], Hub.Wait(objects, Long));
        Assert.Equal([gs[0], ev], Hub.Wait(objects, Long, count: 2)); // all ready now: the caller's order
    });

    [Fact]
    public void Wait_with_a_count_returns_the_first_ready_and_with_a_timeout_those_ready_so_far() => FreshThread.Run(() =>
    {
        var events = Enumerable.Range(0, 3).Select(_ => new HubEvent()).ToArray();
        Hub.Spawn(() => { events[1].Set(); return Task.CompletedTask; });
        Assert.Equal([events[1]], Hub.Wait(events, Long, count: 1));
        Assert.Equal([events[1]], Hub.Wait(events, Short));
        Assert.Equal([events[1]], Hub.Wait(events, TimeSpan.Zero));
        Assert.Empty(Hub.Wait(Array.Empty<HubEvent>(), Long));
    });

    [Fact]
    public void Wait_with_no_objects_returns_when_the_hub_has_nothing_left_to_do() => FreshThread.Run(() =>
    {
        var finished = 0;
        for (var i = 0; i < 3; i++)
        {
            var units = i;
            Hub.Spawn(async () =>
            {
                await Hub.SleepAsync(Short * units);
                _ = Hub.Spawn(async () => { await Hub.SleepAsync(Short); finished++; });
                finished++;
            });
        }
        Hub.Wait();
        Assert.Equal(6, finished);
        Hub.Wait(); // nothing at all to do: returns at once
        using var errors = new CapturedHubErrors();
        var e = Assert.Throws<InvalidOperationException>(() => Hub.Run(() => { Hub.Wait(); return Task.CompletedTask; }));
        Assert.Contains("main code", e.Message, StringComparison.Ordinal);
    });

    [Fact]
    public void IWait_yields_each_object_as_it_becomes_ready_and_stops_at_the_count() => FreshThread.Run(() =>
    {
        var events = Enumerable.Range(0, 4).Select(_ => new HubEvent()).ToArray();
        var seen = new List<HubEvent>();
        Hub.Spawn(async () =>
        {
            events[3].Set();
            await Hub.SleepAsync(TimeSpan.Zero);
            events[0].Set();
            events[2].Set();
        });
        foreach (var ev in Hub.IWait(events, Long, count: 3))
        {
            seen.Add(ev);
            Assert.True(ev.IsSet);
        }
        Assert.Equal([events[3], events[0], events[2]], seen);
        Assert.Equal([events[0], events[2], events[3]], Hub.IWait(events, TimeSpan.Zero)); // ready already: the caller's order
    });

    [Fact]
    public void IWaitAsync_inside_a_coroutine_yields_the_finishing_greenlets_in_order() => FreshThread.Run(() =>
    {
        var (gs, gates) = Gated(3);
        var order = Hub.Run(async () =>
        {
            _ = Hub.Spawn(() => { gates[1].Set(); gates[2].Set(); gates[0].Set(); return Task.CompletedTask; });
            var seen = new List<HubGreenlet>();
            await foreach (var g in Hub.IWaitAsync(gs, Long)) seen.Add(g);
            return seen;
        });
        Assert.Equal([gs[1], gs[2], gs[0]], order);
    });

    [Fact]
    public void Abandoning_an_IWait_early_unlinks_it_from_the_objects_still_pending() => FreshThread.Run(() =>
    {
        var events = Enumerable.Range(0, 2).Select(_ => new HubEvent()).ToArray();
        events[0].Set();
        Assert.Same(events[0], Hub.IWait(events, Long).First());
        events[1].Set(); // tells nobody: the abandoned iterator is no longer linked
        Assert.Equal(2, Hub.Wait(events, Long).Count);
    });

    [Fact]
    public void A_pool_without_a_size_is_unlimited() => FreshThread.Run(() =>
    {
        var pool = new HubPool();
        Assert.Null(pool.Size);
        var gate = new HubEvent();
        var members = Enumerable.Range(0, 50).Select(_ => pool.Spawn(() => gate.WaitAsync(Long).AsTask())).ToList();
        Assert.Equal(50, pool.Count);
        Assert.False(pool.IsFull);
        Assert.Equal(int.MaxValue, pool.FreeCount);
        Assert.True(pool.WaitAvailable(TimeSpan.Zero));
        gate.Set();
        Assert.True(pool.Join(Long));
        Assert.All(members, g => Assert.True(g.IsSuccessful));

        var inside = 0;
        var most = 0;
        var unlimited = new HubPool(size: null);
        var results = unlimited.Map(async (int i) =>
        {
            most = Math.Max(most, ++inside);
            await Hub.SleepAsync(TimeSpan.Zero);
            inside--;
            return i + 1;
        }, Enumerable.Range(0, 10));
        Assert.Equal(Enumerable.Range(1, 10), results);
        Assert.Equal(10, most);
    });

    [Fact]
    public void A_pool_of_size_zero_is_always_full_and_a_negative_size_is_refused() => FreshThread.Run(() =>
    {
        var pool = new HubPool(0);
        Assert.Equal(0, pool.Size);
        Assert.True(pool.IsFull);
        Assert.Equal(0, pool.FreeCount);
        Assert.False(pool.WaitAvailable(Short));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new HubPool(-1));
        Assert.Equal("size", e.ParamName);
    });

    [Fact]
    public void Group_join_raising_errors_waits_for_every_member_before_raising() => FreshThread.Run(() =>
    {
        using var errors = new CapturedHubErrors();
        var group = new HubGroup();
        var gate = new HubEvent();
        var failing = group.Spawn(() => throw new BoomException());
        var other = group.Spawn(() => gate.WaitAsync(Long).AsTask());
        _ = Hub.Spawn(async () => { await failing.JoinAsync(); gate.Set(); });
        Assert.Throws<BoomException>(() => group.Join(Long, raiseError: true));
        Assert.True(other.IsSuccessful);
        Assert.Equal(0, group.Count);
        Assert.True(group.Join(Long, raiseError: true)); // the failed member left before this call
    });

    [Fact]
    public void Group_join_without_raising_errors_returns_true_when_a_member_failed() => FreshThread.Run(() =>
    {
        using var errors = new CapturedHubErrors();
        var group = new HubGroup();
        var failing = group.Spawn(() => throw new BoomException());
        Assert.True(group.Join(Long));
        Assert.IsType<BoomException>(failing.Exception);
    });

    [Fact]
    public void Peek_waits_for_an_item_and_leaves_it_in_the_queue() => FreshThread.Run(() =>
    {
        var queue = new HubQueue<int>();
        _ = Hub.Spawn(() => { queue.PutNoWait(5); return Task.CompletedTask; });
        Assert.Equal(5, queue.Peek(Long));
        Assert.Equal(1, queue.Count);
        Assert.Equal(5, queue.Peek(TimeSpan.Zero));
        Assert.Equal(5, queue.Get());
        Assert.Throws<QueueEmptyException>(() => queue.Peek(TimeSpan.Zero));
        Assert.Throws<QueueEmptyException>(() => queue.Peek(Short));
    });

    [Fact]
    public void Peekers_and_a_getter_woken_by_one_put_all_see_the_item_and_only_the_getter_takes_it() => FreshThread.Run(() =>
    {
        var queue = new HubQueue<string>();
        var seen = new List<string>();
        var peekers = Enumerable.Range(0, 2).Select(_ => Hub.Spawn(async () => seen.Add(await queue.PeekAsync(Long)))).ToList();
        var getter = Hub.Spawn(() => queue.GetAsync(Long).AsTask());
        Hub.Sleep(TimeSpan.Zero); // every one of them is waiting now
        queue.Put("a");
        queue.Put("b");
        Assert.Equal("a", getter.Get(Long));
        Hub.JoinAll(peekers, Long, raiseError: true);
        Assert.Equal(2, seen.Count);
        Assert.All(seen, item => Assert.True(item is "a" or "b", item));
        Assert.Equal(1, queue.Count);
    });

    [Fact]
    public void A_silent_timeout_ends_the_work_quietly_in_the_main_greenlet_and_in_a_coroutine() => FreshThread.Run(() =>
    {
        var reachedEnd = false;
        var silent = HubTimeout.Silent(Short);
        Assert.True(silent.IsSilent);
        Assert.False(silent.Run(() =>
        {
            new HubEvent().Wait(Long);
            reachedEnd = true;
        }));
        Assert.False(reachedEnd);
        Assert.False(silent.IsPending);

        var (finished, after) = Hub.Run(async () =>
        {
            var quiet = await HubTimeout.Silent(Short).RunAsync(() => Hub.SleepAsync(Long).AsTask());
            var inTime = await HubTimeout.Silent(Long).RunAsync(() => Hub.SleepAsync(TimeSpan.Zero).AsTask());
            return (quiet, inTime);
        });
        Assert.False(finished);
        Assert.True(after);
    });

    [Fact]
    public void A_silent_timeout_lets_other_failures_through_and_a_loud_one_raises_from_Run() => FreshThread.Run(() =>
    {
        Assert.Throws<BoomException>(() => HubTimeout.Silent(Long).Run(() => throw new BoomException()));
        var loud = new HubTimeout(Short);
        Assert.False(loud.IsSilent);
        var e = Assert.Throws<HubTimeoutException>(() => loud.Run(() => new HubEvent().Wait(Long)));
        Assert.Same(loud, e.Timeout);
        var outer = HubTimeout.Silent(Short);
        Assert.False(outer.Run(() =>
        {
            // an inner silent timeout that does not expire first must not swallow the outer one's expiry
            Assert.True(HubTimeout.Silent(Long).Run(() => { }));
            HubTimeout.Silent(Long).Run(() => new HubEvent().Wait(Long));
            Assert.Fail("the outer timeout should have ended the work");
        }));
    });

    [Fact]
    public void A_silent_timeout_started_under_using_still_raises_out_of_the_block() => FreshThread.Run(() =>
    {
        HubTimeout? started = null;
        var e = Assert.Throws<HubTimeoutException>(() =>
        {
            using (started = HubTimeout.Silent(Short))
            {
                started.Start();
                new HubEvent().Wait(Long);
            }
        });
        Assert.Same(started, e.Timeout);
        Assert.False(started!.IsPending);
    });
}
