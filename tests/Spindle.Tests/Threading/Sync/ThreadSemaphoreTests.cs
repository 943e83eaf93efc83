using System.Collections.Concurrent;
using Spindle.Tests.Support;
using Spindle.Threading;

namespace Spindle.Tests.Threading.Sync;

public class ThreadSemaphoreTests : LeakCheckedTest
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void Default_value_is_one_and_a_negative_value_is_rejected()
    {
        Assert.Equal(1, new ThreadSemaphore().Value);
        Assert.Equal(0, new ThreadSemaphore(0).Value);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThreadSemaphore(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThreadBoundedSemaphore(-1));
    }

    [Fact]
    public void Acquire_takes_units_until_zero_then_times_out()
    {
        var s = new ThreadSemaphore(2);
        Assert.True(s.Acquire());
        Assert.True(s.Acquire(TimeSpan.Zero));
        Assert.Equal(0, s.Value);
        Assert.False(s.Acquire(TimeSpan.Zero));
        bool got = true;
        var elapsed = TestThreads.Time(() => got = s.Acquire(Short));
        Assert.False(got);
        Assert.True(elapsed >= TestThreads.AtLeast(Short), $"returned after {elapsed}");
        Assert.Equal(0, s.WaiterCount);
        Assert.Equal("<ThreadSemaphore value=0>", s.ToString());
    }

    [Fact]
    public void Release_n_adds_n_units_and_rejects_n_below_one()
    {
        var s = new ThreadSemaphore(0);
        s.Release(3);
        Assert.Equal(3, s.Value);
        s.Release();
        Assert.Equal(4, s.Value);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Release(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Release(-1));
        Assert.Equal(4, s.Value);
    }

    [Fact]
    public void Release_n_wakes_exactly_n_waiters_in_arrival_order()
    {
        var s = new ThreadSemaphore(0);
        var order = new ConcurrentQueue<int>();
        var threads = new TestThreads();
        for (int i = 0; i < 3; i++)
        {
            int n = i;
            threads.Start(() =>
            {
                Assert.True(s.Acquire(TestThreads.Patience));
                order.Enqueue(n);
            });
            TestThreads.Until(() => s.WaiterCount == n + 1, $"waiter {n} is queued");
        }
        s.Release(2);
        TestThreads.Until(() => order.Count == 2, "two waiters got a unit");
        Assert.Equal(1, s.WaiterCount); // the third is still queued: units went to exactly two
        Assert.Equal(0, s.Value);
        Assert.Equal([0, 1], order.Order());
        s.Release();
        threads.JoinAll();
        // Waiters 0 and 1 were woken together and may record themselves in either order; waiter 2 was left queued.
        Assert.Equal([0, 1, 2], order.Order());
        Assert.Equal(2, order.Last());
        Assert.Equal(0, s.Value);
    }

    [Fact]
    public void Semaphore_limits_concurrency()
    {
        const int Limit = 2;
        var s = new ThreadSemaphore(Limit);
        int inside = 0, maxInside = 0;
        var threads = new TestThreads();
        threads.StartMany(5, _ =>
        {
            for (int i = 0; i < 2_000; i++)
            {
                using (s.EnterScope())
                {
                    int now = Interlocked.Increment(ref inside);
                    int seen;
                    while (now > (seen = Volatile.Read(ref maxInside)) && Interlocked.CompareExchange(ref maxInside, now, seen) != seen) { }
                    Interlocked.Decrement(ref inside);
                }
            }
        });
        threads.JoinAll();
        Assert.InRange(maxInside, 1, Limit);
        Assert.Equal(Limit, s.Value);
    }

    [Fact]
    public async Task AcquireAsync_waits_for_a_release_and_times_out()
    {
        var s = new ThreadSemaphore(0);
        Assert.False(await s.AcquireAsync(TimeSpan.Zero));
        Assert.False(await s.AcquireAsync(Short));
        var waiting = s.AcquireAsync().AsTask();
        TestThreads.Until(() => s.WaiterCount == 1, "the async acquire is queued");
        s.Release();
        Assert.True(await waiting.WaitAsync(TestThreads.Patience));
        Assert.Equal(0, s.Value);
    }

    [Fact]
    public async Task Cancelled_AcquireAsync_throws_and_takes_no_unit()
    {
        var s = new ThreadSemaphore(0);
        using var cts = new CancellationTokenSource();
        var waiting = s.AcquireAsync(cancellationToken: cts.Token).AsTask();
        TestThreads.Until(() => s.WaiterCount == 1, "the async acquire is queued");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TestThreads.Patience));
        Assert.Equal(0, s.WaiterCount);
        s.Release();
        Assert.Equal(1, s.Value); // the unit was not handed to the cancelled waiter
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => s.AcquireAsync(cancellationToken: new CancellationToken(true)).AsTask());
        Assert.Equal(1, s.Value);
    }

    [Fact]
    public void Negative_timeout_is_rejected()
    {
        var s = new ThreadSemaphore();
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Acquire(TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = s.AcquireAsync(TimeSpan.FromSeconds(-1)).AsTask(); });
        Assert.Equal(1, s.Value);
    }

    [Fact]
    public void Unbounded_semaphore_refuses_to_overflow()
    {
        var s = new ThreadSemaphore(int.MaxValue);
        Assert.Throws<SemaphoreFullException>(s.Release);
        Assert.Equal(int.MaxValue, s.Value);
    }

    [Fact]
    public void Bounded_semaphore_refuses_release_above_its_initial_value_and_keeps_its_counter()
    {
        var s = new ThreadBoundedSemaphore(2);
        var e = Assert.Throws<SemaphoreFullException>(s.Release);
        Assert.Contains("released too many times", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, s.Value);
        s.Acquire();
        Assert.Throws<SemaphoreFullException>(() => s.Release(2));
        Assert.Equal(1, s.Value);
        s.Release();
        Assert.Equal(2, s.Value);
        Assert.Equal("<ThreadBoundedSemaphore value=2>", s.ToString());
    }

    [Fact]
    public void Bounded_semaphore_hands_units_to_waiters_within_its_bound()
    {
        var s = new ThreadBoundedSemaphore(1);
        s.Acquire();
        var threads = new TestThreads();
        threads.Start(() =>
        {
            s.Acquire();
            s.Release();
        });
        TestThreads.Until(() => s.WaiterCount == 1, "the thread waits for a unit");
        s.Release();
        threads.JoinAll();
        Assert.Equal(1, s.Value);
        Assert.Throws<SemaphoreFullException>(s.Release);
    }
}
