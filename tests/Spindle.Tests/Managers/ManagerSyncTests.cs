using Spindle.Managers;
using Spindle.Processes;
using Spindle.Tests.Ipc;
using Spindle.Tests.Support;

namespace Spindle.Tests.Managers;

/// <summary>Queue, lock, rlock, semaphore, condition, event and barrier proxies, within this process and across children.</summary>
public sealed class ManagerSyncTests : LeakCheckedTest
{
    internal static void CountUnderLock(LockProxy mutex, DictProxy<string, int> counter, int times)
    {
        for (var i = 0; i < times; i++)
        {
            using (mutex.EnterScope()) counter["n"] = counter["n"] + 1;
        }
    }

    [Fact]
    public void A_lock_makes_read_modify_write_atomic_across_processes()
    {
        using var manager = Manager.StartNew();
        using var mutex = manager.Lock();
        using var counter = manager.Dict<string, int>();
        counter["n"] = 0;
        Children.RunAll(
            new SpindleProcess(() => CountUnderLock(mutex, counter, 100)),
            new SpindleProcess(() => CountUnderLock(mutex, counter, 100)));
        Assert.Equal(200, counter["n"]);
        Assert.True(mutex.Acquire(TimeSpan.Zero));
        Assert.False(mutex.Acquire(TimeSpan.Zero));
        var other = new Thread(mutex.Release); // any thread may release a plain lock
        other.Start();
        other.Join();
        Assert.True(mutex.Acquire(TimeSpan.Zero));
        mutex.Release();
        Assert.Throws<SynchronizationLockException>(mutex.Release);
    }

    [Fact]
    public void An_rlock_is_owned_by_the_thread_that_acquired_it()
    {
        using var manager = Manager.StartNew();
        using var rlock = manager.RLock();
        Assert.True(rlock.Acquire());
        Assert.True(rlock.Acquire(TimeSpan.Zero)); // re-entered
        Exception? fromOther = null;
        bool? otherAcquired = null;
        var other = new Thread(() =>
        {
            otherAcquired = rlock.Acquire(TimeSpan.Zero);
            fromOther = Record.Exception(rlock.Release);
        });
        other.Start();
        other.Join();
        Assert.False(otherAcquired);
        Assert.IsType<SynchronizationLockException>(fromOther);
        rlock.Release();
        rlock.Release();
        Assert.Throws<SynchronizationLockException>(rlock.Release);
    }

    internal static void HoldUntilSet(LockProxy held, EventProxy taken, EventProxy release)
    {
        held.Acquire();
        taken.Set();
        release.Wait();
        held.Release();
    }

    [Fact]
    public void An_rlock_held_by_a_child_is_free_for_the_parent_once_released()
    {
        using var manager = Manager.StartNew();
        using var rlock = manager.RLock();
        using var taken = manager.Event();
        using var release = manager.Event();
        var holder = new SpindleProcess(() => HoldUntilSet(rlock, taken, release));
        holder.Start();
        Assert.True(taken.Wait(Children.Patience));
        Assert.False(rlock.Acquire(TimeSpan.Zero));
        release.Set();
        Assert.True(rlock.Acquire(Children.Patience));
        rlock.Release();
        Children.RunAll(holder);
    }

    [Fact]
    public void Semaphores_count_and_a_bounded_one_refuses_over_release()
    {
        using var manager = Manager.StartNew();
        using var sem = manager.Semaphore(2);
        Assert.Equal(2, sem.Value);
        Children.RunAll(new SpindleProcess(() => sem.Acquire()));
        Assert.Equal(1, sem.Value);
        Assert.True(sem.Acquire(TimeSpan.Zero));
        Assert.False(sem.Acquire(TimeSpan.FromMilliseconds(20)));
        sem.Release(3);
        Assert.Equal(3, sem.Value);
        using var bounded = manager.BoundedSemaphore(1);
        Assert.Throws<SemaphoreFullException>(bounded.Release);
        Assert.True(bounded.Acquire());
        bounded.Release();
        Assert.Throws<ArgumentOutOfRangeException>(() => manager.Semaphore(-1));
    }

    internal static void WaitForReady(ConditionProxy cond, NamespaceProxy state)
    {
        cond.Acquire();
        try
        {
            if (!cond.WaitFor(() => state.TryGet<bool>("ready", out var ready) && ready, Children.Patience))
                throw new TimeoutException("never notified");
            state.Set("seen", true);
        }
        finally
        {
            cond.Release();
        }
    }

    [Fact]
    public void A_condition_wakes_a_child_waiting_for_a_predicate()
    {
        using var manager = Manager.StartNew();
        using var cond = manager.Condition();
        using var state = manager.Namespace();
        var waiter = new SpindleProcess(() => WaitForReady(cond, state));
        waiter.Start();
        cond.Acquire();
        state.Set("ready", true);
        cond.NotifyAll();
        cond.Release();
        Children.RunAll(waiter);
        Assert.True(state.Get<bool>("seen"));
        Assert.Throws<SynchronizationLockException>(() => cond.Wait(TimeSpan.Zero));
        Assert.Throws<SynchronizationLockException>(() => cond.Notify());
        Assert.True(cond.Acquire());
        Assert.False(cond.Wait(TimeSpan.FromMilliseconds(20)));
        cond.Release();
    }

    [Fact]
    public void A_condition_can_be_made_over_a_lock_of_the_same_manager_only()
    {
        using var manager = Manager.StartNew();
        using var mutex = manager.Lock();
        using var cond = manager.Condition(mutex);
        Assert.True(cond.Acquire());
        Assert.False(mutex.Acquire(TimeSpan.Zero)); // the condition's lock is that lock
        cond.Notify();
        cond.Release();
        using var other = Manager.StartNew();
        using var foreign = other.Lock();
        Assert.Throws<ArgumentException>(() => manager.Condition(foreign));
    }

    internal static void WaitAndRecord(EventProxy e, ListProxy<bool> results) => results.Add(e.Wait(Children.Patience));

    [Fact]
    public void An_event_set_by_the_parent_releases_children()
    {
        using var manager = Manager.StartNew();
        using var e = manager.Event();
        using var results = manager.List<bool>();
        Assert.False(e.IsSet);
        Assert.False(e.Wait(TimeSpan.Zero));
        var children = Enumerable.Range(0, 2).Select(_ => new SpindleProcess(() => WaitAndRecord(e, results))).ToArray();
        foreach (var child in children) child.Start();
        e.Set();
        Children.RunAll(children);
        Assert.Equal([true, true], results.ToList());
        e.Clear();
        Assert.False(e.IsSet);
    }

    [Fact]
    public void A_barrier_gives_each_party_its_own_index_and_breaks_on_timeout()
    {
        using var manager = Manager.StartNew();
        using var barrier = manager.Barrier(3);
        using var indexes = manager.List<int>();
        Assert.Equal(3, barrier.Parties);
        var children = Enumerable.Range(0, 2).Select(_ => new SpindleProcess(() => indexes.Add(barrier.Wait(Children.Patience)))).ToArray();
        foreach (var child in children) child.Start();
        indexes.Add(barrier.Wait(Children.Patience));
        Children.RunAll(children);
        Assert.Equal([0, 1, 2], indexes.ToList().Order());
        Assert.Throws<BrokenBarrierException>(() => barrier.Wait(TimeSpan.FromMilliseconds(20)));
        Assert.True(barrier.IsBroken);
        barrier.Reset();
        Assert.False(barrier.IsBroken);
        barrier.Abort();
        Assert.Throws<BrokenBarrierException>(() => barrier.Wait());
    }

    internal static void Produce(QueueProxy<int> q)
    {
        for (var i = 0; i < 50; i++) q.Put(i);
        q.Put(-1);
    }

    [Fact]
    public void A_queue_carries_items_from_a_child_in_order()
    {
        using var manager = Manager.StartNew();
        using var q = manager.Queue<int>();
        var producer = new SpindleProcess(() => Produce(q));
        producer.Start();
        var received = new List<int>();
        for (var item = q.Get(Children.Patience); item != -1; item = q.Get(Children.Patience)) received.Add(item);
        Children.RunAll(producer);
        Assert.Equal(Enumerable.Range(0, 50), received);
        Assert.True(q.IsEmpty);
        Assert.Throws<QueueEmptyException>(() => q.GetNoWait());
        Assert.Throws<QueueEmptyException>(() => q.Get(TimeSpan.FromMilliseconds(20)));
        Assert.False(q.TryGet(out _));
    }

    [Fact]
    public void A_bounded_queue_refuses_a_put_when_full()
    {
        using var manager = Manager.StartNew();
        using var q = manager.Queue<string>(maxSize: 1);
        Assert.Equal(1, q.MaxSize);
        q.Put("a");
        Assert.True(q.IsFull);
        Assert.Equal(1, q.Count);
        Assert.Throws<QueueFullException>(() => q.PutNoWait("b"));
        Assert.False(q.TryPut("b", TimeSpan.FromMilliseconds(20)));
        Assert.Equal("a", q.Get());
        Assert.True(q.TryPut("b"));
    }

    internal static void Consume(QueueProxy<int> q, int count)
    {
        for (var i = 0; i < count; i++)
        {
            q.Get(Children.Patience);
            q.TaskDone();
        }
    }

    [Fact]
    public void A_joinable_queue_is_joined_once_a_child_marks_every_item_done()
    {
        using var manager = Manager.StartNew();
        using var q = manager.JoinableQueue<int>();
        Assert.True(q.Join(TimeSpan.Zero));
        for (var i = 0; i < 3; i++) q.Put(i);
        Assert.False(q.Join(TimeSpan.FromMilliseconds(20)));
        var consumer = new SpindleProcess(() => Consume(q, 3));
        consumer.Start();
        Assert.True(q.Join(Children.Patience));
        Children.RunAll(consumer);
        Assert.Throws<InvalidOperationException>(q.TaskDone);
    }

    [Fact]
    public void A_thread_blocked_in_a_call_does_not_hold_up_the_other_threads()
    {
        using var manager = Manager.StartNew();
        using var q = manager.Queue<string>();
        string? got = null;
        var getter = new Thread(() => got = q.Get(Children.Patience));
        getter.Start();
        q.Put("hello"); // through this thread's own connection, while the getter's waits on the server
        Assert.True(getter.Join(Children.Patience));
        Assert.Equal("hello", got);
    }

    [Fact]
    public async Task Async_twins_wait_without_blocking_and_cancel_on_the_server()
    {
        using var manager = Manager.StartNew();
        using var q = manager.Queue<int>();
        using var cts = new CancellationTokenSource();
        var pending = q.GetAsync(null, cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Children.Patience));
        q.Put(7); // the cancelled get took nothing: the item waits for the next one
        Assert.Equal(7, await q.GetAsync(Children.Patience));
        await Assert.ThrowsAsync<QueueEmptyException>(async () => await q.GetAsync(TimeSpan.FromMilliseconds(20)));
        await q.PutAsync(8);
        Assert.Equal(8, q.Get());

        using var mutex = manager.Lock();
        Assert.True(await mutex.AcquireAsync());
        using var cancelAcquire = new CancellationTokenSource();
        var waiting = mutex.AcquireAsync(null, cancelAcquire.Token).AsTask();
        await cancelAcquire.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Children.Patience));
        mutex.Release();
        Assert.True(mutex.Acquire(TimeSpan.Zero)); // the cancelled wait left it free

        using var e = manager.Event();
        var set = e.WaitAsync(Children.Patience).AsTask();
        e.Set();
        Assert.True(await set);
    }
}
