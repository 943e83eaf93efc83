using System.Collections.Concurrent;
using Spindle.Tests.Support;
using Spindle.Threading;

namespace Spindle.Tests.Threading.Sync;

public class ThreadConditionTests : LeakCheckedTest
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void The_default_lock_is_a_new_RLock()
    {
        var c = new ThreadCondition();
        var l = Assert.IsType<ThreadRLock>(c.UnderlyingLock);
        c.Acquire();
        c.Acquire();
        Assert.Equal(2, l.RecursionCount);
        Assert.StartsWith("<Condition(<ThreadRLock locked", c.ToString(), StringComparison.Ordinal);
        c.Release();
        c.Release();
        Assert.False(l.IsLocked);
    }

    [Fact]
    public void Wait_and_notify_without_the_lock_throw()
    {
        var c = new ThreadCondition();
        var wait = Assert.Throws<SynchronizationLockException>(() => c.Wait(TimeSpan.Zero));
        Assert.Contains("cannot wait on un-acquired lock", wait.Message, StringComparison.Ordinal);
        Assert.Throws<SynchronizationLockException>(() => c.WaitFor(() => true));
        var notify = Assert.Throws<SynchronizationLockException>(() => c.Notify());
        Assert.Contains("cannot notify on un-acquired lock", notify.Message, StringComparison.Ordinal);
        Assert.Throws<SynchronizationLockException>(c.NotifyAll);
        Assert.Throws<SynchronizationLockException>(() => { _ = c.WaitAsync(TimeSpan.Zero).AsTask(); });
        Assert.Throws<SynchronizationLockException>(() => { _ = c.WaitForAsync(() => true).AsTask(); });
    }

    [Fact]
    public void Wait_and_notify_from_a_thread_that_does_not_hold_the_RLock_throw()
    {
        var c = new ThreadCondition();
        c.Acquire();
        var threads = new TestThreads();
        threads.Start(() =>
        {
            Assert.Throws<SynchronizationLockException>(() => c.Wait(TimeSpan.Zero));
            Assert.Throws<SynchronizationLockException>(() => c.Notify());
        });
        threads.JoinAll();
        c.Release();
    }

    [Fact]
    public void Wait_times_out_returning_false_and_holding_the_lock_again()
    {
        var c = new ThreadCondition();
        c.Acquire();
        bool notified = true;
        var elapsed = TestThreads.Time(() => notified = c.Wait(Short));
        Assert.False(notified);
        Assert.True(elapsed >= TestThreads.AtLeast(Short), $"returned after {elapsed}");
        Assert.Equal(1, ((ThreadRLock)c.UnderlyingLock).RecursionCount);
        Assert.Equal(0, c.WaiterCount);
        c.Release();
    }

    [Fact]
    public void Negative_timeouts_and_counts_are_rejected()
    {
        var c = new ThreadCondition();
        c.Acquire();
        Assert.Throws<ArgumentOutOfRangeException>(() => c.Wait(TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.WaitFor(() => false, TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.Notify(-1));
        Assert.Throws<ArgumentNullException>(() => c.WaitFor(null!));
        c.Notify(0); // Python: notify(0) wakes nobody
        c.Release();
    }

    [Fact]
    public void A_notified_waiter_returns_true_with_the_RLock_restored_to_every_level()
    {
        var c = new ThreadCondition();
        var l = (ThreadRLock)c.UnderlyingLock;
        var threads = new TestThreads();
        bool notified = false;
        int countAfter = 0;
        threads.Start(() =>
        {
            c.Acquire();
            c.Acquire();
            notified = c.Wait(TestThreads.Patience);
            countAfter = l.RecursionCount;
            c.Release();
            c.Release();
        });
        TestThreads.Until(() => c.WaiterCount == 1, "the thread waits");
        // The waiter released both levels: this thread can take the lock now.
        Assert.True(c.Acquire(TestThreads.Patience));
        Assert.Equal(1, l.RecursionCount);
        c.Notify();
        c.Release();
        threads.JoinAll();
        Assert.True(notified);
        Assert.Equal(2, countAfter);
        Assert.False(l.IsLocked);
    }

    [Fact]
    public void Notify_n_wakes_exactly_n_waiters_oldest_first()
    {
        var c = new ThreadCondition();
        var woken = new ConcurrentQueue<int>();
        var threads = new TestThreads();
        for (int i = 0; i < 5; i++)
        {
            int n = i;
            threads.Start(() =>
            {
                c.Acquire();
                try
                {
                    Assert.True(c.Wait(TestThreads.Patience));
                    woken.Enqueue(n);
                }
                finally
                {
                    c.Release();
                }
            });
            TestThreads.Until(() => c.WaiterCount == n + 1, $"waiter {n} is queued");
        }
        c.Acquire();
        c.Notify(2);
        Assert.Equal(3, c.WaiterCount); // exactly two left the queue
        c.Release();
        TestThreads.Until(() => woken.Count == 2, "two waiters woke");
        Assert.Equal([0, 1], woken.Order());
        Assert.Equal(3, c.WaiterCount);

        c.Acquire();
        c.Notify();
        c.Release();
        TestThreads.Until(() => woken.Count == 3, "the third waiter woke");
        Assert.Equal(2, woken.Last());

        c.Acquire();
        c.NotifyAll();
        Assert.Equal(0, c.WaiterCount);
        c.Release();
        threads.JoinAll();
        Assert.Equal([0, 1, 2, 3, 4], woken.Order());
    }

    [Fact]
    public void Notify_with_no_waiters_does_nothing()
    {
        var c = new ThreadCondition(new ThreadLock());
        c.Acquire();
        c.Notify(3);
        c.NotifyAll();
        Assert.False(c.Wait(TimeSpan.Zero)); // an earlier notify is not remembered
        c.Release();
    }

    [Fact]
    public void Works_over_a_plain_ThreadLock()
    {
        var l = new ThreadLock();
        var c = new ThreadCondition(l);
        Assert.Throws<SynchronizationLockException>(() => c.Wait(TimeSpan.Zero));
        var items = new Queue<int>();
        var threads = new TestThreads();
        int received = 0;
        threads.Start(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                using (c.EnterScope())
                {
                    Assert.True(c.WaitFor(() => items.Count > 0, TestThreads.Patience));
                    received += items.Dequeue();
                }
            }
        });
        for (int i = 1; i <= 100; i++)
        {
            using (c.EnterScope())
            {
                items.Enqueue(i);
                c.Notify();
            }
        }
        threads.JoinAll();
        Assert.Equal(5050, received);
        Assert.False(l.IsLocked);
    }

    [Fact]
    public void Works_over_a_foreign_ILock_as_Python_does_for_locks_without_is_owned()
    {
        var s = new ThreadSemaphore(1);
        var c = new ThreadCondition(s);
        Assert.Throws<SynchronizationLockException>(() => c.Notify());
        c.Acquire();
        Assert.Equal(0, s.Value);
        Assert.False(c.Wait(TimeSpan.FromMilliseconds(20)));
        Assert.Equal(0, s.Value); // re-acquired after the wait
        c.Release();
        Assert.Equal(1, s.Value);
    }

    [Fact]
    public void Another_condition_can_serve_as_the_lock()
    {
        var inner = new ThreadCondition();
        var c = new ThreadCondition(inner);
        Assert.Throws<SynchronizationLockException>(() => c.Wait(TimeSpan.Zero));
        inner.Acquire();
        inner.Acquire();
        Assert.False(c.Wait(TimeSpan.FromMilliseconds(20)));
        var rlock = (ThreadRLock)inner.UnderlyingLock;
        Assert.Equal(2, rlock.RecursionCount);
        inner.Release();
        inner.Release();
        Assert.False(rlock.IsLocked);
    }

    [Fact]
    public void WaitFor_returns_at_once_when_the_predicate_holds()
    {
        var c = new ThreadCondition();
        c.Acquire();
        int calls = 0;
        Assert.True(c.WaitFor(() => ++calls > 0, TimeSpan.Zero));
        Assert.Equal(1, calls);
        c.Release();
    }

    [Fact]
    public void WaitFor_honours_the_overall_timeout_and_returns_the_last_value()
    {
        var c = new ThreadCondition();
        c.Acquire();
        int calls = 0;
        bool result = true;
        var elapsed = TestThreads.Time(() => result = c.WaitFor(() => { calls++; return false; }, Short));
        Assert.False(result);
        Assert.True(calls >= 2, $"predicate evaluated {calls} times"); // before waiting and after the timed-out wait
        Assert.True(elapsed >= TestThreads.AtLeast(Short), $"returned after {elapsed}");
        c.Release();
    }

    [Fact]
    public void WaitFor_keeps_waiting_through_notifications_until_the_predicate_holds()
    {
        var c = new ThreadCondition();
        int value = 0;
        var threads = new TestThreads();
        bool result = false;
        threads.Start(() =>
        {
            using (c.EnterScope()) result = c.WaitFor(() => value >= 3, TestThreads.Patience);
        });
        for (int i = 1; i <= 3; i++)
        {
            TestThreads.Until(() => c.WaiterCount == 1, "the thread waits");
            using (c.EnterScope())
            {
                value = i;
                c.NotifyAll();
            }
        }
        threads.JoinAll();
        Assert.True(result);
    }

    [Fact]
    public async Task WaitAsync_is_notified_times_out_and_cancels_holding_the_lock_afterwards()
    {
        var l = new ThreadLock();
        var c = new ThreadCondition(l);

        await c.AcquireAsync();
        Assert.False(await c.WaitAsync(Short));
        Assert.True(l.IsLocked);

        var waiting = c.WaitAsync(TestThreads.Patience).AsTask();
        Assert.False(l.IsLocked); // released while waiting
        Assert.Equal(1, c.WaiterCount);
        c.Acquire();
        c.Notify();
        c.Release();
        Assert.True(await waiting.WaitAsync(TestThreads.Patience));
        Assert.True(l.IsLocked);

        using var cts = new CancellationTokenSource();
        var cancelled = c.WaitAsync(cancellationToken: cts.Token).AsTask();
        Assert.False(l.IsLocked);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TestThreads.Patience));
        Assert.True(l.IsLocked); // re-acquired before throwing
        Assert.Equal(0, c.WaiterCount);
        c.Release();
    }

    [Fact]
    public async Task The_thread_that_resumes_after_an_async_wait_owns_the_RLock_however_the_wake_up_races()
    {
        // The notifier re-acquires for the waiter; the waiter's code may resume on another thread (its await can find
        // the wait already complete and be scheduled elsewhere). Many rounds make that interleaving happen.
        for (var round = 0; round < 1000; round++)
        {
            var c = new ThreadCondition();
            var l = (ThreadRLock)c.UnderlyingLock;
            var waiter = Task.Run(async () =>
            {
                c.Acquire();
                c.Acquire();
                Assert.True(await c.WaitAsync(TestThreads.Patience));
                Assert.True(l.IsOwnedByCurrentThread);
                Assert.Equal(2, l.RecursionCount);
                c.Release();
                Assert.True(await c.WaitForAsync(() => true));
                c.Release();
            });
            TestThreads.Until(() => c.WaiterCount == 1 || waiter.IsCompleted, "the task waits");
            c.Acquire();
            c.Notify();
            c.Release();
            await waiter.WaitAsync(TestThreads.Patience);
            Assert.False(l.IsLocked);
        }
    }

    [Fact]
    public async Task WaitForAsync_returns_the_predicate_and_honours_timeout()
    {
        var c = new ThreadCondition(new ThreadLock());
        bool flag = false;
        await c.AcquireAsync();
        Assert.False(await c.WaitForAsync(() => flag, Short));
        var waiting = c.WaitForAsync(() => flag, TestThreads.Patience).AsTask();
        c.Acquire();
        flag = true;
        c.NotifyAll();
        c.Release();
        Assert.True(await waiting.WaitAsync(TestThreads.Patience));
        c.Release();
    }
}
