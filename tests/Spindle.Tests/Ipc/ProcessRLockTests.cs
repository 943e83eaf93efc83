using Spindle.Ipc;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary><see cref="ProcessRLock"/>: re-entrance, owner checks (process and thread), abandonment.</summary>
public sealed class ProcessRLockTests : LeakCheckedTest
{
    [Fact]
    public void The_owner_thread_reenters_and_releases_as_many_times()
    {
        using var r = new ProcessRLock();
        Assert.True(r.Acquire());
        Assert.True(r.Acquire(TimeSpan.Zero));
        Assert.Equal(2, r.RecursionCount);
        Assert.True(r.IsOwnedByCurrentThread);
        r.Release();
        Assert.True(r.IsOwnedByCurrentThread);
        r.Release();
        Assert.False(r.IsOwnedByCurrentThread);
        Assert.Equal(0, r.RecursionCount);
        Assert.Throws<SynchronizationLockException>(r.Release);
    }

    [Fact]
    public void Another_thread_can_neither_enter_nor_release_it()
    {
        using var r = new ProcessRLock();
        r.Acquire();
        bool? took = null;
        Exception? releaseError = null;
        var t = new Thread(() =>
        {
            took = r.Acquire(TimeSpan.FromMilliseconds(50));
            try { r.Release(); }
            catch (SynchronizationLockException e) { releaseError = e; }
        });
        t.Start();
        Assert.True(t.Join(Children.Patience));
        Assert.False(took);
        Assert.NotNull(releaseError);
        r.Release();
    }

    internal static void SeeLocked(ProcessRLock r, SharedValue<int> seen) => seen.Value = r.IsLocked ? 1 : 2;

    internal static void ReportLocked(ProcessRLock r, SharedValue<int> seen)
    {
        seen.Value = r.IsLocked ? 1 : 2;
        r.Acquire();
        r.Acquire();
        r.Release();
        seen.Value += r.IsLocked ? 10 : 20; // still held once
        r.Release();
        seen.Value += r.IsLocked ? 100 : 200;
    }

    internal static void TakeAndExit(ProcessRLock r) => r.Acquire();

    [Fact]
    public void IsLocked_is_seen_by_every_process_at_any_depth()
    {
        using var r = new ProcessRLock();
        using var seen = new SharedValue<int>(0);
        Assert.False(r.IsLocked);
        r.Acquire();
        r.Acquire();
        r.Release();
        Assert.True(r.IsLocked); // held once more
        Children.RunAll(SpindleProcess.Create(SeeLocked, r, seen));
        Assert.Equal(1, seen.Value);
        r.Release();
        Assert.False(r.IsLocked);
        Children.RunAll(SpindleProcess.Create(ReportLocked, r, seen));
        Assert.Equal(212, seen.Value); // free, then held after one of two releases, then free after both
        Assert.False(r.IsLocked);
        Children.RunAll(SpindleProcess.Create(TakeAndExit, r));
        Assert.True(r.IsLocked); // the dead child's hold stands until someone takes the lock over
        Assert.Throws<AbandonedLockException>(() => r.Acquire(Children.Patience));
        r.Release();
        Assert.False(r.IsLocked);
    }

    internal static void TryRelease(ProcessRLock r, SharedValue<int> outcome)
    {
        try
        {
            r.Release();
            outcome.Value = 1;
        }
        catch (SynchronizationLockException)
        {
            outcome.Value = 2;
        }
        outcome.Value += r.Acquire(TimeSpan.Zero) ? 10 : 20;
    }

    [Fact]
    public void Another_process_can_neither_release_nor_take_it()
    {
        using var r = new ProcessRLock();
        using var outcome = new SharedValue<int>(0);
        r.Acquire();
        Children.RunAll(SpindleProcess.Create(TryRelease, r, outcome));
        Assert.Equal(22, outcome.Value);
        Assert.True(r.IsOwnedByCurrentThread);
        r.Release();
    }

    [Fact]
    public void AcquireAsync_reenters_and_waits()
    {
        using var r = new ProcessRLock();
        // An RLock belongs to a thread, so the owner's side runs on one thread without awaits.
        Assert.True(r.AcquireAsync().AsTask().GetAwaiter().GetResult());
        Assert.True(r.AcquireAsync().AsTask().GetAwaiter().GetResult());
        Assert.Equal(2, r.RecursionCount);
        r.Release();
        bool? other = null;
        var t = new Thread(() => other = r.AcquireAsync(TimeSpan.FromMilliseconds(50)).AsTask().GetAwaiter().GetResult());
        t.Start();
        Assert.True(t.Join(Children.Patience));
        Assert.False(other);
        r.Release();
        Assert.Throws<ArgumentOutOfRangeException>(() => r.Acquire(TimeSpan.FromSeconds(-3)));
    }

    [Fact]
    public void A_process_killed_holding_it_is_reported_and_the_acquirer_holds_it_once()
    {
        using var r = new ProcessRLock();
        using var ready = new ProcessEvent();
        using var never = new ProcessEvent();
        using var holder = SpindleProcess.Create<ILock, ProcessEvent, ProcessEvent>(Children.HoldLockForever, r, ready, never);
        holder.Start();
        try
        {
            Assert.True(ready.Wait(Children.Patience));
        }
        finally
        {
            holder.Kill();
            Assert.True(holder.Join(Children.Patience));
        }
        var e = Assert.Throws<AbandonedLockException>(() => r.Acquire(TimeSpan.FromMilliseconds(10)));
        Assert.Equal(holder.Pid, e.DeadOwnerPid);
        Assert.True(r.IsOwnedByCurrentThread);
        Assert.Equal(1, r.RecursionCount);
        r.Release();
        Assert.False(r.IsOwnedByCurrentThread);
        Assert.True(r.Acquire(TimeSpan.Zero));
        r.Release();
    }
}
