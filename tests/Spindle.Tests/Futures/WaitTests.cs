using Spindle.Tests.Support;
using static Spindle.Futures;

namespace Spindle.Tests.Futures;

public sealed class WaitTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(50);

    private static Future<int> Done(int value)
    {
        var future = new Future<int>();
        future.SetResult(value);
        return future;
    }

    private static Future<int> Failed()
    {
        var future = new Future<int>();
        future.SetException(new FormatException());
        return future;
    }

    private static Future<int> Cancelled()
    {
        var future = new Future<int>();
        future.Cancel();
        return future;
    }

    /// <summary>Completes <paramref name="complete"/> from another thread, joined by the caller.</summary>
    private static Thread Later(Action complete)
    {
        var thread = new Thread(() => complete());
        thread.Start();
        return thread;
    }

    [Fact]
    public void AllCompleted_waits_for_every_future()
    {
        var a = new Future<int>();
        var b = Done(2);
        var thread = Later(() => a.SetResult(1));
        var (done, notDone) = Wait([a, b], Long);
        thread.Join();
        Assert.Equal(2, done.Count);
        Assert.Empty(notDone);
    }

    [Fact]
    public void AllCompleted_times_out_and_reports_what_is_not_done()
    {
        var pending = new Future<int>();
        var finished = Done(1);
        var result = Wait([pending, finished], Short);
        Assert.Equal([finished], result.Done);
        Assert.Equal([pending], result.NotDone);
    }

    [Fact]
    public void FirstCompleted_returns_when_one_finishes()
    {
        var a = new Future<int>();
        var b = new Future<int>();
        var thread = Later(() => b.SetResult(2));
        var result = Wait([a, b], Long, ReturnWhen.FirstCompleted);
        thread.Join();
        Assert.Contains(b, result.Done);
        Assert.Contains(a, result.NotDone);
    }

    [Fact]
    public void FirstCompleted_returns_at_once_when_one_is_already_done()
    {
        var pending = new Future<int>();
        var result = Wait([pending, Done(1)], Long, ReturnWhen.FirstCompleted);
        Assert.Single(result.Done);
        Assert.Equal([pending], result.NotDone);
    }

    [Fact]
    public void FirstCompleted_counts_a_cancelled_future_as_completed()
    {
        var pending = new Future<int>();
        var cancelled = new Future<int>();
        var thread = Later(() => cancelled.Cancel());
        var result = Wait([pending, cancelled], Long, ReturnWhen.FirstCompleted);
        thread.Join();
        Assert.Equal([cancelled], result.Done);
    }

    [Fact]
    public void FirstException_returns_when_one_raises_even_if_others_are_pending()
    {
        var pending = new Future<int>();
        var failing = new Future<int>();
        var finished = Done(1);
        var thread = Later(() => failing.SetException(new FormatException()));
        var result = Wait([pending, failing, finished], Long, ReturnWhen.FirstException);
        thread.Join();
        Assert.Contains(failing, result.Done);
        Assert.Contains(finished, result.Done);
        Assert.Equal([pending], result.NotDone);
    }

    [Fact]
    public void FirstException_without_an_exception_waits_for_all()
    {
        var a = new Future<int>();
        var b = Done(2);
        var c = Cancelled(); // a cancellation is not an exception
        var result = Wait([a, b, c], Short, ReturnWhen.FirstException);
        Assert.Equal([a], result.NotDone); // did not return on b or c
        var thread = Later(() => a.SetResult(1));
        result = Wait([a, b, c], Long, ReturnWhen.FirstException);
        thread.Join();
        Assert.Equal(3, result.Done.Count);
        Assert.Empty(result.NotDone);
    }

    [Fact]
    public void FirstException_returns_at_once_when_one_already_raised()
    {
        var pending = new Future<int>();
        var result = Wait([pending, Failed()], Long, ReturnWhen.FirstException);
        Assert.Single(result.Done);
        Assert.Equal([pending], result.NotDone);
    }

    [Fact]
    public void Wait_counts_duplicates_once_and_handles_an_empty_set()
    {
        var a = Done(1);
        var result = Wait([a, a, a]);
        Assert.Single(result.Done);
        var empty = Wait([], Short, ReturnWhen.FirstCompleted);
        Assert.Empty(empty.Done);
        Assert.Empty(empty.NotDone);
    }

    [Fact]
    public void Wait_rejects_null_futures_and_negative_timeouts()
    {
        Assert.Throws<ArgumentNullException>(() => Wait(null!));
        Assert.Throws<ArgumentException>(() => Wait([null!]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Wait([Done(1)], TimeSpan.FromSeconds(-2)));
    }

    [Fact]
    public void Wait_that_timed_out_leaves_no_listener_behind()
    {
        var pending = new Future<int>();
        Wait([pending], Short);
        Assert.Equal(0, pending.ListenerCount);
    }

    [Fact]
    public async Task WaitAsync_returns_like_Wait()
    {
        var a = new Future<int>();
        var b = new Future<int>();
        var task = WaitAsync([a, b], Long, ReturnWhen.FirstCompleted);
        Assert.False(task.IsCompleted);
        a.SetResult(1);
        var result = await task.WaitAsync(Long);
        Assert.Equal([a], result.Done);
        var timedOut = await WaitAsync([b], Short);
        Assert.Equal([b], timedOut.NotDone);
    }

    [Fact]
    public async Task WaitAsync_honours_cancellation()
    {
        using var cts = new CancellationTokenSource();
        var task = WaitAsync([new Future<int>()], cancellationToken: cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(Long));
    }

    [Fact]
    public void AsCompleted_yields_done_ones_first_then_in_completion_order()
    {
        var first = Done(0);
        var a = new Future<int>();
        var b = new Future<int>();
        var c = new Future<int>();
        var order = new List<Future>();
        using var enumerator = AsCompleted([a, b, first, c], Long).GetEnumerator();
        Assert.True(enumerator.MoveNext());
        order.Add(enumerator.Current);
        // Complete the rest one at a time, in an order unlike the input's.
        foreach (var next in new[] { c, a, b })
        {
            var thread = Later(() => next.SetResult(1));
            Assert.True(enumerator.MoveNext());
            order.Add(enumerator.Current);
            thread.Join();
        }
        Assert.False(enumerator.MoveNext());
        Assert.Equal<Future>([first, c, a, b], order);
    }

    [Fact]
    public void AsCompleted_yields_duplicates_once_and_includes_cancelled()
    {
        var a = Done(1);
        var cancelled = Cancelled();
        var yielded = AsCompleted([a, cancelled, a, cancelled]).ToList();
        Assert.Equal(2, yielded.Count);
        Assert.Contains(cancelled, yielded);
    }

    [Fact]
    public void AsCompleted_times_out_with_the_count_of_unfinished_futures()
    {
        var pending1 = new Future<int>();
        var pending2 = new Future<int>();
        var seen = new List<Future>();
        var error = Assert.Throws<TimeoutException>(() =>
        {
            foreach (var future in AsCompleted([Done(1), pending1, pending2], Short)) seen.Add(future);
        });
        Assert.Equal("2 (of 3) futures unfinished", error.Message);
        Assert.Single(seen);
    }

    [Fact]
    public void AsCompleted_is_lazy_and_checks_arguments_at_the_call()
    {
        Assert.Throws<ArgumentNullException>(() => AsCompleted(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => AsCompleted([], TimeSpan.FromSeconds(-1)));
        var enumerated = false;
        IEnumerable<Future> Source()
        {
            enumerated = true;
            yield return Done(1);
        }
        var sequence = AsCompleted(Source());
        Assert.False(enumerated);
        Assert.Single(sequence);
        Assert.True(enumerated);
    }

    [Fact]
    public async Task AsCompletedAsync_yields_in_completion_order_and_times_out()
    {
        var a = new Future<int>();
        var b = new Future<int>();
        var order = new List<Future>();
        await using (var enumerator = AsCompletedAsync([a, b], Long).GetAsyncEnumerator())
        {
            var next = enumerator.MoveNextAsync().AsTask();
            b.SetResult(2);
            Assert.True(await next.WaitAsync(Long));
            order.Add(enumerator.Current);
            a.SetResult(1);
            Assert.True(await enumerator.MoveNextAsync());
            order.Add(enumerator.Current);
            Assert.False(await enumerator.MoveNextAsync());
        }
        Assert.Equal<Future>([b, a], order);

        var error = await Assert.ThrowsAsync<TimeoutException>(async () =>
        {
            await foreach (var _ in AsCompletedAsync([new Future<int>()], Short)) { }
        });
        Assert.Equal("1 (of 1) futures unfinished", error.Message);
    }

    [Fact]
    public async Task AsCompletedAsync_honours_cancellation()
    {
        using var cts = new CancellationTokenSource();
        var enumerator = AsCompletedAsync([new Future<int>()]).GetAsyncEnumerator(cts.Token);
        var next = enumerator.MoveNextAsync().AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next.WaitAsync(Long));
        await enumerator.DisposeAsync();
    }

    [Fact]
    public void Stopping_AsCompleted_early_leaves_no_listener_behind()
    {
        var pending = new Future<int>();
        using (var enumerator = AsCompleted([Done(1), pending]).GetEnumerator())
        {
            Assert.True(enumerator.MoveNext());
            Assert.Equal(1, pending.ListenerCount); // registered while enumerating
        }
        Assert.Equal(0, pending.ListenerCount);
    }
}
