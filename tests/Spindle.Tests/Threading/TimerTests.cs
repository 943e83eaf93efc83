using Spindle.Threading;

namespace Spindle.Tests.Threading;

public sealed class TimerTests : SpindleThreadLeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    [Fact]
    public void Fires_once_after_the_interval()
    {
        using var fired = new ManualResetEventSlim();
        var calls = 0;
        var timer = new ThreadTimer(TimeSpan.FromMilliseconds(50), () =>
        {
            Interlocked.Increment(ref calls);
            fired.Set();
        });
        var started = DateTime.UtcNow;
        timer.Start();
        Assert.True(fired.Wait(Long));
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(40));
        Assert.True(timer.Join(Long));
        Assert.Equal(1, calls);
        Assert.False(timer.IsAlive);
    }

    [Fact]
    public void Arguments_reach_the_function()
    {
        string? got = null;
        var one = ThreadTimer.Create(TimeSpan.Zero, (string s) => got = s, "a");
        one.Start();
        Assert.True(one.Join(Long));
        Assert.Equal("a", got);
        var two = ThreadTimer.Create(TimeSpan.Zero, (string s, int n) => got = s + n, "b", 2);
        two.Start();
        Assert.True(two.Join(Long));
        Assert.Equal("b2", got);
    }

    [Fact]
    public void Cancel_before_firing_means_it_never_runs()
    {
        var ran = false;
        var timer = new ThreadTimer(TimeSpan.FromMinutes(10), () => ran = true);
        timer.Start();
        Assert.True(timer.IsAlive);
        Assert.Contains(timer, Threads.Enumerate()); // its thread is listed while it waits
        Assert.True(timer.Cancel());
        Assert.True(timer.Join(Long));
        Assert.False(ran);
        Assert.False(timer.Cancel());
        Assert.DoesNotContain(timer, Threads.Enumerate());
    }

    [Fact]
    public void Cancel_before_start_means_it_never_runs()
    {
        var ran = false;
        var timer = new ThreadTimer(TimeSpan.Zero, () => ran = true);
        Assert.True(timer.Cancel());
        timer.Start();
        Assert.True(timer.Join(Long));
        Assert.False(ran);
    }

    [Fact]
    public void Infinite_interval_waits_until_cancelled()
    {
        var ran = false;
        var timer = new ThreadTimer(Timeout.InfiniteTimeSpan, () => ran = true);
        timer.Start();
        Assert.False(timer.Join(TimeSpan.FromMilliseconds(50)));
        Assert.True(timer.Cancel());
        Assert.True(timer.Join(Long));
        Assert.False(ran);
    }

    [Fact]
    public void Cancel_after_firing_is_harmless()
    {
        var calls = 0;
        var timer = new ThreadTimer(TimeSpan.Zero, () => Interlocked.Increment(ref calls));
        timer.Start();
        Assert.True(timer.Join(Long));
        Assert.False(timer.Cancel());
        Assert.Equal(1, calls);
    }

    [Fact]
    public void Cancel_racing_the_interval_either_prevents_the_call_or_reports_it_fired()
    {
        for (var i = 0; i < 200; i++)
        {
            var calls = 0;
            var timer = new ThreadTimer(TimeSpan.Zero, () => Interlocked.Increment(ref calls));
            timer.Start();
            var prevented = timer.Cancel();
            Assert.True(timer.Join(Long));
            Assert.Equal(prevented ? 0 : 1, calls);
        }
    }

    [Fact]
    public void A_timer_is_a_named_thread_with_its_interval()
    {
        var timer = new ThreadTimer(TimeSpan.FromSeconds(3), () => { });
        Assert.IsAssignableFrom<SpindleThread>(timer);
        Assert.Matches(@"^Thread-\d+$", timer.Name);
        Assert.Equal(TimeSpan.FromSeconds(3), timer.Interval);
    }

    [Fact]
    public void Negative_interval_and_null_function_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThreadTimer(TimeSpan.FromSeconds(-1), () => { }));
        Assert.Throws<ArgumentNullException>(() => new ThreadTimer(TimeSpan.Zero, null!));
        Assert.Throws<ArgumentNullException>(() => ThreadTimer.Create<int>(TimeSpan.Zero, null!, 1));
        Assert.Throws<ArgumentNullException>(() => ThreadTimer.Create<int, int>(TimeSpan.Zero, null!, 1, 2));
    }
}
