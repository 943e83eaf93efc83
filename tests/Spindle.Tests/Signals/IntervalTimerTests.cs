using Spindle.Signals;
using Spindle.Tests.Support;

namespace Spindle.Tests.Signals;

/// <summary>Python's <c>signal.setitimer</c>/<c>getitimer</c>: the real, virtual and profiling timers. Every test disarms what it arms.</summary>
public sealed class IntervalTimerTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    [Fact]
    public void The_real_timer_fires_every_interval_until_disarmed_and_reports_what_it_was()
    {
        using var ticks = new SemaphoreSlim(0);
        using (Signal.Handle(Signal.SIGALRM, _ => ticks.Release()))
        {
            try
            {
                var before = Signal.SetIntervalTimer(IntervalTimer.Real, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20));
                Assert.Equal((TimeSpan.Zero, TimeSpan.Zero), before);
                for (var i = 0; i < 3; i++) Assert.True(ticks.Wait(Long), $"tick {i + 1} did not arrive");
                var (delay, interval) = Signal.GetIntervalTimer(IntervalTimer.Real);
                Assert.Equal(TimeSpan.FromMilliseconds(20), interval);
                Assert.InRange(delay, TimeSpan.Zero, TimeSpan.FromMilliseconds(20));
            }
            finally
            {
                var (_, interval) = Signal.SetIntervalTimer(IntervalTimer.Real, TimeSpan.Zero);
                Assert.Equal(TimeSpan.FromMilliseconds(20), interval);
            }
            Assert.Equal((TimeSpan.Zero, TimeSpan.Zero), Signal.GetIntervalTimer(IntervalTimer.Real));
        }
    }

    // 1 tick is shorter than the kernel's microsecond: it must round up and arm the timer, not read as zero and disarm it.
    [Theory]
    [InlineData(100_000)]
    [InlineData(1)]
    public void A_one_shot_real_timer_fires_once_and_then_reads_as_disarmed(long ticks)
    {
        using var rang = new ManualResetEventSlim();
        using (Signal.Handle(Signal.SIGALRM, _ => rang.Set()))
        {
            try
            {
                Signal.SetIntervalTimer(IntervalTimer.Real, TimeSpan.FromTicks(ticks));
                Assert.True(rang.Wait(Long));
                Assert.Equal((TimeSpan.Zero, TimeSpan.Zero), Signal.GetIntervalTimer(IntervalTimer.Real));
            }
            finally { Signal.SetIntervalTimer(IntervalTimer.Real, TimeSpan.Zero); }
        }
    }

    // CPython's test_itimer_virtual and test_itimer_prof: these timers count CPU time, so the test burns CPU until the
    // signal comes (bounded by a wall-clock deadline, so a broken timer fails instead of hanging).
    [Theory]
    [InlineData(IntervalTimer.Virtual, Signal.SIGVTALRM)]
    [InlineData(IntervalTimer.Profile, Signal.SIGPROF)]
    public void The_cpu_time_timers_fire_after_the_process_has_used_cpu(IntervalTimer timer, int signal)
    {
        using var rang = new ManualResetEventSlim();
        using (Signal.Handle(signal, _ => rang.Set()))
        {
            try
            {
                Signal.SetIntervalTimer(timer, TimeSpan.FromMilliseconds(30), TimeSpan.FromMilliseconds(20));
                var deadline = DateTime.UtcNow + Long;
                var sink = 0.0;
                while (!rang.IsSet && DateTime.UtcNow < deadline)
                {
                    for (var i = 1; i < 100_000; i++) sink += Math.Sqrt(i);
                }
                GC.KeepAlive(sink);
                Assert.True(rang.IsSet, $"{Signal.Name(signal)} did not arrive within {Long.TotalSeconds} s of burning CPU");
            }
            finally { Signal.SetIntervalTimer(timer, TimeSpan.Zero); }
            Assert.Equal((TimeSpan.Zero, TimeSpan.Zero), Signal.GetIntervalTimer(timer));
        }
    }

    [Fact]
    public void Negative_times_and_unknown_timers_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Signal.SetIntervalTimer(IntervalTimer.Real, TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Signal.SetIntervalTimer(IntervalTimer.Real, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Signal.SetIntervalTimer((IntervalTimer)7, TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Signal.GetIntervalTimer((IntervalTimer)(-1)));
        Assert.Equal((TimeSpan.Zero, TimeSpan.Zero), Signal.GetIntervalTimer(IntervalTimer.Real));
    }
}
