using Spindle.Threading;

namespace Spindle.Tests.Threading.Queues;

public class ThreadQueueShutdownTests : QueueTestBase
{
    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Puts_fail_after_shutdown(string kind)
    {
        var queue = Create(kind, maxSize: 1);
        Assert.False(queue.IsShutDown);
        queue.Shutdown();
        Assert.True(queue.IsShutDown);

        Assert.Throws<QueueShutDownException>(() => queue.Put(1));
        Assert.Throws<QueueShutDownException>(() => queue.PutNoWait(1));
        Assert.Throws<QueueShutDownException>(() => queue.TryPut(1));
        await Assert.ThrowsAsync<QueueShutDownException>(() => queue.PutAsync(1).AsTask());
        Assert.Equal(0, queue.Count);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Gets_drain_the_remaining_items_then_fail(string kind)
    {
        var queue = Create(kind);
        queue.Put(1);
        queue.Put(2);
        queue.Shutdown();

        Assert.Equal(2, new[] { queue.Get(), await queue.GetAsync() }.Distinct().Count());
        Assert.Throws<QueueShutDownException>(() => queue.Get());
        Assert.Throws<QueueShutDownException>(() => queue.GetNoWait());
        Assert.Throws<QueueShutDownException>(() => queue.TryGet(out _));
        await Assert.ThrowsAsync<QueueShutDownException>(() => queue.GetAsync().AsTask());
    }

    [Fact]
    public void Shutdown_wakes_blocked_putters()
    {
        var queue = Track(new ThreadQueue<int>(maxSize: 1));
        queue.Put(0);
        var putters = Enumerable.Range(1, 2).Select(i => Start(() => Assert.Throws<QueueShutDownException>(() => queue.Put(i)))).ToList();
        WaitUntil(() => queue.WaitingPutters == 2, "two putters are parked");

        queue.Shutdown();
        putters.ForEach(p => p.Join());
        Assert.Equal(1, queue.Count);
        Assert.Equal(0, queue.Get()); // the item put before shutdown is still delivered
    }

    [Fact]
    public async Task Shutdown_wakes_blocked_getters_sync_and_async()
    {
        var queue = Track(new ThreadQueue<int>());
        var getters = Enumerable.Range(0, 2).Select(_ => Start(() => Assert.Throws<QueueShutDownException>(() => queue.Get()))).ToList();
        var asyncGet = queue.GetAsync().AsTask();
        WaitUntil(() => queue.WaitingGetters == 3, "three getters are waiting");

        queue.Shutdown();
        getters.ForEach(g => g.Join());
        await Assert.ThrowsAsync<QueueShutDownException>(() => asyncGet.WaitAsync(Patience));
    }

    [Fact]
    public async Task Shutdown_wakes_a_blocked_async_putter()
    {
        var queue = Track(new ThreadQueue<int>(maxSize: 1));
        queue.Put(0);
        var put = queue.PutAsync(1).AsTask();
        WaitUntil(() => queue.WaitingPutters == 1, "the async putter is waiting");
        queue.Shutdown();
        await Assert.ThrowsAsync<QueueShutDownException>(() => put.WaitAsync(Patience));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Immediate_shutdown_discards_the_items_so_gets_fail_at_once(string kind)
    {
        var queue = Create(kind);
        queue.Put(1);
        queue.Put(2);
        queue.Shutdown(immediate: true);

        Assert.Equal(0, queue.Count);
        Assert.True(queue.IsEmpty);
        Assert.Throws<QueueShutDownException>(() => queue.Get());
        Assert.True(queue.Join(TimeSpan.Zero)); // discarded items count as done
    }

    [Fact]
    public void Immediate_shutdown_counts_only_the_discarded_items_as_done()
    {
        var queue = Track(new ThreadQueue<int>());
        queue.Put(1);
        queue.Put(2);
        queue.Put(3);
        queue.Get(); // being worked on
        queue.Shutdown(immediate: true);

        Assert.False(queue.Join(TimeSpan.Zero));
        queue.TaskDone();
        Assert.True(queue.Join(TimeSpan.Zero));
        Assert.Throws<InvalidOperationException>(queue.TaskDone);
    }

    [Fact]
    public void Immediate_shutdown_releases_a_blocked_joiner()
    {
        var queue = Track(new ThreadQueue<int>());
        queue.Put(1);
        var joiner = Start(() => Assert.True(queue.Join()));
        WaitUntil(() => queue.WaitingJoiners == 1, "the joiner is parked");
        queue.Shutdown(immediate: true);
        joiner.Join();
    }

    [Fact]
    public void Normal_shutdown_leaves_join_waiting_for_the_remaining_items()
    {
        var queue = Track(new ThreadQueue<int>());
        queue.Put(1);
        queue.Shutdown();
        Assert.False(queue.Join(TimeSpan.Zero));
        queue.Get();
        queue.TaskDone();
        Assert.True(queue.Join(TimeSpan.Zero));
    }

    [Fact]
    public void Shutdown_twice_is_harmless()
    {
        var queue = Track(new ThreadQueue<int>());
        queue.Put(1);
        queue.Shutdown();
        queue.Shutdown();
        Assert.Equal(1, queue.Get());
        queue.Shutdown(immediate: true);
        Assert.True(queue.IsShutDown);
    }
}
