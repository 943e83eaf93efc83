using Spindle.Threading;

namespace Spindle.Tests.Threading.Queues;

/// <summary>Python's <c>queue.SimpleQueue</c> (CPython's test_queue SimpleQueue cases): unbounded FIFO, no task tracking.</summary>
public sealed class ThreadSimpleQueueTests : QueueTestBase
{
    [Fact]
    public void Items_come_out_in_order_and_put_never_waits()
    {
        var queue = new ThreadSimpleQueue<int>();
        Assert.True(queue.IsEmpty);
        Assert.False(queue.IsFull);
        Assert.Equal(0, queue.MaxSize);
        for (var i = 0; i < 10_000; i++) queue.Put(i, TimeSpan.Zero);
        queue.PutNoWait(10_000);
        Assert.True(queue.TryPut(10_001));
        Assert.Equal(10_002, queue.Count);
        for (var i = 0; i <= 10_001; i++) Assert.Equal(i, i % 2 == 0 ? queue.Get() : queue.GetNoWait());
        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public void An_empty_queue_times_out_with_QueueEmptyException()
    {
        var queue = new ThreadSimpleQueue<string>();
        Assert.Throws<QueueEmptyException>(() => queue.GetNoWait());
        Assert.Throws<QueueEmptyException>(() => queue.Get(TimeSpan.FromMilliseconds(20)));
        Assert.False(queue.TryGet(out _, TimeSpan.FromMilliseconds(1)));
    }

    [Fact]
    public async Task A_waiting_get_receives_an_item_put_by_another_thread()
    {
        var queue = new ThreadSimpleQueue<string>();
        var got = queue.GetAsync();
        Assert.False(got.IsCompleted);
        var producer = Start(() => queue.Put("hello"));
        Assert.Equal("hello", await got.AsTask().WaitAsync(Patience));
        producer.Join();
    }

    [Fact]
    public void Many_producers_and_consumers_exchange_every_item_once()
    {
        const int PerProducer = 5_000;
        var queue = new ThreadSimpleQueue<int>();
        var producers = Enumerable.Range(0, 4).Select(p => Start(() =>
        {
            for (var i = 0; i < PerProducer; i++) queue.Put((p * PerProducer) + i);
        })).ToList();
        var received = new System.Collections.Concurrent.ConcurrentBag<int>();
        var consumers = Enumerable.Range(0, 3).Select(_ => Start(() =>
        {
            while (queue.Get(Patience) is var item && item >= 0) received.Add(item);
        })).ToList();
        producers.ForEach(p => p.Join());
        for (var i = 0; i < consumers.Count; i++) queue.Put(-1); // one stop marker per consumer
        consumers.ForEach(c => c.Join());
        Assert.Equal(Enumerable.Range(0, 4 * PerProducer), received.Order());
    }
}
