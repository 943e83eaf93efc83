using Spindle.Ipc;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary><see cref="ProcessCondition"/>: seed 002's stages across processes, notify counts, timeouts, errors.</summary>
public sealed class ProcessConditionTests : LeakCheckedTest
{
    /// <summary>Seed 002's condition stages: a consumer waits for the producer's stage, then advances it.</summary>
    internal static void Consumer(ProcessCondition cond, SharedValue<int> stage)
    {
        using (cond.EnterScope())
        {
            Assert.True(cond.WaitFor(() => stage.Value == 1, Children.Patience));
            stage.Value = 2;
            cond.NotifyAll();
        }
    }

    [Fact]
    public void Seed_002_stages_hand_over_between_processes()
    {
        using var cond = new ProcessCondition();
        using var stage = new SharedValue<int>(0);
        using var consumer = SpindleProcess.Create(Consumer, cond, stage);
        consumer.Start();
        using (cond.EnterScope())
        {
            stage.Value = 1;
            cond.NotifyAll();
            Assert.True(cond.WaitFor(() => stage.Value == 2, Children.Patience));
        }
        Children.RunAll(consumer);
    }

    [Fact]
    public void Notify_wakes_exactly_n_waiters()
    {
        using var cond = new ProcessCondition(new ProcessLock());
        using var woken = new SharedValue<int>(0, lockEnabled: false);
        using var ready = new ProcessSemaphore(0);
        var threads = new Thread[3];
        for (int i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(() =>
            {
                cond.Acquire();
                ready.Release();
                if (cond.Wait(Children.Patience)) woken.Increment();
                cond.Release();
            });
            threads[i].Start();
        }
        for (int i = 0; i < threads.Length; i++) Assert.True(ready.Acquire(Children.Patience));
        cond.Acquire(); // every waiter has released the lock inside Wait once we get it
        cond.Notify(2);
        cond.Release();
        Assert.True(SpinWait.SpinUntil(() => woken.Value == 2, Children.Patience));
        cond.Acquire();
        cond.Notify(5); // only one left
        cond.Release();
        foreach (var t in threads) Assert.True(t.Join(Children.Patience));
        Assert.Equal(3, woken.Value);
    }

    [Fact]
    public void A_wait_times_out_and_reacquires_and_does_not_swallow_a_later_notify()
    {
        using var cond = new ProcessCondition();
        using (cond.EnterScope())
        {
            Assert.False(cond.Wait(TimeSpan.FromMilliseconds(50)));
            Assert.True(((ProcessRLock)cond.Lock).IsOwnedByCurrentThread);
            cond.Notify(); // nobody waits: nothing to hand out
            Assert.False(cond.Wait(TimeSpan.FromMilliseconds(20)));
            Assert.False(cond.WaitFor(() => false, TimeSpan.FromMilliseconds(30)));
        }
        Assert.Equal($"<ProcessCondition({cond.Lock}, waiting=0)>", cond.ToString());
    }

    [Fact]
    public void Wait_and_notify_need_the_lock()
    {
        using var cond = new ProcessCondition();
        Assert.Throws<SynchronizationLockException>(() => cond.Wait(TimeSpan.Zero));
        Assert.Throws<SynchronizationLockException>(() => cond.Notify());
        Assert.Throws<SynchronizationLockException>(cond.NotifyAll);
        using (cond.EnterScope())
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => cond.Notify(-1));
            Assert.Throws<ArgumentOutOfRangeException>(() => cond.Wait(TimeSpan.FromMilliseconds(-3)));
        }
        Assert.Throws<ArgumentNullException>(() => new ProcessCondition((ProcessLock)null!));
    }

    [Fact]
    public void The_rlock_depth_is_restored_after_a_wait()
    {
        using var rlock = new ProcessRLock();
        using var cond = new ProcessCondition(rlock);
        rlock.Acquire();
        rlock.Acquire();
        Assert.False(cond.Wait(TimeSpan.FromMilliseconds(10)));
        Assert.Equal(2, rlock.RecursionCount);
        rlock.Release();
        rlock.Release();
    }

    [Fact]
    public async Task WaitAsync_is_woken_by_a_notify_and_can_be_cancelled()
    {
        using var cond = new ProcessCondition(new ProcessLock());
        Assert.True(await cond.AcquireAsync());
        var waiting = cond.WaitAsync().AsTask();
        Assert.True(await cond.AcquireAsync(Children.Patience)); // the wait released it
        cond.Notify();
        cond.Release();
        Assert.True(await waiting.WaitAsync(Children.Patience));
        cond.Release(); // the wait re-acquired it
        Assert.True(await cond.AcquireAsync());
        using var cts = new CancellationTokenSource();
        var cancelled = cond.WaitAsync(null, cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Children.Patience));
        cond.Release(); // held again after the cancelled wait
        Assert.True(await cond.AcquireAsync());
        Assert.False(await cond.WaitForAsync(() => false, TimeSpan.FromMilliseconds(20)));
        cond.Release();
    }
}
