using Spindle.Coroutines;
using Spindle.Tests.Support;

namespace Spindle.Tests.Coroutines;

// Structured cancellation: HubGroup.RunAsync as trio's nursery.
public class HubGroupTests : LeakCheckedTest
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public void A_nursery_waits_for_every_child() => FreshThread.Run(() =>
    {
        var done = new List<int>();
        Hub.Run(() => HubGroup.RunAsync(group =>
        {
            for (var i = 3; i > 0; i--)
            {
                var n = i;
                group.Spawn(async () => { await Hub.SleepAsync(Short * n); done.Add(n); });
            }
            return Task.CompletedTask;
        }));
        Assert.Equal([1, 2, 3], done);
    });

    [Fact]
    public void A_failing_child_cancels_its_siblings_their_cleanup_runs_and_the_failure_is_raised() => FreshThread.Run(() =>
    {
        using var errors = new CapturedHubErrors();
        var cleanedUp = new List<string>();
        var e = Assert.Throws<BoomException>(() => Hub.Run(() => HubGroup.RunAsync(group =>
        {
            group.Spawn(async () =>
            {
                try { await Hub.SleepAsync(Long); }
                finally { cleanedUp.Add("sleeper"); }
            });
            group.Spawn(async () =>
            {
                try { await new HubEvent().WaitAsync(); }
                finally { cleanedUp.Add("waiter"); }
            });
            group.Spawn(async () =>
            {
                await Hub.SleepAsync(Short);
                throw new BoomException();
            });
            return Task.CompletedTask;
        })));
        Assert.Equal("boom", e.Message);
        Assert.Equal(["sleeper", "waiter"], cleanedUp.Order());
    });

    [Fact]
    public void Killing_the_owner_reaches_every_child_and_grandchild() => FreshThread.Run(() =>
    {
        var cleanedUp = new List<string>();
        var started = new HubEvent();
        var owner = Hub.Spawn(() => HubGroup.RunAsync(outer =>
        {
            outer.Spawn(async () =>
            {
                try { await Hub.SleepAsync(Long); }
                finally { cleanedUp.Add("child"); }
            });
            outer.Spawn(() => HubGroup.RunAsync(inner =>
            {
                inner.Spawn(async () =>
                {
                    started.Set();
                    try { await Hub.SleepAsync(Long); }
                    finally { cleanedUp.Add("grandchild"); }
                });
                return Task.CompletedTask;
            }));
            return Task.CompletedTask;
        }));
        started.Wait();
        owner.Kill(timeout: Long);
        Assert.True(owner.IsDead);
        Assert.Equal(["child", "grandchild"], cleanedUp.Order());
    });

    [Fact]
    public void A_timeout_around_a_nursery_cancels_all_of_it() => FreshThread.Run(() =>
    {
        var cleanedUp = 0;
        var timedOut = Hub.Run(() => HubTimeout.RunAsync(Short, async () =>
        {
            await HubGroup.RunAsync(group =>
            {
                for (var i = 0; i < 5; i++)
                {
                    group.Spawn(async () =>
                    {
                        try { await Hub.SleepAsync(Long); }
                        finally { cleanedUp++; }
                    });
                }
                return Task.CompletedTask;
            });
            return false;
        }, true));
        Assert.True(timedOut);
        Assert.Equal(5, cleanedUp);
    });

    [Fact]
    public void Killing_a_group_cancels_its_token_for_the_tasks_its_children_await() => FreshThread.Run(() =>
    {
        var group = new HubGroup();
        var child = group.Spawn(() => Task.Delay(Long, group.CancellationToken));
        Hub.Sleep(Short);
        using var errors = new CapturedHubErrors();
        group.Kill(timeout: Long);
        Assert.True(child.IsDead);
    });
}
