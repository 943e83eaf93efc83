using Spindle.Threading;

namespace Spindle.Tests.Threading.Queues;

public class ThreadQueueAsyncTests : QueueTestBase
{
    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task GetAsync_is_served_by_a_sync_put(string kind)
    {
        var queue = Create(kind);
        var get = queue.GetAsync().AsTask();
        WaitUntil(() => queue.WaitingGetters == 1, "the async getter is waiting");
        Assert.False(get.IsCompleted);

        var putter = Start(() => queue.Put(11));
        putter.Join();
        Assert.Equal(11, await get.WaitAsync(Patience));
    }

    [Fact]
    public void Sync_get_is_served_by_PutAsync()
    {
        var queue = Track(new ThreadQueue<int>());
        var got = 0;
        var getter = Start(() => got = queue.Get());
        WaitUntil(() => queue.WaitingGetters == 1, "the getter is parked");

        var put = queue.PutAsync(12).AsTask();
        Assert.True(put.IsCompletedSuccessfully); // room in an unbounded queue: no wait
        getter.Join();
        Assert.Equal(12, got);
    }

    [Fact]
    public async Task PutAsync_on_a_full_queue_is_served_by_a_sync_get()
    {
        var queue = Track(new ThreadQueue<int>(maxSize: 1));
        await queue.PutAsync(1);
        var put = queue.PutAsync(2).AsTask();
        WaitUntil(() => queue.WaitingPutters == 1, "the async putter is waiting");
        Assert.False(put.IsCompleted);

        var got = 0;
        Start(() => got = queue.Get()).Join();
        Assert.Equal(1, got);
        await put.WaitAsync(Patience);
        Assert.Equal(2, await queue.GetAsync());
    }

    [Fact]
    public async Task Async_getters_and_putters_serve_each_other()
    {
        var queue = Track(new ThreadQueue<int>(maxSize: 2));
        var consumer = Task.Run(async () =>
        {
            var sum = 0;
            for (var i = 0; i < 1000; i++) sum += await queue.GetAsync();
            return sum;
        });
        for (var i = 0; i < 1000; i++) await queue.PutAsync(i);
        Assert.Equal(999 * 1000 / 2, await consumer.WaitAsync(Patience));
    }

    [Fact]
    public async Task Async_timeouts_throw_the_typed_exceptions()
    {
        var queue = Track(new ThreadQueue<int>(maxSize: 1));
        await Assert.ThrowsAsync<QueueEmptyException>(() => queue.GetAsync(TimeSpan.Zero).AsTask());
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAsync<QueueEmptyException>(() => queue.GetAsync(TimeSpan.FromMilliseconds(50)).AsTask());
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(50), $"gave up after {watch.Elapsed}");
        Assert.Equal(0, queue.WaitingGetters);

        await queue.PutAsync(1, TimeSpan.Zero);
        await Assert.ThrowsAsync<QueueFullException>(() => queue.PutAsync(2, TimeSpan.Zero).AsTask());
        await Assert.ThrowsAsync<QueueFullException>(() => queue.PutAsync(2, TimeSpan.FromMilliseconds(50)).AsTask());
        Assert.Equal(0, queue.WaitingPutters);
        Assert.Equal(1, await queue.GetAsync(TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public async Task A_cancelled_GetAsync_consumes_nothing()
    {
        var queue = Track(new ThreadQueue<int>());
        using var cts = new CancellationTokenSource();
        var get = queue.GetAsync(cancellationToken: cts.Token).AsTask();
        WaitUntil(() => queue.WaitingGetters == 1, "the async getter is waiting");

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => get.WaitAsync(Patience));
        Assert.Equal(0, queue.WaitingGetters);

        queue.Put(5);
        Assert.Equal(5, queue.GetNoWait());
    }

    [Fact]
    public async Task A_cancelled_PutAsync_puts_nothing()
    {
        var queue = Track(new ThreadQueue<int>(maxSize: 1));
        queue.Put(1);
        using var cts = new CancellationTokenSource();
        var put = queue.PutAsync(2, cancellationToken: cts.Token).AsTask();
        WaitUntil(() => queue.WaitingPutters == 1, "the async putter is waiting");

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => put.WaitAsync(Patience));
        Assert.Equal(1, queue.GetNoWait());
        Assert.True(queue.IsEmpty);
        queue.TaskDone();
        Assert.True(queue.Join(TimeSpan.Zero)); // the cancelled put was never counted as a task
    }

    [Fact]
    public async Task An_already_cancelled_token_leaves_the_queue_untouched()
    {
        var queue = Track(new ThreadQueue<int>());
        queue.Put(1);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.GetAsync(cancellationToken: cts.Token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.PutAsync(2, cancellationToken: cts.Token).AsTask());
        Assert.Equal(1, queue.Count);
        Assert.Equal(1, queue.Get());
    }

    [Fact]
    public async Task Cancellation_racing_a_put_never_loses_or_duplicates_the_item()
    {
        var queue = Track(new ThreadQueue<int>());
        var delivered = 0;
        var left = 0;
        for (var round = 0; round < 300; round++)
        {
            using var cts = new CancellationTokenSource();
            var get = queue.GetAsync(cancellationToken: cts.Token).AsTask();
            using var go = new Barrier(2);
            var putter = Start(() =>
            {
                go.SignalAndWait(Patience);
                queue.Put(round);
            });
            go.SignalAndWait(Patience);
            await cts.CancelAsync();
            putter.Join();

            try
            {
                Assert.Equal(round, await get.WaitAsync(Patience));
                Assert.True(queue.IsEmpty);
                delivered++;
            }
            catch (OperationCanceledException)
            {
                Assert.Equal(round, queue.GetNoWait());
                left++;
            }
            Assert.True(queue.IsEmpty);
        }
        Assert.Equal(300, delivered + left);
    }

    [Fact]
    public async Task A_woken_getter_that_is_cancelled_passes_the_item_to_the_next_waiter()
    {
        var queue = Track(new ThreadQueue<int>());
        for (var round = 0; round < 200; round++)
        {
            using var cts = new CancellationTokenSource();
            var first = queue.GetAsync(cancellationToken: cts.Token).AsTask();
            WaitUntil(() => queue.WaitingGetters == 1, "the first getter is waiting");
            var second = queue.GetAsync().AsTask();
            WaitUntil(() => queue.WaitingGetters == 2, "the second getter is waiting");

            using var go = new Barrier(2);
            var putter = Start(() =>
            {
                go.SignalAndWait(Patience);
                queue.Put(round); // wakes the first getter, which may be cancelled at the same moment
            });
            go.SignalAndWait(Patience);
            await cts.CancelAsync();
            putter.Join();

            try
            {
                Assert.Equal(round, await first.WaitAsync(Patience));
                queue.Put(-1); // release the second getter
                Assert.Equal(-1, await second.WaitAsync(Patience));
            }
            catch (OperationCanceledException)
            {
                Assert.Equal(round, await second.WaitAsync(Patience));
            }
            Assert.True(queue.IsEmpty);
            Assert.Equal(0, queue.WaitingGetters);
        }
    }
}
