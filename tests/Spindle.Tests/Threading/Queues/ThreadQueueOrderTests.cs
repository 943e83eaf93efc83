using Spindle.Threading;

namespace Spindle.Tests.Threading.Queues;

public class ThreadQueueOrderTests : QueueTestBase
{
    private static List<T> Drain<T>(ThreadQueueBase<T> queue)
    {
        var items = new List<T>();
        while (queue.TryGet(out var item)) items.Add(item);
        return items;
    }

    [Fact]
    public void Fifo_gets_items_in_the_order_they_were_put()
    {
        var queue = new ThreadQueue<string>();
        foreach (var item in new[] { "a", "b", "c", "d" }) queue.Put(item);
        Assert.Equal(["a", "b", "c", "d"], Drain(queue));
    }

    [Fact]
    public void A_requeued_item_comes_out_next_even_past_the_max_size_and_is_not_a_new_task()
    {
        // What a manager does with an item taken by the get of a client that died while it waited.
        var queue = new ThreadQueue<string>(maxSize: 2);
        queue.Put("a");
        queue.Put("b");
        Assert.Equal("a", queue.Get());
        queue.Put("c");
        queue.Requeue("a");
        Assert.Equal(3, queue.Count);
        Assert.Equal(["a", "b", "c"], Drain(queue));
        queue.TaskDone();
        queue.TaskDone();
        Assert.False(queue.Join(TimeSpan.Zero)); // three items were put: "a" counts once
        queue.TaskDone();
        Assert.True(queue.Join(TimeSpan.Zero));

        var waiting = queue.GetAsync().AsTask();
        Assert.False(waiting.IsCompleted);
        queue.Requeue("d"); // wakes a waiting getter, as a put does
        Assert.True(waiting.Wait(TimeSpan.FromSeconds(30)));
        Assert.Equal("d", waiting.Result);
    }

    [Fact]
    public void Lifo_gets_the_last_item_put_first()
    {
        var queue = new ThreadLifoQueue<string>();
        foreach (var item in new[] { "a", "b", "c", "d" }) queue.Put(item);
        Assert.Equal(["d", "c", "b", "a"], Drain(queue));
    }

    [Fact]
    public void Priority_gets_the_lowest_item_first()
    {
        var queue = new ThreadPriorityQueue<int>();
        foreach (var item in new[] { 5, 1, 4, 2, 3, 0 }) queue.Put(item);
        Assert.Equal([0, 1, 2, 3, 4, 5], Drain(queue));
    }

    [Fact]
    public void Priority_orders_tuples_by_priority_then_data_as_python_does()
    {
        var queue = new ThreadPriorityQueue<(int Priority, string Data)>();
        queue.Put((2, "code"));
        queue.Put((1, "eat"));
        queue.Put((3, "sleep"));
        queue.Put((1, "drink"));
        Assert.Equal([(1, "drink"), (1, "eat"), (2, "code"), (3, "sleep")], Drain(queue));
    }

    [Fact]
    public void Priority_uses_a_custom_comparer()
    {
        var queue = new ThreadPriorityQueue<int>(comparer: Comparer<int>.Create((x, y) => y.CompareTo(x)));
        foreach (var item in new[] { 5, 1, 4, 2, 3 }) queue.Put(item);
        Assert.Equal([5, 4, 3, 2, 1], Drain(queue));
    }

    [Fact]
    public void Priority_gives_equal_items_back_in_insertion_order()
    {
        var byPriorityOnly = Comparer<Job>.Create((x, y) => x.Priority.CompareTo(y.Priority));
        var queue = new ThreadPriorityQueue<Job>(comparer: byPriorityOnly);
        var jobs = Enumerable.Range(0, 50).Select(i => new Job(i % 3, i)).ToList();
        foreach (var job in jobs) queue.Put(job);

        var expected = jobs.OrderBy(j => j.Priority).ThenBy(j => j.Id).ToList(); // OrderBy is stable
        Assert.Equal(expected, Drain(queue));
    }

    [Fact]
    public void Priority_stays_stable_when_items_interleave_with_gets()
    {
        var queue = new ThreadPriorityQueue<Job>(comparer: Comparer<Job>.Create((x, y) => x.Priority.CompareTo(y.Priority)));
        queue.Put(new Job(1, 0));
        queue.Put(new Job(1, 1));
        Assert.Equal(new Job(1, 0), queue.Get());
        queue.Put(new Job(1, 2));
        queue.Put(new Job(0, 3));
        Assert.Equal([new Job(0, 3), new Job(1, 1), new Job(1, 2)], Drain(queue));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Zero_or_negative_max_size_means_unbounded(string kind)
    {
        foreach (var size in new[] { 0, -1, -100 })
        {
            var queue = Create(kind, size);
            Assert.Equal(0, queue.MaxSize);
            for (var i = 0; i < 1000; i++) queue.PutNoWait(i);
            Assert.False(queue.IsFull);
            Assert.Equal(1000, queue.Count);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Count_IsEmpty_and_IsFull_follow_puts_and_gets(string kind)
    {
        var queue = Create(kind, maxSize: 2);
        Assert.Equal(2, queue.MaxSize);
        Assert.True(queue.IsEmpty);
        Assert.False(queue.IsFull);
        Assert.Equal(0, queue.Count);

        queue.Put(1);
        Assert.False(queue.IsEmpty);
        Assert.False(queue.IsFull);
        Assert.Equal(1, queue.Count);

        queue.Put(2);
        Assert.True(queue.IsFull);
        Assert.Equal(2, queue.Count);

        queue.Get();
        Assert.False(queue.IsFull);
        Assert.Equal(1, queue.Count);

        queue.Get();
        Assert.True(queue.IsEmpty);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Priority_put_of_an_incomparable_item_fails_and_leaves_the_queue_intact()
    {
        var queue = new ThreadPriorityQueue<(int Priority, Payload Data)>();
        var first = new Payload("first");
        queue.Put((1, first));
        queue.Put((2, new Payload("second")));

        // Python's classic pitfall: equal priorities fall through to payloads that cannot be compared.
        Assert.Throws<ArgumentException>(() => queue.Put((1, new Payload("clash"))));
        Assert.Equal(2, queue.Count);
        Assert.Equal((1, first), queue.Get());
        Assert.Equal(2, queue.Get().Priority);
        Assert.True(queue.IsEmpty);
        queue.TaskDone();
        queue.TaskDone();
        Assert.True(queue.Join(TimeSpan.Zero)); // the failed put was never counted
    }

    private sealed record Job(int Priority, int Id);

    private sealed class Payload(string name)
    {
        public override string ToString() => name;
    }
}
