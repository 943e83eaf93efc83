using System.Diagnostics;
using Spindle.Threading;

namespace Spindle.Tests.Threading.Queues;

public class ThreadQueueJoinTests : QueueTestBase
{
    [Fact]
    public void Join_returns_at_once_when_nothing_was_put()
    {
        var queue = Track(new ThreadQueue<int>());
        Assert.True(queue.Join(TimeSpan.Zero));
        Assert.True(queue.Join());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Join_waits_until_every_item_is_marked_done(string kind)
    {
        var queue = Create(kind);
        queue.Put(1);
        queue.Put(2);
        var joined = false;
        var joiner = Start(() => joined = queue.Join());
        WaitUntil(() => queue.WaitingJoiners == 1, "the joiner is parked");

        queue.Get();
        queue.Get();
        queue.TaskDone();
        Assert.False(joiner.HasFinished); // one task is still open: the join cannot have returned
        Assert.Equal(1, queue.WaitingJoiners);

        queue.TaskDone();
        joiner.Join();
        Assert.True(joined);
    }

    [Fact]
    public void Join_releases_every_joiner()
    {
        var queue = Track(new ThreadQueue<string>());
        queue.Put("work");
        var joiners = Enumerable.Range(0, 3).Select(_ => Start(() => Assert.True(queue.Join()))).ToList();
        WaitUntil(() => queue.WaitingJoiners == 3, "three joiners are parked");
        queue.Get();
        queue.TaskDone();
        joiners.ForEach(j => j.Join());
    }

    [Fact]
    public void Join_with_a_timeout_returns_false_while_tasks_are_open()
    {
        var queue = Track(new ThreadQueue<int>());
        queue.Put(1);
        queue.Get(); // fetched but not marked done
        var timeout = TimeSpan.FromMilliseconds(100);
        var watch = Stopwatch.StartNew();
        Assert.False(queue.Join(timeout));
        Assert.True(watch.Elapsed >= timeout, $"gave up after {watch.Elapsed}");
        Assert.False(queue.Join(TimeSpan.Zero));
        Assert.Equal(0, queue.WaitingJoiners);

        queue.TaskDone();
        Assert.True(queue.Join(TimeSpan.Zero));
    }

    [Fact]
    public void TaskDone_called_more_times_than_items_put_throws()
    {
        var queue = Track(new ThreadQueue<int>());
        var error = Assert.Throws<InvalidOperationException>(queue.TaskDone);
        Assert.Equal("task_done() called too many times", error.Message);

        queue.Put(1);
        queue.Get();
        queue.TaskDone();
        Assert.Throws<InvalidOperationException>(queue.TaskDone);
        Assert.True(queue.Join(TimeSpan.Zero));
    }

    [Fact]
    public async Task JoinAsync_completes_when_the_last_task_is_done()
    {
        var queue = Track(new ThreadQueue<int>());
        queue.Put(1);
        var join = queue.JoinAsync().AsTask();
        WaitUntil(() => queue.WaitingJoiners == 1, "the async joiner is waiting");
        Assert.False(join.IsCompleted);

        queue.Get();
        queue.TaskDone();
        Assert.True(await join.WaitAsync(Patience));
    }

    [Fact]
    public async Task JoinAsync_returns_false_on_timeout_and_true_at_once_when_idle()
    {
        var queue = Track(new ThreadQueue<int>());
        Assert.True(await queue.JoinAsync());
        queue.Put(1);
        Assert.False(await queue.JoinAsync(TimeSpan.Zero));
        Assert.False(await queue.JoinAsync(TimeSpan.FromMilliseconds(50)));
        Assert.Equal(0, queue.WaitingJoiners);
    }

    [Fact]
    public async Task JoinAsync_can_be_cancelled()
    {
        var queue = Track(new ThreadQueue<int>());
        queue.Put(1);
        using var cts = new CancellationTokenSource();
        var join = queue.JoinAsync(cancellationToken: cts.Token).AsTask();
        WaitUntil(() => queue.WaitingJoiners == 1, "the async joiner is waiting");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => join);
        Assert.Equal(0, queue.WaitingJoiners);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.JoinAsync(cancellationToken: cts.Token).AsTask());
    }
}
