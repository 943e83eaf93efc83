using Spindle.Ipc;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary><see cref="ProcessSemaphore"/> and <see cref="ProcessBoundedSemaphore"/>.</summary>
public sealed class ProcessSemaphoreTests : LeakCheckedTest
{
    private const int Inside = 0, Most = 1, Visits = 2;

    /// <summary>Seed 002's <c>go_wc</c>: take a place, note how many are inside (and the most ever), work, leave.</summary>
    internal static void GoWc(ProcessSemaphore sem, SharedArray<int> counters)
    {
        for (int round = 0; round < 20; round++)
        {
            sem.Acquire();
            int now = counters.Add(Inside, 1);
            for (int seen = counters[Most]; now > seen; seen = counters[Most])
            {
                if (counters.CompareExchange(Most, now, seen) == seen) break;
            }
            Children.Work();
            counters.Add(Inside, -1);
            counters.Add(Visits, 1);
            sem.Release();
        }
    }

    [Fact]
    public void Seed_002_go_wc_five_users_two_places_never_more_than_two_inside()
    {
        using var sem = new ProcessSemaphore(2);
        using var counters = new SharedArray<int>(3, lockEnabled: false);
        Children.RunAll([.. Enumerable.Range(0, 5).Select(i => SpindleProcess.Create(GoWc, sem, counters, name: $"user{i}"))]);
        Assert.Equal(100, counters[Visits]);
        Assert.InRange(counters[Most], 1, 2);
        Assert.Equal(0, counters[Inside]);
        Assert.Equal(2, sem.Value);
    }

    [Fact]
    public void Value_counts_acquires_and_releases()
    {
        using var sem = new ProcessSemaphore(2);
        Assert.Equal(2, sem.Value);
        Assert.True(sem.Acquire());
        Assert.True(sem.Acquire(TimeSpan.Zero));
        Assert.Equal(0, sem.Value);
        Assert.False(sem.Acquire(TimeSpan.Zero));
        sem.Release(2);
        Assert.Equal(2, sem.Value);
        sem.Release(); // unbounded: may rise above the start
        Assert.Equal(3, sem.Value);
        Assert.Equal("<ProcessSemaphore(value=3)>", sem.ToString());
        using var zero = new ProcessSemaphore(0);
        Assert.Equal(0, zero.Value);
    }

    [Fact]
    public void Errors_negative_value_release_count_and_timeout()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessSemaphore(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessBoundedSemaphore(-1));
        using var sem = new ProcessSemaphore(0);
        Assert.Throws<ArgumentOutOfRangeException>(() => sem.Release(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => sem.Acquire(TimeSpan.FromMilliseconds(-5)));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(sem.Acquire(TimeSpan.FromMilliseconds(80)));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(70), $"returned after {watch.Elapsed}");
    }

    [Fact]
    public void A_bounded_semaphore_refuses_a_release_above_its_start()
    {
        using var sem = new ProcessBoundedSemaphore(2);
        Assert.Throws<SemaphoreFullException>(sem.Release);
        sem.Acquire();
        Assert.Throws<SemaphoreFullException>(() => sem.Release(2));
        Assert.Equal(1, sem.Value);
        sem.Release();
        Assert.Equal(2, sem.Value);
        Assert.Equal("<ProcessBoundedSemaphore(value=2)>", sem.ToString());
    }

    internal static void OverRelease(ProcessBoundedSemaphore sem, SharedValue<int> outcome)
    {
        try { sem.Release(); }
        catch (SemaphoreFullException) { outcome.Value = 1; }
    }

    [Fact]
    public void A_bounded_semaphore_keeps_its_bound_in_a_child()
    {
        using var sem = new ProcessBoundedSemaphore(1);
        using var outcome = new SharedValue<int>(0);
        Children.RunAll(SpindleProcess.Create(OverRelease, sem, outcome));
        Assert.Equal(1, outcome.Value);
    }

    internal static void ReleaseLater(ProcessSemaphore sem, ProcessEvent started)
    {
        started.Set();
        sem.Release();
    }

    [Fact]
    public void A_waiter_is_released_by_another_process()
    {
        using var sem = new ProcessSemaphore(0);
        using var started = new ProcessEvent();
        using var child = SpindleProcess.Create(ReleaseLater, sem, started);
        child.Start();
        Assert.True(sem.Acquire(Children.Patience));
        Assert.True(started.IsSet);
        Assert.True(child.Join(Children.Patience));
    }

    [Fact]
    public async Task AcquireAsync_waits_times_out_and_cancels()
    {
        using var sem = new ProcessSemaphore(1);
        Assert.True(await sem.AcquireAsync());
        Assert.False(await sem.AcquireAsync(TimeSpan.Zero));
        Assert.False(await sem.AcquireAsync(TimeSpan.FromMilliseconds(50)));
        var waiting = sem.AcquireAsync().AsTask();
        sem.Release();
        Assert.True(await waiting.WaitAsync(Children.Patience));
        using var cts = new CancellationTokenSource();
        var cancelled = sem.AcquireAsync(null, cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Children.Patience));
        Assert.Equal(0, sem.Value);
    }
}
