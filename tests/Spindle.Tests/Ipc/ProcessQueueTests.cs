using System.Diagnostics;
using Spindle.Ipc;
using Spindle.Processes;
using Spindle.Serialization;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary><see cref="ProcessQueue{T}"/> in one process: order, bounds, timeouts, counts, refusal, close, async twins.</summary>
public sealed class ProcessQueueTests : LeakCheckedTest
{
    [Fact]
    public void Items_come_out_in_the_order_they_went_in_with_counts_along_the_way()
    {
        using var q = new ProcessQueue<string>();
        Assert.Equal(0, q.MaxSize);
        Assert.True(q.IsEmpty);
        Assert.False(q.IsFull);
        Assert.Equal(0, q.Count);
        q.Put("a");
        q.PutNoWait("b");
        Assert.True(q.TryPut("c"));
        Assert.Equal(3, q.Count);
        Assert.False(q.IsEmpty);
        Assert.Equal("<ProcessQueue(maxsize=0, qsize=3)>", q.ToString());
        Assert.Equal("a", q.Get());
        Assert.Equal("b", q.GetNoWait());
        Assert.True(q.TryGet(out var c));
        Assert.Equal("c", c);
        Assert.True(q.IsEmpty);
        Assert.Equal(0, q.Count);
    }

    [Fact]
    public void Items_of_any_transferable_type_cross_whole()
    {
        using var q = new ProcessQueue<object?>();
        var list = new List<int> { 1, 2, 3 };
        q.Put(42);
        q.Put(null);
        q.Put(list);
        q.Put((1, "x"));
        q.Put(new byte[] { 9, 8 });
        Assert.Equal(42, q.Get());
        Assert.Null(q.Get());
        Assert.Equal(list, q.Get());
        Assert.Equal((1, "x"), q.Get());
        Assert.Equal(new byte[] { 9, 8 }, q.Get());
    }

    [Fact]
    public void A_bounded_queue_refuses_or_waits_when_full_and_a_get_frees_a_slot()
    {
        using var q = new ProcessQueue<int>(maxSize: 2);
        Assert.Equal(2, q.MaxSize);
        q.Put(1);
        q.Put(2);
        Assert.True(q.IsFull);
        Assert.Throws<QueueFullException>(() => q.PutNoWait(3));
        Assert.False(q.TryPut(3));
        var watch = Stopwatch.StartNew();
        Assert.Throws<QueueFullException>(() => q.Put(3, TimeSpan.FromMilliseconds(80)));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(70), $"gave up after {watch.Elapsed}");
        var putter = Task.Run(() => q.Put(3, Children.Patience));
        Assert.Equal(1, q.Get());
        Assert.True(putter.Wait(Children.Patience));
        Assert.Equal(2, q.Get());
        Assert.Equal(3, q.Get());
        Assert.False(q.IsFull);
    }

    [Fact]
    public void Getting_from_an_empty_queue_times_out_or_fails_at_once()
    {
        using var q = new ProcessQueue<int>();
        Assert.Throws<QueueEmptyException>(() => q.GetNoWait());
        Assert.False(q.TryGet(out var none));
        Assert.Equal(0, none);
        var watch = Stopwatch.StartNew();
        Assert.Throws<QueueEmptyException>(() => q.Get(TimeSpan.FromMilliseconds(80)));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(70), $"gave up after {watch.Elapsed}");
        Assert.False(q.TryGet(out _, TimeSpan.FromMilliseconds(20)));
    }

    [Fact]
    public void Negative_timeouts_are_refused()
    {
        using var q = new ProcessQueue<int>(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => q.Put(1, TimeSpan.FromSeconds(-2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => q.Get(TimeSpan.FromSeconds(-2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => q.TryGet(out _, TimeSpan.FromSeconds(-2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => q.GetAsync(TimeSpan.FromSeconds(-2)).AsTask().GetAwaiter().GetResult());
        q.Put(1, Timeout.InfiniteTimeSpan);
        Assert.Equal(1, q.Get(Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void An_item_that_cannot_cross_is_refused_at_put_and_nothing_is_enqueued()
    {
        using var q = new ProcessQueue<object>(maxSize: 1);
        var e = Assert.Throws<NotTransferableException>(() => q.Put(new Thread(() => { })));
        Assert.Contains("Thread", e.Message, StringComparison.Ordinal);
        Assert.Throws<NotTransferableException>(() => q.PutNoWait(new List<object> { 1, new Thread(() => { }) }));
        Assert.Throws<NotTransferableException>(() => q.PutAsync(new Thread(() => { })).AsTask().GetAwaiter().GetResult());
        Assert.True(q.IsEmpty);
        Assert.Equal(0, q.Count);
        q.PutNoWait("fits"); // the refused items took no slot
        Assert.Equal("fits", q.Get());
    }

    [Fact]
    public void Items_larger_than_the_ring_are_streamed_through_it()
    {
        using var q = new ProcessQueue<byte[]>(maxSize: 0, ringCapacity: 4096);
        var big = new byte[100_000];
        Random.Shared.NextBytes(big);
        q.Put(big);
        q.Put([1]);
        q.Put(big);
        var consumer = Task.Run(() => (q.Get(Children.Patience), q.Get(Children.Patience), q.Get(Children.Patience)));
        Assert.True(consumer.Wait(Children.Patience));
        Assert.True(big.AsSpan().SequenceEqual(consumer.Result.Item1));
        Assert.Equal(new byte[] { 1 }, consumer.Result.Item2);
        Assert.True(big.AsSpan().SequenceEqual(consumer.Result.Item3));
    }

    [Fact]
    public void Puts_on_an_unbounded_queue_never_wait_for_room_and_keep_their_order()
    {
        using var q = new ProcessQueue<int>(maxSize: 0, ringCapacity: 4096);
        const int N = 20_000; // far more than the ring holds: most wait in this process
        for (int i = 0; i < N; i++) q.Put(i, TimeSpan.Zero);
        Assert.Equal(N, q.Count);
        Assert.False(q.IsEmpty);
        for (int i = 0; i < N; i++) Assert.Equal(i, q.Get(Children.Patience));
        Assert.True(q.IsEmpty);
    }

    [Fact]
    public void Pending_items_are_kept_compactly()
    {
        using var q = new ProcessQueue<int>(maxSize: 0, ringCapacity: 4096);
        const int N = 200_000;
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (int i = 0; i < N; i++) q.Put(i);
        var grown = GC.GetTotalMemory(forceFullCollection: true) - before;
        Assert.True(grown < N * 24L, $"{N} pending ints took {grown} bytes");
        for (int i = 0; i < N; i++) Assert.Equal(i, q.Get(Children.Patience));
    }

    [Fact]
    public void Close_ends_this_process_use_and_wakes_a_blocked_get()
    {
        var q = new ProcessQueue<int>();
        var blocked = Task.Run(() => q.Get());
        Assert.True(SpinWait.SpinUntil(() => q.SharedRing.ConsumerOwner == Environment.ProcessId, Children.Patience));
        Assert.Throws<InvalidOperationException>(q.JoinThread); // not closed yet
        q.Close();
        var e = Assert.Throws<AggregateException>(() => blocked.Wait(Children.Patience));
        Assert.IsType<QueueShutDownException>(e.InnerException);
        Assert.Throws<QueueShutDownException>(() => q.Put(1));
        Assert.Throws<QueueShutDownException>(() => q.Get(TimeSpan.Zero));
        Assert.Throws<QueueShutDownException>(() => q.Count);
        Assert.Throws<QueueShutDownException>(() => q.Export());
        Assert.Equal("<ProcessQueue closed>", q.ToString());
        q.JoinThread(); // nothing was waiting
        q.Close();
        q.Dispose();
    }

    [Fact]
    public void JoinThread_after_close_waits_until_the_backlog_is_in_the_ring()
    {
        using var q = new ProcessQueue<int>(maxSize: 0, ringCapacity: 4096);
        for (int i = 0; i < 2000; i++) q.Put(i);
        var twin = ProcessQueue<int>.Import(q.Export()); // a second end in this process, to drain the first
        q.Close();
        var joined = Task.Run(q.JoinThread);
        for (int i = 0; i < 2000; i++) Assert.Equal(i, twin.Get(Children.Patience));
        Assert.True(joined.Wait(Children.Patience));
        twin.Dispose();
    }

    [Fact]
    public async Task Async_twins_wait_for_items_and_slots_and_can_be_cancelled()
    {
        using var q = new ProcessQueue<int>(maxSize: 1);
        var getting = q.GetAsync(Children.Patience).AsTask();
        Assert.False(getting.IsCompleted);
        await q.PutAsync(7);
        Assert.Equal(7, await getting.WaitAsync(Children.Patience));
        await q.PutAsync(1);
        var putting = q.PutAsync(2, Children.Patience).AsTask();
        Assert.Equal(1, await q.GetAsync());
        await putting.WaitAsync(Children.Patience);
        Assert.Equal(2, await q.GetAsync(TimeSpan.Zero));
        await Assert.ThrowsAsync<QueueEmptyException>(() => q.GetAsync(TimeSpan.FromMilliseconds(30)).AsTask());
        using var cts = new CancellationTokenSource();
        var cancelled = q.GetAsync(null, cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Children.Patience));
        q.Put(3);
        Assert.Equal(3, q.Get(TimeSpan.Zero)); // the cancelled get took nothing
    }
}
