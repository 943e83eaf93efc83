using Spindle.Tests.Support;
using Spindle.Threading;

namespace Spindle.Tests.Threading.Sync;

public class ThreadRLockTests : LeakCheckedTest
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void The_owner_reenters_and_must_release_as_often()
    {
        var l = new ThreadRLock();
        Assert.Equal(0, l.RecursionCount);
        Assert.False(l.IsOwnedByCurrentThread);
        Assert.True(l.Acquire());
        Assert.True(l.Acquire());
        Assert.True(l.Acquire(TimeSpan.Zero));
        Assert.Equal(3, l.RecursionCount);
        Assert.True(l.IsOwnedByCurrentThread);
        Assert.Contains("count=3", l.ToString(), StringComparison.Ordinal);
        l.Release();
        l.Release();
        Assert.True(l.IsLocked);
        Assert.Equal(1, l.RecursionCount);
        l.Release();
        Assert.False(l.IsLocked);
        Assert.False(l.IsOwnedByCurrentThread);
        Assert.Equal("<ThreadRLock unlocked owner=0 count=0>", l.ToString());
    }

    [Fact]
    public void Another_thread_cannot_acquire_while_owned_and_sees_no_ownership()
    {
        var l = new ThreadRLock();
        l.Acquire();
        l.Acquire();
        var threads = new TestThreads();
        bool got = true, owned = true;
        int count = -1;
        TimeSpan elapsed = default;
        threads.Start(() =>
        {
            owned = l.IsOwnedByCurrentThread;
            count = l.RecursionCount;
            elapsed = TestThreads.Time(() => got = l.Acquire(Short));
        });
        threads.JoinAll();
        Assert.False(got);
        Assert.False(owned);
        Assert.Equal(0, count);
        Assert.True(elapsed >= TestThreads.AtLeast(Short), $"returned after {elapsed}");
        l.Release();
        l.Release();
    }

    [Fact]
    public void Release_by_a_thread_that_does_not_own_it_throws_and_changes_nothing()
    {
        var l = new ThreadRLock();
        l.Acquire();
        var threads = new TestThreads();
        SynchronizationLockException? error = null;
        threads.Start(() => error = Assert.Throws<SynchronizationLockException>(l.Release));
        threads.JoinAll();
        Assert.NotNull(error);
        Assert.Contains("cannot release un-acquired lock", error.Message, StringComparison.Ordinal);
        Assert.Contains("owned by thread", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, l.RecursionCount);
        l.Release();
    }

    [Fact]
    public void Release_when_not_held_throws()
    {
        var l = new ThreadRLock();
        var e = Assert.Throws<SynchronizationLockException>(l.Release);
        Assert.Contains("not held", e.Message, StringComparison.Ordinal);
        l.Acquire();
        l.Release();
        Assert.Throws<SynchronizationLockException>(l.Release);
    }

    [Fact]
    public void A_waiting_thread_gets_the_lock_only_after_every_level_is_released()
    {
        var l = new ThreadRLock();
        l.Acquire();
        l.Acquire();
        var threads = new TestThreads();
        var acquired = new ThreadEvent();
        threads.Start(() =>
        {
            l.Acquire();
            acquired.Set();
            l.Release();
        });
        l.Release();
        Assert.False(acquired.Wait(Short)); // still held once
        l.Release();
        Assert.True(acquired.Wait(TestThreads.Patience));
        threads.JoinAll();
    }

    [Fact]
    public void Negative_timeout_is_rejected()
    {
        var l = new ThreadRLock();
        Assert.Throws<ArgumentOutOfRangeException>(() => l.Acquire(TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = l.AcquireAsync(TimeSpan.FromSeconds(-1)).AsTask(); });
    }

    [Fact]
    public void Counter_with_nested_acquires_reaches_the_exact_total()
    {
        const int Threads = 4, Increments = 20_000;
        var l = new ThreadRLock();
        long counter = 0;
        var threads = new TestThreads();
        threads.StartMany(Threads, _ =>
        {
            for (int i = 0; i < Increments; i++)
            {
                using (l.EnterScope())
                using (l.EnterScope())
                {
                    counter++;
                }
            }
        });
        threads.JoinAll();
        Assert.Equal(Threads * Increments, counter);
        Assert.False(l.IsLocked);
    }

    [Fact]
    public async Task AcquireAsync_reenters_at_once_on_the_owning_thread()
    {
        // Run off xunit's synchronization context: ownership is per thread.
        await Task.Run(async () =>
        {
            var l = new ThreadRLock();
            l.Acquire();
            var again = l.AcquireAsync().AsTask();
            Assert.True(again.IsCompletedSuccessfully);
            Assert.True(await again);
            Assert.Equal(2, l.RecursionCount);
            l.Release();
            l.Release();
            Assert.False(l.IsLocked);
        });
    }

    [Fact]
    public async Task AcquireAsync_makes_the_thread_that_completes_the_wait_the_owner()
    {
        var l = new ThreadRLock();
        var holderReady = new ThreadEvent();
        var releaseHolder = new ThreadEvent();
        var threads = new TestThreads();
        threads.Start(() =>
        {
            l.Acquire();
            holderReady.Set();
            releaseHolder.Wait(TestThreads.Patience);
            l.Release();
        });
        Assert.True(holderReady.Wait(TestThreads.Patience));
        var waiter = Task.Run(async () =>
        {
            Assert.True(await l.AcquireAsync());
            Assert.True(l.IsOwnedByCurrentThread);
            Assert.Equal(1, l.RecursionCount);
            Assert.True(l.Acquire(TimeSpan.Zero)); // re-entrant on this thread
            l.Release();
            l.Release();
        });
        releaseHolder.Set();
        await waiter.WaitAsync(TestThreads.Patience);
        threads.JoinAll();
        Assert.False(l.IsLocked);
    }

    [Fact]
    public async Task AcquireAsync_times_out_and_cancels_without_taking_the_lock()
    {
        var l = new ThreadRLock();
        var holderReady = new ThreadEvent();
        var releaseHolder = new ThreadEvent();
        var threads = new TestThreads();
        threads.Start(() =>
        {
            l.Acquire();
            holderReady.Set();
            releaseHolder.Wait(TestThreads.Patience);
            l.Release();
        });
        Assert.True(holderReady.Wait(TestThreads.Patience));
        Assert.False(await l.AcquireAsync(Short));
        using var cts = new CancellationTokenSource();
        var cancelled = l.AcquireAsync(cancellationToken: cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TestThreads.Patience));
        releaseHolder.Set();
        threads.JoinAll();
        Assert.False(l.IsLocked);
    }
}
