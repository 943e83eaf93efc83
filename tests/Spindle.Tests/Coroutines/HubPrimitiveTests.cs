using Spindle.Coroutines;
using Spindle.Tests.Support;

namespace Spindle.Tests.Coroutines;

// The hub's coordination primitives, after gevent's test__event.py, test__queue.py, test__semaphore.py, test__pool.py.
public class HubPrimitiveTests : LeakCheckedTest
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public void Event_Set_wakes_every_waiter_and_a_wait_times_out_with_false() => FreshThread.Run(() =>
    {
        var evt = new HubEvent();
        var woken = new List<int>();
        var waiters = Enumerable.Range(0, 3).Select(i => Hub.Spawn(async () => { if (await evt.WaitAsync()) woken.Add(i); })).ToList();
        Hub.Sleep(TimeSpan.Zero);
        Assert.Empty(woken);
        Assert.False(evt.Wait(Short));
        evt.Set();
        Hub.JoinAll(waiters);
        Assert.Equal([0, 1, 2], woken);
        Assert.True(evt.Wait(TimeSpan.Zero));
        evt.Clear();
        Assert.False(evt.IsSet);
    });

    [Fact]
    public void Event_set_then_cleared_still_releases_those_already_waiting() => FreshThread.Run(() =>
    {
        var evt = new HubEvent();
        var result = Hub.Spawn(() => evt.WaitAsync().AsTask());
        Hub.Sleep(TimeSpan.Zero);
        evt.Set();
        evt.Clear();
        Assert.True(result.Get());
    });

    [Fact]
    public void AsyncResult_delivers_a_value_or_raises_the_exception_set() => FreshThread.Run(() =>
    {
        var result = new HubAsyncResult<int>();
        var reader = Hub.Spawn(() => result.GetAsync().AsTask());
        Hub.SpawnLater(Short, () => { result.Set(7); return Task.CompletedTask; });
        Assert.Equal(7, reader.Get());
        Assert.True(result.IsReady && result.IsSuccessful);
        Assert.Throws<InvalidOperationException>(() => result.Set(8));

        var failing = new HubAsyncResult<string>();
        Assert.Throws<TimeoutException>(() => failing.Get(Short));
        Assert.Throws<TimeoutException>(() => failing.GetNoWait());
        failing.SetException(new BoomException());
        Assert.Throws<BoomException>(() => failing.Get());
        Assert.True(failing.Wait());
        Assert.IsType<BoomException>(failing.Exception);
    });

    [Fact]
    public void Queue_producer_and_consumer_hand_items_over_in_order() => FreshThread.Run(() =>
    {
        var queue = new HubQueue<int>();
        var consumed = new List<int>();
        var consumer = Hub.Spawn(async () =>
        {
            while (true)
            {
                var item = await queue.GetAsync();
                if (item < 0) return;
                consumed.Add(item);
            }
        });
        var producer = Hub.Spawn(async () =>
        {
            for (var i = 0; i < 5; i++)
            {
                await queue.PutAsync(i);
                await Hub.SleepAsync(TimeSpan.Zero);
            }
            await queue.PutAsync(-1);
        });
        Hub.JoinAll([producer, consumer]);
        Assert.Equal([0, 1, 2, 3, 4], consumed);
    });

    [Fact]
    public void A_bounded_queue_makes_the_producer_wait_for_room() => FreshThread.Run(() =>
    {
        var queue = new HubQueue<string>(maxSize: 2);
        var log = new List<string>();
        var producer = Hub.Spawn(async () =>
        {
            foreach (var item in (string[])["a", "b", "c"])
            {
                await queue.PutAsync(item);
                log.Add($"put {item}");
            }
        });
        Hub.Sleep(Short);
        Assert.Equal(["put a", "put b"], log);
        Assert.True(queue.IsFull);
        Assert.Throws<QueueFullException>(() => queue.PutNoWait("x"));
        Assert.False(queue.TryPut("x"));
        Assert.Equal("a", queue.Get());
        producer.Join();
        Assert.Equal(["put a", "put b", "put c"], log);
        Assert.Equal("b", queue.GetNoWait());
        Assert.Equal("c", queue.PeekNoWait());
    });

    [Fact]
    public void Queue_get_times_out_with_QueueEmpty_and_task_done_lets_join_return() => FreshThread.Run(() =>
    {
        var queue = new HubQueue<int>();
        Assert.Throws<QueueEmptyException>(() => queue.Get(Short));
        Assert.Throws<QueueEmptyException>(() => queue.GetNoWait());
        Assert.False(queue.TryGet(out _));
        queue.Put(1);
        queue.Put(2);
        var worker = Hub.Spawn(async () =>
        {
            for (var i = 0; i < 2; i++)
            {
                await queue.GetAsync();
                await Hub.SleepAsync(Short);
                queue.TaskDone();
            }
        });
        Assert.False(queue.Join(TimeSpan.Zero));
        Assert.True(queue.Join(Long));
        Assert.True(worker.Join());
        Assert.Throws<InvalidOperationException>(queue.TaskDone);
    });

    [Fact]
    public void A_getter_that_times_out_leaves_the_item_to_the_next_one() => FreshThread.Run(() =>
    {
        var queue = new HubQueue<int>();
        var impatient = Hub.Spawn(async () => { try { await queue.GetAsync(Short); } catch (QueueEmptyException) { } });
        var patient = Hub.Spawn(() => queue.GetAsync().AsTask());
        impatient.Join();
        queue.Put(5);
        Assert.Equal(5, patient.Get());
    });

    [Fact]
    public void Semaphore_lets_at_most_its_value_run_at_once() => FreshThread.Run(() =>
    {
        var semaphore = new HubSemaphore(2);
        var inside = 0;
        var most = 0;
        var workers = Enumerable.Range(0, 6).Select(_ => Hub.Spawn(async () =>
        {
            await semaphore.AcquireAsync();
            try
            {
                most = Math.Max(most, ++inside);
                await Hub.SleepAsync(Short);
                inside--;
            }
            finally
            {
                semaphore.Release();
            }
        })).ToList();
        Hub.JoinAll(workers);
        Assert.Equal(2, most);
        Assert.Equal(2, semaphore.Value);
        Assert.True(semaphore.Acquire(TimeSpan.Zero));
        Assert.True(semaphore.Acquire(TimeSpan.Zero));
        Assert.True(semaphore.IsLocked);
        Assert.False(semaphore.Acquire(Short));
    });

    [Fact]
    public void Bounded_semaphore_and_lock_refuse_a_release_too_many() => FreshThread.Run(() =>
    {
        var bounded = new HubBoundedSemaphore(1);
        Assert.Throws<SemaphoreFullException>(bounded.Release);
        var mutex = new HubLock();
        Assert.Throws<SynchronizationLockException>(mutex.Release);
        using (mutex.EnterScope()) Assert.True(mutex.IsLocked);
        Assert.False(mutex.IsLocked);
    });

    [Fact]
    public void RLock_is_reentrant_for_its_owner_and_refuses_other_greenlets() => FreshThread.Run(() =>
    {
        var rlock = new HubRLock();
        var log = new List<string>();
        var owner = Hub.Spawn(async () =>
        {
            await rlock.AcquireAsync();
            await rlock.AcquireAsync();
            log.Add("owner in twice");
            await Hub.SleepAsync(Short);
            rlock.Release();
            rlock.Release();
        });
        var other = Hub.Spawn(async () =>
        {
            await Hub.SleepAsync(TimeSpan.Zero);
            Assert.Throws<SynchronizationLockException>(rlock.Release);
            await rlock.AcquireAsync();
            log.Add("other in");
            rlock.Release();
        });
        Hub.JoinAll([owner, other], raiseError: true);
        Assert.Equal(["owner in twice", "other in"], log);
    });

    [Fact]
    public void Pool_runs_at_most_its_size_and_Map_keeps_the_order_of_the_items() => FreshThread.Run(() =>
    {
        var pool = new HubPool(3);
        var inside = 0;
        var most = 0;
        var results = pool.Map(async (int i) =>
        {
            most = Math.Max(most, ++inside);
            await Hub.SleepAsync(Short * (5 - i % 5));
            inside--;
            return i * i;
        }, Enumerable.Range(0, 10));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i * i), results);
        Assert.Equal(3, most);
        Assert.Equal(3, pool.FreeCount);
        Assert.True(pool.WaitAvailable(TimeSpan.Zero));
    });

    [Fact]
    public void Pool_Spawn_waits_for_a_free_slot() => FreshThread.Run(() =>
    {
        var pool = new HubPool(1);
        var gate = new HubEvent();
        var first = pool.Spawn(() => gate.WaitAsync().AsTask());
        Assert.True(pool.IsFull);
        Assert.False(pool.WaitAvailable(Short));
        Hub.SpawnLater(Short, () => { gate.Set(); return Task.CompletedTask; });
        var second = pool.Spawn(() => Task.CompletedTask);
        Assert.True(first.IsReady);
        second.Join();
        Assert.Equal(0, pool.Count);
    });

    [Fact]
    public void Group_joins_its_members_and_raises_the_first_failure_when_asked() => FreshThread.Run(() =>
    {
        using var errors = new CapturedHubErrors();
        var group = new HubGroup();
        var slow = group.Spawn(() => Hub.SleepAsync(Long).AsTask());
        group.Spawn(() => throw new BoomException());
        Assert.Equal(2, group.Count);
        Assert.Throws<BoomException>(() => group.Join(Short, raiseError: true)); // the wait timed out; the failure is still raised
        Assert.Equal(1, group.Count);
        Assert.False(group.Join(Short));
        group.Kill();
        Assert.Equal(0, group.Count);
        Assert.True(slow.IsDead);
        Assert.True(group.Join(TimeSpan.Zero));
    });
}
