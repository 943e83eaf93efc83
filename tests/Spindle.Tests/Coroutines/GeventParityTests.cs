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

    [Fact]
    public void Sleep_with_a_negative_duration_yields_like_sleep_zero() => FreshThread.Run(() =>
    {
        var log = new List<string>();
        Func<Task> Worker(string name) => async () =>
        {
            for (var i = 0; i < 2; i++)
            {
                log.Add($"{name}{i}");
                await Hub.SleepAsync(TimeSpan.FromSeconds(-1));
            }
        };
        var a = Hub.Spawn(Worker("a"));
        var b = Hub.Spawn(Worker("b"));
        Hub.Sleep(TimeSpan.FromMilliseconds(-5));
        Assert.Equal(["a0", "b0"], log);
        Hub.JoinAll([a, b], Long);
        Assert.Equal(["a0", "b0", "a1", "b1"], log);
    });
}
