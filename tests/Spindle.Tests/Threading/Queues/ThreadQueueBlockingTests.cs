using System.Diagnostics;
using Spindle.Threading;

namespace Spindle.Tests.Threading.Queues;

public class ThreadQueueBlockingTests : QueueTestBase
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Get_blocks_until_an_item_is_put(string kind)
    {
        var queue = Create(kind);
        var got = -1;
        var getter = Start(() => got = queue.Get());

        WaitUntil(() => queue.WaitingGetters == 1, "the getter is parked");
        Assert.False(getter.HasFinished);
        queue.Put(42);
        getter.Join();
        Assert.Equal(42, got);
        Assert.Equal(0, queue.WaitingGetters);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Put_on_a_full_queue_blocks_until_a_get_makes_room(string kind)
    {
        var queue = Create(kind, maxSize: 1);
        queue.Put(1);
        using var putDone = new ManualResetEventSlim();
        var putter = Start(() =>
        {
            queue.Put(2);
            putDone.Set();
        });

        WaitUntil(() => queue.WaitingPutters == 1, "the putter is parked");
        Assert.False(putDone.IsSet);
        Assert.Equal(1, queue.Get());
        Assert.True(putDone.Wait(Patience));
        putter.Join();
        Assert.Equal(2, queue.Get());
    }

    // CPython's test_shrinking_queue, and the other way: a larger max size lets a parked putter in.
    [Theory]
    [MemberData(nameof(Kinds))]
    public void MaxSize_can_shrink_and_grow_and_growing_lets_a_parked_putter_in(string kind)
    {
        var queue = Create(kind, maxSize: 3);
        queue.Put(1);
        queue.Put(2);
        queue.Put(3);
        Assert.Throws<QueueFullException>(() => queue.PutNoWait(4));
        queue.MaxSize = 2;
        Assert.Equal(3, queue.Count);
        Assert.True(queue.IsFull);
        Assert.Throws<QueueFullException>(() => queue.PutNoWait(4));
        using var putDone = new ManualResetEventSlim();
        var putter = Start(() =>
        {
            queue.Put(4);
            putDone.Set();
        });
        WaitUntil(() => queue.WaitingPutters == 1, "the putter is parked");
        queue.MaxSize = 0; // unbounded
        Assert.True(putDone.Wait(Patience));
        putter.Join();
        Assert.Equal(4, queue.Count);
        queue.MaxSize = -5;
        Assert.Equal(0, queue.MaxSize);
    }

    [Fact]
    public void Blocked_getters_are_each_served_by_one_put()
    {
        var queue = Track(new ThreadQueue<int>());
        var results = new int[3];
        var getters = Enumerable.Range(0, 3).Select(i => Start(() => results[i] = queue.Get())).ToList();
        WaitUntil(() => queue.WaitingGetters == 3, "three getters are parked");

        queue.Put(10);
        queue.Put(20);
        queue.Put(30);
        getters.ForEach(g => g.Join());
        Assert.Equal([10, 20, 30], results.Order());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Get_with_a_timeout_throws_QueueEmptyException_after_waiting(string kind)
    {
        var queue = Create(kind);
        var watch = Stopwatch.StartNew();
        Assert.Throws<QueueEmptyException>(() => queue.Get(Short));
        Assert.True(watch.Elapsed >= Short, $"gave up after {watch.Elapsed}");
        Assert.Equal(0, queue.WaitingGetters);

        queue.Put(7); // the timed-out get left nothing behind
        Assert.Equal(7, queue.Get(Short));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Put_with_a_timeout_throws_QueueFullException_after_waiting(string kind)
    {
        var queue = Create(kind, maxSize: 1);
        queue.Put(1);
        var watch = Stopwatch.StartNew();
        var error = Assert.Throws<QueueFullException>(() => queue.Put(2, Short));
        Assert.True(watch.Elapsed >= Short, $"gave up after {watch.Elapsed}");
        Assert.Contains("full", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, queue.Count);
        Assert.Equal(0, queue.WaitingPutters);
    }

    [Fact]
    public void Zero_timeout_does_not_wait()
    {
        var queue = Track(new ThreadQueue<int>(maxSize: 1));
        Assert.Throws<QueueEmptyException>(() => queue.Get(TimeSpan.Zero));
        queue.Put(1, TimeSpan.Zero);
        Assert.Throws<QueueFullException>(() => queue.Put(2, TimeSpan.Zero));
    }

    [Fact]
    public void Infinite_timeout_is_accepted()
    {
        var queue = Track(new ThreadQueue<int>());
        queue.Put(1, Timeout.InfiniteTimeSpan);
        Assert.Equal(1, queue.Get(Timeout.InfiniteTimeSpan));
        Assert.True(queue.TryPut(2, Timeout.InfiniteTimeSpan));
        Assert.True(queue.TryGet(out var item, Timeout.InfiniteTimeSpan));
        Assert.Equal(2, item);
    }

    [Fact]
    public void A_huge_timeout_counts_as_forever()
    {
        var queue = Track(new ThreadQueue<int>());
        var got = 0;
        var getter = Start(() => got = queue.Get(TimeSpan.MaxValue));
        WaitUntil(() => queue.WaitingGetters == 1, "the getter is parked");
        queue.Put(8);
        getter.Join();
        Assert.Equal(8, got);
        Assert.True(queue.TryPut(9, TimeSpan.MaxValue));
    }

    [Fact]
    public void Negative_timeouts_are_rejected()
    {
        var queue = Track(new ThreadQueue<int>());
        var negative = TimeSpan.FromMilliseconds(-5);
        Assert.Throws<ArgumentOutOfRangeException>("timeout", () => queue.Put(1, negative));
        Assert.Throws<ArgumentOutOfRangeException>("timeout", () => queue.Get(negative));
        Assert.Throws<ArgumentOutOfRangeException>("timeout", () => queue.TryPut(1, negative));
        Assert.Throws<ArgumentOutOfRangeException>("timeout", () => queue.TryGet(out _, negative));
        Assert.Throws<ArgumentOutOfRangeException>("timeout", () => queue.Join(negative));
        AssertRejectedSynchronously(() => queue.PutAsync(1, negative).AsTask());
        AssertRejectedSynchronously(() => queue.GetAsync(negative).AsTask());
        AssertRejectedSynchronously(() => queue.JoinAsync(negative).AsTask());
        Assert.Equal(0, queue.Count);
    }

    /// <summary>Argument errors of the async twins surface at the call, not in the returned task.</summary>
    private static void AssertRejectedSynchronously(Func<Task> call)
    {
        try
        {
            call();
        }
        catch (ArgumentOutOfRangeException e)
        {
            Assert.Equal("timeout", e.ParamName);
            return;
        }
        Assert.Fail("The call did not throw ArgumentOutOfRangeException.");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void NoWait_variants_throw_at_once(string kind)
    {
        var queue = Create(kind, maxSize: 1);
        Assert.Throws<QueueEmptyException>(() => queue.GetNoWait());
        queue.PutNoWait(5);
        Assert.Throws<QueueFullException>(() => queue.PutNoWait(6));
        Assert.Equal(5, queue.GetNoWait());
        Assert.True(queue.IsEmpty);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Try_variants_return_false_instead_of_throwing(string kind)
    {
        var queue = Create(kind, maxSize: 1);
        Assert.False(queue.TryGet(out var missing));
        Assert.Equal(default, missing);
        Assert.True(queue.TryPut(3));
        Assert.False(queue.TryPut(4));
        Assert.False(queue.TryPut(4, Short));
        Assert.True(queue.TryGet(out var item));
        Assert.Equal(3, item);
        Assert.False(queue.TryGet(out _, Short));
    }

    [Fact]
    public void TryGet_with_a_timeout_receives_an_item_put_meanwhile()
    {
        var queue = Track(new ThreadQueue<int>());
        var received = false;
        var item = 0;
        var getter = Start(() => received = queue.TryGet(out item, Patience));
        WaitUntil(() => queue.WaitingGetters == 1, "the getter is parked");
        queue.Put(9);
        getter.Join();
        Assert.True(received);
        Assert.Equal(9, item);
    }

    [Fact]
    public void TryPut_with_a_timeout_succeeds_once_room_appears()
    {
        var queue = Track(new ThreadQueue<int>(maxSize: 1));
        queue.Put(1);
        var stored = false;
        var putter = Start(() => stored = queue.TryPut(2, Patience));
        WaitUntil(() => queue.WaitingPutters == 1, "the putter is parked");
        Assert.Equal(1, queue.Get());
        putter.Join();
        Assert.True(stored);
        Assert.Equal(2, queue.Get());
    }

    [Fact]
    public void An_interrupted_getter_withdraws_and_the_queue_keeps_working()
    {
        var queue = Track(new ThreadQueue<int>());
        var getter = Start(() => Assert.Throws<ThreadInterruptedException>(() => queue.Get()));
        WaitUntil(() => queue.WaitingGetters == 1, "the getter is parked");
        getter.Interrupt();
        getter.Join();
        Assert.Equal(0, queue.WaitingGetters);

        var got = 0;
        var next = Start(() => got = queue.Get());
        WaitUntil(() => queue.WaitingGetters == 1, "the next getter is parked");
        queue.Put(3);
        next.Join();
        Assert.Equal(3, got);
    }
}
