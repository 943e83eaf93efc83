using Spindle.Tests.Support;
using Spindle.Threading;

namespace Spindle.Tests.Threading.Sync;

public class ThreadLockTests : LeakCheckedTest
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void Acquire_and_release_toggle_IsLocked_and_repr()
    {
        var l = new ThreadLock();
        Assert.False(l.IsLocked);
        Assert.Equal("<ThreadLock unlocked>", l.ToString());
        Assert.True(l.Acquire());
        Assert.True(l.IsLocked);
        Assert.Equal("<ThreadLock locked>", l.ToString());
        l.Release();
        Assert.False(l.IsLocked);
    }

    [Fact]
    public void Is_not_reentrant_a_second_acquire_does_not_succeed()
    {
        var l = new ThreadLock();
        l.Acquire();
        Assert.False(l.Acquire(TimeSpan.Zero));
        l.Release();
        Assert.True(l.Acquire(TimeSpan.Zero));
        l.Release();
    }

    [Fact]
    public void Acquire_with_timeout_on_a_held_lock_returns_false_after_the_timeout()
    {
        var l = new ThreadLock();
        l.Acquire();
        bool got = true;
        var elapsed = TestThreads.Time(() => got = l.Acquire(Short));
        Assert.False(got);
        Assert.True(elapsed >= TestThreads.AtLeast(Short), $"returned after {elapsed}");
        Assert.Equal(0, l.WaiterCount);
        l.Release();
    }

    [Fact]
    public void Release_of_an_unlocked_lock_throws()
    {
        var l = new ThreadLock();
        var e = Assert.Throws<SynchronizationLockException>(l.Release);
        Assert.Contains("release unlocked lock", e.Message, StringComparison.Ordinal);
        l.Acquire();
        l.Release();
        Assert.Throws<SynchronizationLockException>(l.Release);
    }

    [Fact]
    public void Negative_timeouts_are_rejected_and_infinite_or_huge_ones_are_accepted()
    {
        var l = new ThreadLock();
        Assert.Throws<ArgumentOutOfRangeException>(() => l.Acquire(TimeSpan.FromMilliseconds(-2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = l.AcquireAsync(TimeSpan.FromMilliseconds(-2)).AsTask(); });
        Assert.True(l.Acquire(TimeSpan.MaxValue)); // longer than any single wait: forever (Deadline's rule)
        l.Release();
        Assert.True(l.Acquire(Timeout.InfiniteTimeSpan));
        l.Release();
    }

    [Fact]
    public void Any_thread_may_release_as_in_Python()
    {
        var l = new ThreadLock();
        l.Acquire();
        var threads = new TestThreads();
        threads.Start(l.Release);
        threads.JoinAll();
        Assert.False(l.IsLocked);
    }

    [Fact]
    public void A_blocked_acquire_proceeds_when_another_thread_releases()
    {
        var l = new ThreadLock();
        l.Acquire();
        var threads = new TestThreads();
        bool got = false;
        threads.Start(() => got = l.Acquire());
        TestThreads.Until(() => l.WaiterCount == 1, "the thread waits for the lock");
        l.Release();
        threads.JoinAll();
        Assert.True(got);
        Assert.True(l.IsLocked);
        l.Release();
    }

    [Fact]
    public void Many_blocked_threads_all_get_the_lock_in_turn()
    {
        var l = new ThreadLock();
        l.Acquire();
        var threads = new TestThreads();
        int done = 0;
        threads.StartMany(6, _ =>
        {
            l.Acquire();
            done++;
            l.Release();
        });
        TestThreads.Until(() => l.WaiterCount == 6, "all six threads wait");
        l.Release();
        threads.JoinAll();
        Assert.Equal(6, done);
        Assert.False(l.IsLocked);
    }

    [Fact]
    public void Counter_guarded_by_the_lock_reaches_the_exact_total()
    {
        const int Threads = 4, Increments = 50_000;
        var l = new ThreadLock();
        long counter = 0;
        var threads = new TestThreads();
        threads.StartMany(Threads, _ =>
        {
            for (int i = 0; i < Increments; i++)
            {
                using (l.EnterScope())
                {
                    counter++;
                }
            }
        });
        threads.JoinAll();
        Assert.Equal(Threads * Increments, counter);
    }

    [Fact]
    public async Task Counter_guarded_by_sync_and_async_acquirers_reaches_the_exact_total()
    {
        const int Increments = 20_000;
        var l = new ThreadLock();
        long counter = 0;
        var threads = new TestThreads();
        threads.StartMany(2, _ =>
        {
            for (int i = 0; i < Increments; i++)
            {
                l.Acquire();
                counter++;
                l.Release();
            }
        });
        var tasks = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < Increments; i++)
            {
                await l.AcquireAsync();
                counter++;
                l.Release();
            }
        })).ToArray();
        Assert.True(Task.WaitAll(tasks, TestThreads.Patience));
        await Task.WhenAll(tasks);
        threads.JoinAll();
        Assert.Equal(4 * Increments, counter);
    }

    [Fact]
    public async Task AcquireAsync_completes_synchronously_when_free_and_waits_when_held()
    {
        var l = new ThreadLock();
        var first = l.AcquireAsync().AsTask();
        Assert.True(first.IsCompletedSuccessfully);
        Assert.True(await first);

        var second = l.AcquireAsync().AsTask();
        TestThreads.Until(() => l.WaiterCount == 1, "the async acquire is queued");
        Assert.False(second.IsCompleted);
        l.Release();
        Assert.True(await second.WaitAsync(TestThreads.Patience));
        Assert.True(l.IsLocked);
        l.Release();
    }

    [Fact]
    public async Task AcquireAsync_with_timeout_returns_false()
    {
        var l = new ThreadLock();
        l.Acquire();
        Assert.False(await l.AcquireAsync(TimeSpan.Zero));
        Assert.False(await l.AcquireAsync(Short));
        Assert.Equal(0, l.WaiterCount);
        l.Release();
        Assert.False(l.IsLocked);
    }

    [Fact]
    public async Task Cancelled_AcquireAsync_throws_and_never_leaves_the_lock_held()
    {
        var l = new ThreadLock();
        l.Acquire();
        using var cts = new CancellationTokenSource();
        var waiting = l.AcquireAsync(cancellationToken: cts.Token).AsTask();
        TestThreads.Until(() => l.WaiterCount == 1, "the async acquire is queued");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TestThreads.Patience));
        Assert.Equal(0, l.WaiterCount);
        l.Release();
        Assert.False(l.IsLocked);
        Assert.True(l.Acquire(TimeSpan.Zero));
        l.Release();
    }

    [Fact]
    public async Task AcquireAsync_with_an_already_cancelled_token_throws_without_acquiring()
    {
        var l = new ThreadLock();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => l.AcquireAsync(cancellationToken: new CancellationToken(true)).AsTask());
        Assert.False(l.IsLocked);
    }

    [Fact]
    public async Task EnterScopeAsync_holds_the_lock_for_the_scope()
    {
        var l = new ThreadLock();
        using (await l.EnterScopeAsync())
        {
            Assert.True(l.IsLocked);
        }
        Assert.False(l.IsLocked);
    }
}
