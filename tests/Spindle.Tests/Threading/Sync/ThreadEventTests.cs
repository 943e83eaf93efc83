using Spindle.Tests.Support;
using Spindle.Threading;

namespace Spindle.Tests.Threading.Sync;

public class ThreadEventTests : LeakCheckedTest
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void Set_and_clear_toggle_the_flag()
    {
        var e = new ThreadEvent();
        Assert.False(e.IsSet);
        Assert.Equal("<ThreadEvent unset>", e.ToString());
        e.Set();
        e.Set();
        Assert.True(e.IsSet);
        Assert.Equal("<ThreadEvent set>", e.ToString());
        e.Clear();
        e.Clear();
        Assert.False(e.IsSet);
        Assert.True(new ThreadEvent(isSet: true).IsSet);
    }

    [Fact]
    public void Wait_returns_true_at_once_while_set()
    {
        var e = new ThreadEvent();
        e.Set();
        Assert.True(e.Wait(TimeSpan.Zero));
        Assert.True(e.Wait());
    }

    [Fact]
    public void Wait_times_out_returning_false()
    {
        var e = new ThreadEvent();
        Assert.False(e.Wait(TimeSpan.Zero));
        bool result = true;
        var elapsed = TestThreads.Time(() => result = e.Wait(Short));
        Assert.False(result);
        Assert.True(elapsed >= TestThreads.AtLeast(Short), $"returned after {elapsed}");
        e.Set();
        e.Clear();
        Assert.False(e.Wait(TimeSpan.Zero));
    }

    [Fact]
    public void Negative_timeout_is_rejected()
    {
        var e = new ThreadEvent();
        Assert.Throws<ArgumentOutOfRangeException>(() => e.Wait(TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = e.WaitAsync(TimeSpan.FromSeconds(-1)).AsTask(); });
    }

    [Fact]
    public void Set_wakes_every_waiting_thread()
    {
        var e = new ThreadEvent();
        var ready = new ThreadSemaphore(0);
        var threads = new TestThreads();
        int released = 0;
        threads.StartMany(4, _ =>
        {
            ready.Release();
            if (e.Wait(TestThreads.Patience)) Interlocked.Increment(ref released);
        });
        for (int i = 0; i < 4; i++) Assert.True(ready.Acquire(TestThreads.Patience));
        Assert.False(e.IsSet);
        e.Set();
        threads.JoinAll();
        Assert.Equal(4, released);
    }

    [Fact]
    public async Task WaitAsync_is_released_by_Set_and_times_out()
    {
        var e = new ThreadEvent();
        Assert.False(await e.WaitAsync(TimeSpan.Zero));
        Assert.False(await e.WaitAsync(Short));
        var waiting = e.WaitAsync().AsTask();
        Assert.False(waiting.IsCompleted);
        e.Set();
        e.Clear(); // the waiter was waiting for this set: it returns true
        Assert.True(await waiting.WaitAsync(TestThreads.Patience));
        Assert.False(e.IsSet);
    }

    [Fact]
    public async Task WaitAsync_cancellation_throws()
    {
        var e = new ThreadEvent();
        using var cts = new CancellationTokenSource();
        var waiting = e.WaitAsync(cancellationToken: cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TestThreads.Patience));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => e.WaitAsync(cancellationToken: cts.Token).AsTask());
        e.Set();
        Assert.True(await e.WaitAsync(cancellationToken: cts.Token)); // a set flag wins over a cancelled token
    }
}
