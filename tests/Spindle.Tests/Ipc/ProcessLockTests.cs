using System.Diagnostics;
using Spindle.Ipc;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary><see cref="ProcessLock"/> across real processes, errors, timeouts, async twin, abandonment.</summary>
public sealed class ProcessLockTests : LeakCheckedTest
{
    private const int PerChild = 20_000;

    internal static void IncrementPlainly(ILock guard, SharedValue<long> counter)
    {
        for (int i = 0; i < PerChild; i++)
        {
            guard.Acquire();
            counter.Ref = counter.Ref + 1; // a plain read-modify-write: only the lock makes it exact
            guard.Release();
        }
    }

    [Fact]
    public void Excludes_across_processes()
    {
        using var guard = new ProcessLock();
        using var counter = new SharedValue<long>(0, lockEnabled: false);
        Children.RunAll(SpindleProcess.Create<ILock, SharedValue<long>>(IncrementPlainly, guard, counter),
                        SpindleProcess.Create<ILock, SharedValue<long>>(IncrementPlainly, guard, counter));
        Assert.Equal(2L * PerChild, counter.Value);
        Assert.False(guard.IsLocked);
    }

    [Fact]
    public void Acquire_release_and_nonblocking_acquire()
    {
        using var l = new ProcessLock();
        Assert.False(l.IsLocked);
        Assert.Null(l.OwnerPid);
        Assert.True(l.Acquire());
        Assert.True(l.IsLocked);
        Assert.Equal(Environment.ProcessId, l.OwnerPid);
        Assert.Contains(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), l.ToString(), StringComparison.Ordinal);
        Assert.False(l.Acquire(TimeSpan.Zero)); // not re-entrant
        l.Release();
        Assert.True(l.Acquire(TimeSpan.Zero));
        l.Release();
        Assert.Equal("<ProcessLock(owner=None)>", l.ToString());
    }

    [Fact]
    public void Releasing_an_unlocked_lock_throws()
    {
        using var l = new ProcessLock();
        Assert.Throws<SynchronizationLockException>(l.Release);
        l.Acquire();
        l.Release();
        Assert.Throws<SynchronizationLockException>(l.Release);
    }

    [Fact]
    public void Any_thread_may_release()
    {
        using var l = new ProcessLock();
        l.Acquire();
        var t = new Thread(l.Release);
        t.Start();
        Assert.True(t.Join(Children.Patience));
        Assert.False(l.IsLocked);
    }

    [Fact]
    public void A_timed_acquire_of_a_held_lock_times_out_after_the_timeout()
    {
        using var l = new ProcessLock();
        l.Acquire();
        var watch = Stopwatch.StartNew();
        Assert.False(l.Acquire(TimeSpan.FromMilliseconds(80)));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(70), $"returned after {watch.Elapsed}");
        l.Release();
    }

    [Fact]
    public void Negative_timeouts_are_refused()
    {
        using var l = new ProcessLock();
        Assert.Throws<ArgumentOutOfRangeException>(() => l.Acquire(TimeSpan.FromMilliseconds(-2)));
        Assert.True(l.Acquire(Timeout.InfiniteTimeSpan));
        l.Release();
        Assert.Throws<ArgumentOutOfRangeException>(() => l.AcquireAsync(TimeSpan.FromMilliseconds(-2)).AsTask().GetAwaiter().GetResult());
    }

    [Fact]
    public async Task AcquireAsync_waits_for_a_release_and_can_be_cancelled()
    {
        using var l = new ProcessLock();
        Assert.True(await l.AcquireAsync());
        var waiting = l.AcquireAsync().AsTask();
        Assert.False(waiting.IsCompleted);
        l.Release();
        Assert.True(await waiting.WaitAsync(Children.Patience));
        Assert.False(await l.AcquireAsync(TimeSpan.Zero));
        Assert.False(await l.AcquireAsync(TimeSpan.FromMilliseconds(50)));
        using var cts = new CancellationTokenSource();
        var cancelled = l.AcquireAsync(null, cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Children.Patience));
        Assert.True(l.IsLocked); // still ours
        l.Release();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => l.AcquireAsync(null, cts.Token).AsTask());
    }

    [Fact]
    public void A_process_killed_holding_the_lock_is_reported_to_the_next_acquirer_who_then_holds_it()
    {
        using var l = new ProcessLock();
        using var ready = new ProcessEvent();
        using var never = new ProcessEvent();
        using var holder = SpindleProcess.Create<ILock, ProcessEvent, ProcessEvent>(Children.HoldLockForever, l, ready, never);
        holder.Start();
        try
        {
            Assert.True(ready.Wait(Children.Patience));
            Assert.Equal(holder.Pid, l.OwnerPid);
            Assert.False(l.Acquire(TimeSpan.Zero)); // alive: not abandoned
        }
        finally
        {
            holder.Kill();
            Assert.True(holder.Join(Children.Patience));
        }
        var e = Assert.Throws<AbandonedLockException>(() => l.Acquire(Children.Patience));
        Assert.Equal(holder.Pid, e.DeadOwnerPid);
        Assert.IsAssignableFrom<AbandonedMutexException>(e);
        Assert.True(l.IsLocked);
        Assert.Equal(Environment.ProcessId, l.OwnerPid);
        l.Release();
        Assert.True(l.Acquire(TimeSpan.Zero)); // usable afterwards
        l.Release();
    }

    [Fact]
    public void A_waiter_asleep_when_the_holder_dies_is_told_too()
    {
        using var l = new ProcessLock();
        using var ready = new ProcessEvent();
        using var never = new ProcessEvent();
        using var holder = SpindleProcess.Create<ILock, ProcessEvent, ProcessEvent>(Children.HoldLockForever, l, ready, never);
        holder.Start();
        Assert.True(ready.Wait(Children.Patience));
        var waiter = Task.Run(() => l.Acquire(Children.Patience));
        holder.Kill();
        Assert.True(holder.Join(Children.Patience));
        var e = Assert.Throws<AggregateException>(() => waiter.Wait(Children.Patience));
        Assert.IsType<AbandonedLockException>(e.InnerException);
        Assert.Equal(Environment.ProcessId, l.OwnerPid);
        l.Release();
    }
}
