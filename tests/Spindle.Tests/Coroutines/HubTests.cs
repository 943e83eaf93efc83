using Spindle.Coroutines;
using Spindle.Tests.Support;

namespace Spindle.Tests.Coroutines;

// The hub and its coroutines, after gevent's tests (test__greenlet.py, test__joinall.py, test__timeout.py).
public class HubTests : LeakCheckedTest
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public void Seed_heng_ha_heiheihei_sleep_together_and_finish_in_order_of_their_sleeps() => FreshThread.Run(() =>
    {
        var log = new List<string>();
        Func<Task> Sleeper(string name, int units) => async () =>
        {
            log.Add($"{name} start");
            await Hub.SleepAsync(Short * units);
            log.Add($"{name} end");
        };
        var g1 = Hub.Spawn(Sleeper("heng", 2));
        var g2 = Hub.Spawn(Sleeper("ha", 3));
        var g3 = Hub.Spawn(Sleeper("heiheihei", 5));
        g1.Join();
        g2.Join();
        g3.Join();
        Assert.Equal(["heng start", "ha start", "heiheihei start", "heng end", "ha end", "heiheihei end"], log);
    });

    [Theory]
    [InlineData(0)]
    [InlineData(-1000)] // gevent: a negative sleep is sleep(0)
    public void Sleep_zero_or_negative_lets_the_other_ready_coroutines_run(int milliseconds) => FreshThread.Run(() =>
    {
        var pause = TimeSpan.FromMilliseconds(milliseconds);
        var log = new List<string>();
        Func<Task> Worker(string name) => async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                log.Add($"{name}{i}");
                await Hub.SleepAsync(pause);
            }
        };
        var workers = new[] { Hub.Spawn(Worker("a")), Hub.Spawn(Worker("b")) };
        Hub.Sleep(pause);
        Assert.Equal(["a0", "b0"], log);
        Hub.JoinAll(workers);
        Assert.Equal(["a0", "b0", "a1", "b1", "a2", "b2"], log);
    });

    [Fact]
    public void Spawned_coroutines_run_when_the_main_code_blocks_on_the_hub() => FreshThread.Run(() =>
    {
        var ran = false;
        var g = Hub.Spawn(() => { ran = true; return Task.CompletedTask; });
        Assert.False(ran);
        Assert.True(g.IsStarted);
        Hub.Sleep(TimeSpan.Zero);
        Assert.True(ran);
        Assert.True(g.IsReady && g.IsSuccessful);
    });

    [Fact]
    public void Run_returns_the_main_coroutines_result_and_raises_its_exception() => FreshThread.Run(() =>
    {
        Assert.Equal(42, Hub.Run(async () =>
        {
            await Hub.SleepAsync(Short);
            var child = Hub.Spawn(async () => { await Hub.SleepAsync(Short); return 21; });
            return await child * 2;
        }));
        using var errors = new CapturedHubErrors();
        Assert.Throws<BoomException>(() => Hub.Run(() => throw new BoomException()));
    });

    [Fact]
    public void Join_times_out_when_the_timer_fires_first() => FreshThread.Run(() =>
    {
        var sleeper = Hub.Spawn(() => Hub.SleepAsync(Long).AsTask());
        Assert.False(sleeper.Join(Short));
        Assert.False(sleeper.IsReady);
        sleeper.Kill();
        Assert.True(sleeper.IsReady);
        Assert.True(sleeper.IsSuccessful);
    });

    [Fact]
    public void A_killed_coroutine_runs_its_finally_and_counts_as_successful() => FreshThread.Run(() =>
    {
        var cleanedUp = false;
        var reachedEnd = false;
        var g = Hub.Spawn(async () =>
        {
            try
            {
                await Hub.SleepAsync(Long);
                reachedEnd = true;
            }
            finally
            {
                cleanedUp = true;
            }
        });
        Hub.Sleep(TimeSpan.Zero);
        g.Kill();
        Assert.True(cleanedUp);
        Assert.False(reachedEnd);
        Assert.True(g.IsDead && g.IsSuccessful);
        Assert.Null(g.Exception);
    });

    [Fact]
    public void Killing_with_an_exception_makes_it_the_coroutines_exception() => FreshThread.Run(() =>
    {
        using var errors = new CapturedHubErrors();
        var g = Hub.Spawn(() => Hub.SleepAsync(Long).AsTask());
        Hub.Sleep(TimeSpan.Zero);
        g.Kill(new BoomException());
        Assert.IsType<BoomException>(g.Exception);
        Assert.False(g.IsSuccessful);
    });

    [Fact]
    public void A_coroutine_killed_before_it_starts_never_runs_and_its_links_are_told() => FreshThread.Run(() =>
    {
        var ran = false;
        var linked = new List<HubGreenlet>();
        var g = Hub.Spawn(() => { ran = true; return Task.CompletedTask; });
        g.Link(linked.Add);
        g.Kill();
        Hub.Sleep(Short);
        Assert.False(ran);
        Assert.True(g.IsDead);
        Assert.Equal([g], linked);
    });

    [Fact]
    public void Kill_from_a_coroutine_with_KillAsync_waits_for_the_victim() => FreshThread.Run(() =>
    {
        var log = new List<string>();
        var victim = Hub.Spawn(async () =>
        {
            try { await Hub.SleepAsync(Long); }
            finally { log.Add("victim cleaned up"); }
        });
        Hub.Run(async () =>
        {
            await Hub.SleepAsync(TimeSpan.Zero);
            await victim.KillAsync();
            log.Add("killer went on");
        });
        Assert.Equal(["victim cleaned up", "killer went on"], log);
    });

    [Fact]
    public void Exceptions_surface_at_Get_keep_their_type_and_are_reported_not_raised_by_Join() => FreshThread.Run(() =>
    {
        using var errors = new CapturedHubErrors();
        var g = Hub.Spawn<int>(async () =>
        {
            await Hub.SleepAsync(Short);
            throw new BoomException();
        });
        Assert.True(g.Join());
        Assert.True(g.IsReady);
        Assert.False(g.IsSuccessful);
        Assert.IsType<BoomException>(g.Exception);
        Assert.Throws<BoomException>(() => g.Get());
        Assert.Equal(g, Assert.Single(errors.Errors).Source);
    });

    [Fact]
    public void Link_LinkValue_and_LinkException_run_in_the_hub_after_the_coroutine_ends() => FreshThread.Run(() =>
    {
        using var errors = new CapturedHubErrors();
        var log = new List<string>();
        var ok = Hub.Spawn(() => Task.FromResult(1));
        var bad = Hub.Spawn(() => Task.FromException(new BoomException()));
        foreach (var g in new HubGreenlet[] { ok, bad })
        {
            var name = g == ok ? "ok" : "bad";
            g.Link(x => log.Add($"{name} link (current is hub: {Greenlet.Current is Hub})"));
            g.LinkValue(_ => log.Add($"{name} value"));
            g.LinkException(_ => log.Add($"{name} exception"));
        }
        Hub.JoinAll([ok, bad]);
        Hub.Sleep(TimeSpan.Zero);
        Assert.Equal(["ok link (current is hub: True)", "ok value", "bad link (current is hub: True)", "bad exception"], log);
        Assert.Equal(1, ok.Value);
    });

    [Fact]
    public void JoinAll_returns_every_coroutine_and_with_raiseError_raises_the_first_failure() => FreshThread.Run(() =>
    {
        using var errors = new CapturedHubErrors();
        var gs = Enumerable.Range(1, 5).Select(i => Hub.Spawn(async () => { await Hub.SleepAsync(Short * i); return i; })).ToList();
        Assert.Equal(5, Hub.JoinAll(gs).Count);
        Assert.Equal([1, 2, 3, 4, 5], gs.Select(g => g.Value));

        var slow = Hub.Spawn(() => Hub.SleepAsync(Long).AsTask());
        var failing = Hub.Spawn(async () => { await Hub.SleepAsync(Short); throw new BoomException(); });
        Assert.Throws<BoomException>(() => Hub.JoinAll([slow, failing], raiseError: true));
        Assert.False(slow.IsReady);
        Assert.Single(Hub.JoinAll([slow, failing], timeout: Short));
        Hub.KillAll([slow]);
        Assert.True(slow.IsDead);
    });

    [Fact]
    public void A_HubTimeout_interrupts_the_work_that_overran() => FreshThread.Run(() =>
    {
        var never = new HubEvent();
        var result = Hub.Run(async () =>
        {
            var timeout = HubTimeout.StartNew(Short);
            try
            {
                await never.WaitAsync();
                return "not interrupted";
            }
            catch (HubTimeoutException e) when (e.Timeout == timeout)
            {
                return $"interrupted after {timeout}";
            }
        });
        Assert.Equal("interrupted after 0.02 seconds", result);
    });

    [Fact]
    public void A_cancelled_HubTimeout_never_fires_and_nested_timeouts_are_told_apart() => FreshThread.Run(() =>
    {
        Hub.Run(async () =>
        {
            using (HubTimeout.StartNew(Short)) await Hub.SleepAsync(TimeSpan.Zero);
            await Hub.SleepAsync(Short * 3); // the cancelled timeout would have fired here

            using var outer = HubTimeout.StartNew(Short);
            using var inner = HubTimeout.StartNew(Long);
            var e = await Assert.ThrowsAsync<HubTimeoutException>(() => Hub.SleepAsync(Long).AsTask());
            Assert.Same(outer, e.Timeout);
            Assert.True(inner.IsPending);
        });
    });

    [Fact]
    public void HubTimeout_RunAsync_returns_the_timeout_value_when_the_work_overruns() => FreshThread.Run(() =>
    {
        Assert.Equal(-1, Hub.Run(() => HubTimeout.RunAsync(Short, async () => { await Hub.SleepAsync(Long); return 1; }, -1)));
        Assert.Equal(1, Hub.Run(() => HubTimeout.RunAsync(Long, () => Task.FromResult(1), -1)));
    });

    [Fact]
    public void A_timeout_in_the_main_code_interrupts_its_wait_on_the_hub() => FreshThread.Run(() =>
    {
        using var timeout = HubTimeout.StartNew(Short);
        var e = Assert.Throws<HubTimeoutException>(() => new HubEvent().Wait());
        Assert.Same(timeout, e.Timeout);
    });

    [Fact]
    public void Waiting_for_something_nothing_can_ever_cause_raises_LoopExit() => FreshThread.Run(() =>
    {
        var e = Assert.Throws<LoopExitException>(() => new HubEvent().Wait());
        Assert.Contains("block forever", e.Message, StringComparison.Ordinal);
    });

    [Fact]
    public void Awaiting_a_task_inside_the_hub_resumes_on_the_hub_thread_while_others_run() => FreshThread.Run(() =>
    {
        var hubThread = Environment.CurrentManagedThreadId;
        var ticks = 0;
        var ticker = Hub.Spawn(async () =>
        {
            while (true)
            {
                ticks++;
                await Hub.SleepAsync(TimeSpan.FromMilliseconds(1));
            }
        });
        var resumedOn = Hub.Run(async () =>
        {
            var before = ticks;
            await Task.Run(() => SpinWait.SpinUntil(() => Volatile.Read(ref ticks) > before + 3, Long));
            var afterTaskRun = Environment.CurrentManagedThreadId;
            await Task.Delay(Short);
            return (afterTaskRun, Environment.CurrentManagedThreadId);
        });
        ticker.Kill();
        Assert.Equal((hubThread, hubThread), resumedOn);
        Assert.True(ticks > 3);
    });

    [Fact]
    public void A_kill_reaches_a_coroutine_awaiting_a_task_through_its_cancellation_token() => FreshThread.Run(() =>
    {
        HubGreenlet? g = null;
        g = Hub.Spawn(async () => await Task.Delay(Long, g!.CancellationToken));
        Hub.Sleep(Short);
        g.Kill(timeout: Long);
        Assert.True(g.IsDead);
        Assert.IsAssignableFrom<OperationCanceledException>(g.Exception);
    });

    [Fact]
    public void Post_from_another_thread_wakes_the_hub() => FreshThread.Run(() =>
    {
        var hub = Hub.Current;
        var done = new HubEvent();
        var hubThread = Environment.CurrentManagedThreadId;
        var ranOn = 0;
        var waiter = Hub.Spawn(async () => await done.WaitAsync());
        var keepAlive = Hub.Spawn(() => Hub.SleepAsync(Long).AsTask());
        var poster = new Thread(() => hub.Post(() => { ranOn = Environment.CurrentManagedThreadId; done.Set(); }));
        poster.Start();
        Assert.True(waiter.Join(Long));
        poster.Join();
        keepAlive.Kill();
        Assert.Equal(hubThread, ranOn);
    });

    [Fact]
    public void A_cancellation_token_ends_a_hub_wait_with_OperationCanceledException() => FreshThread.Run(() =>
    {
        using var cts = new CancellationTokenSource();
        var g = Hub.Spawn(async () => await new HubEvent().WaitAsync(cancellationToken: cts.Token));
        var keepAlive = Hub.Spawn(() => Hub.SleepAsync(Long).AsTask());
        var canceller = new Thread(() => cts.Cancel());
        using var errors = new CapturedHubErrors();
        Hub.Sleep(TimeSpan.Zero);
        canceller.Start();
        Assert.True(g.Join(Long));
        canceller.Join();
        keepAlive.Kill();
        Assert.IsAssignableFrom<OperationCanceledException>(g.Exception);
    });

    [Fact]
    public void Blocking_calls_inside_a_coroutine_are_refused_with_the_async_twin_named() => FreshThread.Run(() =>
    {
        var message = Hub.Run(() =>
        {
            var e = Assert.Throws<InvalidOperationException>(() => Hub.Sleep(Short));
            return Task.FromResult(e.Message);
        });
        Assert.Contains("SleepAsync", message, StringComparison.Ordinal);
    });

    [Fact]
    public void The_watchdog_reports_a_coroutine_that_blocks_the_hub() => FreshThread.Run(() =>
    {
        HubBlockedReport? report = null;
        using var reported = new ManualResetEventSlim();
        using var watchdog = Hub.Current.StartWatchdog(TimeSpan.FromMilliseconds(50), r => { report = r; reported.Set(); });
        var offender = Hub.Spawn(BlockingCoroutineAsync(reported));
        offender.Name = "offender";
        offender.Get();
        Assert.NotNull(report);
        Assert.Contains("offender", report.Greenlet, StringComparison.Ordinal);
        Assert.Contains(nameof(BlockingCoroutineAsync), report.ResumedAt, StringComparison.Ordinal);
        Assert.StartsWith("S", report.KernelState, StringComparison.Ordinal);
        Assert.True(report.HeldFor >= TimeSpan.FromMilliseconds(50));
    });

    private static Func<Task> BlockingCoroutineAsync(ManualResetEventSlim reported) => async () =>
    {
        await Hub.SleepAsync(TimeSpan.Zero);
        reported.Wait(Long); // a blocking call on the hub's thread: the watchdog must notice it
    };

    [Fact]
    public void The_watchdog_stays_quiet_while_the_hub_sleeps_or_switches() => FreshThread.Run(() =>
    {
        var reports = 0;
        using (Hub.Current.StartWatchdog(TimeSpan.FromMilliseconds(30), _ => Interlocked.Increment(ref reports)))
        {
            var g = Hub.Spawn(async () =>
            {
                for (var i = 0; i < 20; i++) await Hub.SleepAsync(TimeSpan.FromMilliseconds(10));
            });
            g.Get();
        }
        Assert.Equal(0, reports);
    });
}
