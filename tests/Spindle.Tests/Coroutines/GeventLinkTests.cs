using Spindle.Coroutines;
using Spindle.Tests.Support;

namespace Spindle.Tests.Coroutines;

// gevent's links (rawlink, unlink, unlink_all, has_links and the order of _notify_links), after test__greenlet.py,
// test__event.py and test__link.py.
public class GeventLinkTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    [Fact]
    public void Links_run_in_the_order_added_before_a_join_made_after_them_returns() => FreshThread.Run(() =>
    {
        var log = new List<int>();
        var g = Hub.Spawn(() => { log.Add(0); return Task.CompletedTask; });
        for (var i = 1; i < 5; i++)
        {
            var n = i;
            if (n % 2 == 0) g.RawLink(_ => log.Add(n));
            else g.Link(_ => log.Add(n));
        }
        Assert.True(g.Join(Long));
        Assert.Equal([0, 1, 2, 3, 4], log);
    });

    [Fact]
    public void RawLink_gets_the_greenlet_in_the_hub_and_runs_even_when_added_after_death() => FreshThread.Run(() =>
    {
        var g = Hub.Spawn(() => Task.FromResult(7));
        Assert.True(g.Join(Long));
        var done = new HubEvent();
        HubGreenlet? seen = null;
        var inHub = false;
        g.RawLink(x => { seen = x; inHub = Greenlet.Current is Hub; done.Set(); });
        Assert.True(g.HasLinks);
        Assert.True(done.Wait(Long));
        Assert.Same(g, seen);
        Assert.True(inHub);
        Assert.False(g.HasLinks);
    });

    [Fact]
    public void A_link_unlinked_by_an_earlier_link_during_notification_is_not_called() => FreshThread.Run(() =>
    {
        using var errors = new CapturedHubErrors();
        var results = new List<string>();
        var done = new HubEvent();
        var g = Hub.Spawn(() => Task.CompletedTask);
        Action<HubGreenlet>? listener2 = null;
        Action<HubGreenlet> listener1 = x => { x.Unlink(listener2!); results.Add("1"); throw new BoomException(); };
        listener2 = x => { x.Unlink(listener1); results.Add("2"); throw new BoomException(); };
        g.Link(listener1);
        g.Link(listener2);
        g.Link(_ => results.Add("3"));
        g.Link(_ => done.Set());
        Assert.True(done.Wait(Long));
        // listener1 ran first and removed listener2; its failure was reported, and the later links still ran.
        Assert.Equal(["1", "3"], results);
        Assert.Single(errors.Errors);
        Assert.Same(g, errors.Errors[0].Source);
        Assert.IsType<BoomException>(errors.Errors[0].Error);
    });

    [Fact]
    public void Unlink_and_UnlinkAll_stop_callbacks_and_HasLinks_follows() => FreshThread.Run(() =>
    {
        var release = new HubEvent();
        var called = new List<string>();
        var g = Hub.Spawn(() => release.WaitAsync(Long).AsTask());
        Assert.False(g.HasLinks);
        Action<HubGreenlet> a = _ => called.Add("a");
        g.RawLink(a);
        Assert.True(g.HasLinks);
        g.Unlink(a);
        Assert.False(g.HasLinks);
        g.Unlink(a); // unlinking what is not linked is no error, as in gevent
        g.Link(_ => called.Add("b"));
        g.LinkValue(_ => called.Add("c"));
        g.LinkException(_ => called.Add("d"));
        g.UnlinkAll();
        Assert.False(g.HasLinks);
        var done = new HubEvent();
        g.RawLink(_ => done.Set());
        release.Set();
        Assert.True(done.Wait(Long));
        Assert.Empty(called);
    });

    [Fact]
    public void UnlinkAll_leaves_a_join_waiting_and_RawLink_refuses_null() => FreshThread.Run(() =>
    {
        var release = new HubEvent();
        var g = Hub.Spawn(() => release.WaitAsync(Long).AsTask());
        var joined = false;
        var joiner = Hub.Spawn(async () => joined = await g.JoinAsync(Long));
        Hub.Sleep(TimeSpan.Zero);
        Assert.True(g.HasLinks);
        g.UnlinkAll();
        Assert.True(g.HasLinks);
        release.Set();
        Assert.True(joiner.Join(Long));
        Assert.True(joined);
        Assert.Throws<ArgumentNullException>(() => g.RawLink(null!));
    });

    [Fact]
    public void A_link_added_by_a_link_during_notification_runs_in_the_same_pass() => FreshThread.Run(() =>
    {
        var log = new List<string>();
        var g = Hub.Spawn(() => Task.CompletedTask);
        g.RawLink(x => { log.Add("first"); x.RawLink(_ => log.Add("added")); });
        g.RawLink(_ => log.Add("second"));
        Assert.True(g.Join(Long));
        Assert.Equal(["first", "second", "added"], log);
    });

    [Fact]
    public void An_event_calls_its_links_once_in_the_hub_in_order_after_Set() => FreshThread.Run(() =>
    {
        var ev = new HubEvent();
        var log = new List<string>();
        var done = new HubEvent();
        ev.RawLink(x => log.Add($"a {ReferenceEquals(x, ev)} {Greenlet.Current is Hub}"));
        ev.RawLink(_ => log.Add("b"));
        ev.RawLink(_ => done.Set());
        Assert.Empty(log);
        ev.Set();
        Assert.Empty(log); // called in the hub, once the setter yields
        Assert.True(done.Wait(Long));
        Assert.Equal(["a True True", "b"], log);
        ev.Clear();
        ev.Set();
        var again = new HubEvent();
        ev.RawLink(_ => again.Set()); // linked to a set event: called soon
        Assert.True(again.Wait(Long));
        Assert.Equal(["a True True", "b"], log); // each link is called once
    });

    [Fact]
    public void An_event_link_unlinked_before_Set_or_by_an_earlier_link_is_not_called() => FreshThread.Run(() =>
    {
        using var errors = new CapturedHubErrors();
        var ev = new HubEvent();
        var log = new List<string>();
        Action<HubEvent> never = _ => log.Add("never");
        Action<HubEvent>? second = null;
        ev.RawLink(never);
        ev.Unlink(never);
        ev.Unlink(never);
        ev.RawLink(x => { x.Unlink(second!); log.Add("first"); throw new BoomException(); });
        second = _ => log.Add("second");
        ev.RawLink(second);
        var done = new HubEvent();
        ev.RawLink(_ => { log.Add("third"); done.Set(); });
        ev.Set();
        Assert.True(done.Wait(Long));
        Assert.Equal(["first", "third"], log);
        Assert.Same(ev, Assert.Single(errors.Errors).Source);
        Assert.Throws<ArgumentNullException>(() => ev.RawLink(null!));
    });

    [Fact]
    public void An_async_result_calls_its_links_with_itself_once_set_or_failed() => FreshThread.Run(() =>
    {
        var result = new HubAsyncResult<int>();
        var seen = new HubAsyncResult<int>();
        var removedCalled = false;
        Action<HubAsyncResult<int>> removed = _ => removedCalled = true;
        result.RawLink(removed);
        result.RawLink(x => seen.Set(x.Value));
        result.Unlink(removed);
        Hub.Spawn(() => { result.Set(3); return Task.CompletedTask; });
        Assert.Equal(3, seen.Get(Long));
        Assert.False(removedCalled);

        var failed = new HubAsyncResult<string>();
        var failure = new HubAsyncResult<Exception?>();
        failed.SetException(new BoomException());
        failed.RawLink(x => failure.Set(x.Exception)); // ready already: called soon
        Assert.IsType<BoomException>(failure.Get(Long));
    });
}
