using System.Diagnostics;
using Spindle.Ipc;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary><see cref="ProcessEvent"/>: seed 002's event example, timeouts, async twin.</summary>
public sealed class ProcessEventTests : LeakCheckedTest
{
    /// <summary>Seed 002: <c>wait_for_event</c> (result 1 = set) and <c>wait_for_event_timeout</c>.</summary>
    internal static void WaitForEvent(ProcessEvent e, SharedArray<int> results, int slot, int timeoutMs)
    {
        TimeSpan? timeout = timeoutMs < 0 ? null : TimeSpan.FromMilliseconds(timeoutMs);
        bool returned = e.Wait(timeout);
        results[slot] = (returned ? 1 : 0) + (e.IsSet ? 10 : 0);
    }

    [Fact]
    public void Seed_002_set_in_the_parent_releases_waiting_children_and_a_short_wait_times_out()
    {
        using var e = new ProcessEvent();
        using var results = new SharedArray<int>([-1, -1, -1]);
        using var nonblock = new SpindleProcess(() => WaitForEvent(e, results, 0, 100), name: "nonblock");
        Children.RunAll(nonblock); // times out: nobody sets it
        Assert.Equal(0, results[0]);
        var block = new SpindleProcess(() => WaitForEvent(e, results, 1, -1), name: "block");
        var longWait = new SpindleProcess(() => WaitForEvent(e, results, 2, 20_000), name: "long");
        block.Start();
        longWait.Start();
        e.Set();
        Children.RunAll(block, longWait);
        Assert.Equal([0, 11, 11], results.ToArray());
    }

    [Fact]
    public void Set_clear_and_wait()
    {
        using var e = new ProcessEvent();
        Assert.False(e.IsSet);
        Assert.False(e.Wait(TimeSpan.Zero));
        e.Set();
        e.Set();
        Assert.True(e.IsSet);
        Assert.True(e.Wait());
        Assert.Equal("<ProcessEvent set>", e.ToString());
        e.Clear();
        Assert.False(e.IsSet);
        var watch = Stopwatch.StartNew();
        Assert.False(e.Wait(TimeSpan.FromMilliseconds(80)));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(70), $"returned after {watch.Elapsed}");
        Assert.Throws<ArgumentOutOfRangeException>(() => e.Wait(TimeSpan.FromMilliseconds(-7)));
    }

    [Fact]
    public void A_thread_sleeping_on_the_event_is_woken_by_set()
    {
        using var e = new ProcessEvent();
        bool? woke = null;
        var t = new Thread(() => woke = e.Wait(Children.Patience));
        t.Start();
        e.Set();
        Assert.True(t.Join(Children.Patience));
        Assert.True(woke);
    }

    [Fact]
    public async Task WaitAsync_waits_times_out_and_cancels()
    {
        using var e = new ProcessEvent();
        Assert.False(await e.WaitAsync(TimeSpan.Zero));
        Assert.False(await e.WaitAsync(TimeSpan.FromMilliseconds(50)));
        var waiting = e.WaitAsync().AsTask();
        e.Set();
        Assert.True(await waiting.WaitAsync(Children.Patience));
        e.Clear();
        using var cts = new CancellationTokenSource();
        var cancelled = e.WaitAsync(null, cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Children.Patience));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => e.WaitAsync(null, cts.Token).AsTask());
        Assert.Throws<ArgumentOutOfRangeException>(() => e.WaitAsync(TimeSpan.FromMilliseconds(-7)).AsTask().GetAwaiter().GetResult());
    }
}
