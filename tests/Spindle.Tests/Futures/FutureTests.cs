using System.Runtime.CompilerServices;
using Spindle.Tests.Support;

namespace Spindle.Tests.Futures;

public sealed class FutureTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void New_future_is_pending_and_not_done()
    {
        var future = new Future<int>();
        Assert.Equal(FutureState.Pending, future.State);
        Assert.False(future.IsRunning);
        Assert.False(future.IsDone);
        Assert.False(future.IsCancelled);
    }

    [Fact]
    public void Pending_to_running_to_finished()
    {
        var future = new Future<int>();
        Assert.True(future.SetRunningOrNotifyCancel());
        Assert.Equal(FutureState.Running, future.State);
        Assert.True(future.IsRunning);
        future.SetResult(42);
        Assert.Equal(FutureState.Finished, future.State);
        Assert.True(future.IsDone);
        Assert.False(future.IsRunning);
        Assert.Equal(42, future.Result());
        Assert.Null(future.Exception());
    }

    [Fact]
    public void Result_can_be_set_on_a_pending_future()
    {
        var future = new Future<string>();
        future.SetResult("x");
        Assert.Equal("x", future.Result(TimeSpan.Zero));
    }

    [Fact]
    public void Cancel_while_pending_succeeds_and_is_idempotent()
    {
        var future = new Future<int>();
        Assert.True(future.Cancel());
        Assert.Equal(FutureState.Cancelled, future.State);
        Assert.True(future.IsCancelled);
        Assert.True(future.IsDone);
        Assert.True(future.Cancel());
        Assert.False(future.SetRunningOrNotifyCancel());
    }

    [Fact]
    public void Cancel_fails_once_running_or_finished()
    {
        var running = new Future<int>();
        running.SetRunningOrNotifyCancel();
        Assert.False(running.Cancel());
        Assert.Equal(FutureState.Running, running.State);

        var finished = new Future<int>();
        finished.SetResult(1);
        Assert.False(finished.Cancel());
        Assert.Equal(1, finished.Result());
    }

    [Fact]
    public void Cancelled_future_throws_FutureCancelledException_from_Result_and_Exception()
    {
        var future = new Future<int>();
        future.Cancel();
        var error = Assert.Throws<FutureCancelledException>(() => future.Result());
        Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.Throws<FutureCancelledException>(() => future.Exception());
    }

    [Fact]
    public void SetRunningOrNotifyCancel_twice_is_an_error()
    {
        var future = new Future<int>();
        future.SetRunningOrNotifyCancel();
        Assert.Throws<InvalidOperationException>(() => future.SetRunningOrNotifyCancel());
    }

    [Fact]
    public void Setting_a_done_future_throws_InvalidOperationException()
    {
        var finished = new Future<int>();
        finished.SetResult(1);
        Assert.Throws<InvalidOperationException>(() => finished.SetResult(2));
        Assert.Throws<InvalidOperationException>(() => finished.SetException(new InvalidCastException()));
        Assert.Equal(1, finished.Result());

        var cancelled = new Future<int>();
        cancelled.Cancel();
        Assert.Throws<InvalidOperationException>(() => cancelled.SetResult(2));
        Assert.Throws<InvalidOperationException>(() => cancelled.SetException(new InvalidCastException()));
    }

    [Fact]
    public void Exception_is_rethrown_with_its_type_and_original_stack_trace()
    {
        var future = new Future<int>();
        try
        {
            ThrowFromNamedMethod();
        }
        catch (ArithmeticException ex)
        {
            future.SetException(ex);
        }
        var thrown = Assert.Throws<ArithmeticException>(() => future.Result());
        Assert.Equal("boom", thrown.Message);
        Assert.Contains(nameof(ThrowFromNamedMethod), thrown.StackTrace, StringComparison.Ordinal);
        var returned = future.Exception();
        Assert.IsType<ArithmeticException>(returned);
        Assert.Same(thrown, returned);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowFromNamedMethod() => throw new ArithmeticException("boom");

    [Fact]
    public void Result_and_Exception_time_out_on_a_pending_future()
    {
        var future = new Future<int>();
        var started = DateTime.UtcNow;
        Assert.Throws<TimeoutException>(() => future.Result(Short));
        Assert.True(DateTime.UtcNow - started >= Short - TimeSpan.FromMilliseconds(15));
        Assert.Throws<TimeoutException>(() => future.Exception(Short));
        Assert.Throws<TimeoutException>(() => future.Result(TimeSpan.Zero));
    }

    [Fact]
    public void Negative_timeout_is_rejected_but_infinite_is_accepted()
    {
        var future = new Future<int>();
        Assert.Throws<ArgumentOutOfRangeException>(() => future.Result(TimeSpan.FromSeconds(-1)));
        future.SetResult(3);
        Assert.Equal(3, future.Result(Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void Result_blocks_until_another_thread_sets_it()
    {
        var future = new Future<int>();
        using var waiting = new ManualResetEventSlim();
        var setter = new Thread(() =>
        {
            waiting.Wait(Long);
            future.SetResult(7);
        });
        setter.Start();
        waiting.Set();
        Assert.Equal(7, future.Result(Long));
        setter.Join();
    }

    [Fact]
    public void Result_blocks_until_another_thread_cancels_it()
    {
        var future = new Future<int>();
        var canceller = new Thread(() => future.Cancel());
        canceller.Start();
        Assert.Throws<FutureCancelledException>(() => future.Result(Long));
        canceller.Join();
    }

    [Fact]
    public void Callbacks_run_in_registration_order_on_the_completing_thread()
    {
        var future = new Future<int>();
        var calls = new List<string>();
        int? callbackThread = null;
        future.AddDoneCallback(f =>
        {
            calls.Add($"typed {f.Result()}");
            callbackThread = Environment.CurrentManagedThreadId;
        });
        future.AddDoneCallback((Future f) => calls.Add($"untyped {f.IsDone}"));
        future.AddDoneCallback(_ => calls.Add("third"));
        Assert.Empty(calls);
        var completer = new Thread(() => future.SetResult(5));
        completer.Start();
        completer.Join();
        Assert.Equal(["typed 5", "untyped True", "third"], calls);
        Assert.Equal(completer.ManagedThreadId, callbackThread);
    }

    [Fact]
    public void Callback_added_after_done_runs_at_once_on_the_calling_thread()
    {
        var future = new Future<int>();
        future.SetResult(1);
        int? ranOn = null;
        future.AddDoneCallback(_ => ranOn = Environment.CurrentManagedThreadId);
        Assert.Equal(Environment.CurrentManagedThreadId, ranOn);
    }

    [Fact]
    public void Callbacks_run_on_cancel()
    {
        var future = new Future<int>();
        var sawCancelled = false;
        future.AddDoneCallback(f => sawCancelled = f.IsCancelled);
        future.Cancel();
        Assert.True(sawCancelled);
    }

    [Fact]
    public void Failing_callback_is_reported_and_the_others_still_run()
    {
        var future = new Future<int>();
        var reports = new List<FutureCallbackFailedEventArgs>();
        EventHandler<FutureCallbackFailedEventArgs> handler = (_, e) => reports.Add(e);
        var ran = new List<int>();
        Future.CallbackFailed += handler;
        try
        {
            future.AddDoneCallback(_ => ran.Add(1));
            future.AddDoneCallback(_ => throw new InvalidTimeZoneException("bad callback"));
            future.AddDoneCallback(_ => ran.Add(3));
            future.SetResult(9);
            future.AddDoneCallback(_ => throw new InvalidTimeZoneException("late callback"));
        }
        finally
        {
            Future.CallbackFailed -= handler;
        }
        Assert.Equal([1, 3], ran);
        Assert.Equal(2, reports.Count);
        Assert.Same(future, reports[0].Future);
        Assert.Equal("bad callback", reports[0].Exception.Message);
        Assert.Equal("late callback", reports[1].Exception.Message);
        Assert.Equal(9, future.Result());
    }

    [Fact]
    public void Failing_callback_without_subscribers_writes_one_line_to_stderr()
    {
        var future = new Future<int>();
        var original = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            future.AddDoneCallback(_ => throw new InvalidTimeZoneException("unobserved"));
            future.SetResult(1);
        }
        finally
        {
            Console.SetError(original);
        }
        var text = captured.ToString();
        Assert.Contains("exception calling callback for", text, StringComparison.Ordinal);
        Assert.Contains("unobserved", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Awaiting_a_future_gives_its_result()
    {
        var future = new Future<int>();
        var awaited = AwaitIt(future);
        Assert.False(awaited.IsCompleted);
        future.SetResult(11);
        Assert.Equal(11, await awaited.WaitAsync(Long));
        Assert.Equal(11, await future); // already done
    }

    private static async Task<int> AwaitIt(Future<int> future) => await future;

    [Fact]
    public async Task Awaiting_a_failed_future_throws_its_exception()
    {
        var future = new Future<int>();
        var task = future.AsTask();
        future.SetException(new FormatException("bad"));
        var error = await Assert.ThrowsAsync<FormatException>(() => task.WaitAsync(Long));
        Assert.Equal("bad", error.Message);
        await Assert.ThrowsAsync<FormatException>(async () => await future);
    }

    [Fact]
    public async Task Awaiting_a_cancelled_future_throws_FutureCancelledException()
    {
        var pending = new Future<int>();
        var task = pending.AsTask();
        pending.Cancel();
        await Assert.ThrowsAsync<FutureCancelledException>(() => task.WaitAsync(Long));
        await Assert.ThrowsAsync<FutureCancelledException>(async () => await pending);
    }

    [Fact]
    public void ToString_names_state_and_outcome()
    {
        // CPython's test_repr patterns, with .NET's types.
        var future = new Future<int>();
        Assert.Matches("^<Future at 0x[0-9a-f]+ state=pending>$", future.ToString());
        Assert.True(future.SetRunningOrNotifyCancel());
        Assert.Matches("^<Future at 0x[0-9a-f]+ state=running>$", future.ToString());
        future.SetResult(1);
        Assert.Matches("^<Future at 0x[0-9a-f]+ state=finished returned int>$", future.ToString());
        var failed = new Future<int>();
        failed.SetException(new FormatException());
        Assert.Matches("^<Future at 0x[0-9a-f]+ state=finished raised FormatException>$", failed.ToString());
        var cancelled = new Future<string>();
        Assert.True(cancelled.Cancel());
        Assert.Matches("^<Future at 0x[0-9a-f]+ state=cancelled>$", cancelled.ToString());
        var text = new Future<string>();
        text.SetResult("x");
        Assert.EndsWith("returned string>", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResultAsync_and_ExceptionAsync_time_out_and_report_outcomes()
    {
        var future = new Future<int>();
        await Assert.ThrowsAsync<TimeoutException>(() => future.ResultAsync(Short));
        await Assert.ThrowsAsync<TimeoutException>(() => future.ExceptionAsync(Short));
        using (var cts = new CancellationTokenSource())
        {
            var waiting = future.ResultAsync(cancellationToken: cts.Token);
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        }
        var pending = future.ResultAsync(Long);
        future.SetResult(4);
        Assert.Equal(4, await pending);
        Assert.Null(await future.ExceptionAsync());

        var failed = new Future<int>();
        failed.SetException(new FormatException());
        Assert.IsType<FormatException>(await failed.ExceptionAsync());
        await Assert.ThrowsAsync<FormatException>(() => failed.ResultAsync());
        var cancelled = new Future<int>();
        cancelled.Cancel();
        await Assert.ThrowsAsync<FutureCancelledException>(() => cancelled.ExceptionAsync());
    }

    [Fact]
    public async Task An_async_wait_that_timed_out_leaves_no_listener_behind()
    {
        var future = new Future<int>();
        await Assert.ThrowsAsync<TimeoutException>(() => future.ResultAsync(TimeSpan.Zero));
        Assert.Equal(0, future.ListenerCount);
        var result = new AsyncResult<int>(future);
        Assert.False(await result.WaitAsync(Short));
        Assert.Equal(0, future.ListenerCount);
        await Assert.ThrowsAsync<TimeoutException>(() => future.ExceptionAsync(Short));
        Assert.Equal(0, future.ListenerCount);
    }
}
