using System.Collections.Concurrent;
using Spindle.Tests.Support;
using Spindle.Threading;

namespace Spindle.Tests.Threading.Executors;

public sealed class ThreadWorkerPoolTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void Apply_runs_on_a_worker_and_returns_the_result()
    {
        using var pool = new ThreadWorkerPool(2);
        Assert.Equal(2, pool.Processes);
        var (value, thread) = pool.Apply(() => (21 * 2, Environment.CurrentManagedThreadId));
        Assert.Equal(42, value);
        Assert.NotEqual(Environment.CurrentManagedThreadId, thread);
        Assert.Throws<FileNotFoundException>(() => pool.Apply<int>(() => throw new FileNotFoundException()));
    }

    [Fact]
    public void Seed_example_apply_async_with_callbacks_then_close_and_join()
    {
        var collected = new ConcurrentQueue<int>();
        var callbackThreads = new ConcurrentBag<string?>();
        var pool = new ThreadWorkerPool(5);
        for (var i = 0; i < 10; i++)
        {
            var n = i;
            pool.ApplyAsync(() => n * n, value =>
            {
                collected.Enqueue(value);
                callbackThreads.Add(Thread.CurrentThread.Name);
            });
        }
        pool.Close();
        pool.Join(); // waits for every callback too
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i * i).Order(), collected.Order());
        var handler = Assert.Single(callbackThreads.Distinct());
        Assert.EndsWith("-results", handler, StringComparison.Ordinal);
        pool.Dispose();
    }

    [Fact]
    public void ApplyAsync_error_goes_to_the_error_callback_and_Get_rethrows_it()
    {
        using var pool = new ThreadWorkerPool(1);
        using var called = new ManualResetEventSlim();
        Exception? received = null;
        var successCalled = false;
        var result = pool.ApplyAsync<int>(() => throw new DriveNotFoundException("no drive"), _ => successCalled = true, ex =>
        {
            received = ex;
            called.Set();
        });
        Assert.Throws<DriveNotFoundException>(() => result.Get(Long));
        Assert.True(called.Wait(Long));
        Assert.IsType<DriveNotFoundException>(received);
        Assert.False(successCalled);
        Assert.False(result.Successful);
    }

    [Fact]
    public void Callbacks_never_run_on_the_caller_of_Get_and_a_slow_callback_does_not_block_other_results()
    {
        using var pool = new ThreadWorkerPool(2);
        using var inCallback = new ManualResetEventSlim();
        using var releaseCallback = new ManualResetEventSlim();
        int? callbackThread = null;
        var first = pool.ApplyAsync(() => 1, _ =>
        {
            callbackThread = Environment.CurrentManagedThreadId;
            inCallback.Set();
            releaseCallback.Wait(Long);
        });
        Assert.Equal(1, first.Get(Long));
        Assert.True(inCallback.Wait(Long));
        var second = pool.ApplyAsync(() => 2, _ => { });
        Assert.Equal(2, second.Get(Long)); // while the first callback still blocks the handler
        Assert.NotEqual(Environment.CurrentManagedThreadId, callbackThread);
        releaseCallback.Set();
    }

    [Fact]
    public void Callback_exception_is_reported_and_later_callbacks_still_run()
    {
        var reports = new ConcurrentQueue<FutureCallbackFailedEventArgs>();
        EventHandler<FutureCallbackFailedEventArgs> handler = (_, e) => reports.Enqueue(e);
        Future.CallbackFailed += handler;
        try
        {
            var pool = new ThreadWorkerPool(1);
            var failing = pool.ApplyAsync(() => 1, _ => throw new InvalidTimeZoneException("callback broke"));
            var ran = false;
            pool.ApplyAsync(() => 2, _ => ran = true);
            pool.Close();
            pool.Join();
            Assert.True(ran);
            var report = Assert.Single(reports);
            Assert.Equal("callback broke", report.Exception.Message);
            Assert.Same(failing.Future, report.Future);
            pool.Dispose();
        }
        finally
        {
            Future.CallbackFailed -= handler;
        }
    }

    [Fact]
    public void Default_chunk_size_is_Pythons()
    {
        using var pool = new ThreadWorkerPool(4);
        Assert.Equal(7, pool.DefaultChunkSize(100)); // divmod(100, 16) = (6, 4) → 7
        Assert.Equal(2, pool.DefaultChunkSize(32));  // divmod(32, 16) = (2, 0) → 2
        Assert.Equal(1, pool.DefaultChunkSize(3));   // (0, 3) → 1
    }

    [Fact]
    public void Map_returns_results_in_order_and_runs_default_chunks_on_one_worker()
    {
        using var pool = new ThreadWorkerPool(2);
        Assert.Equal(Enumerable.Range(0, 50).Select(x => x * x), pool.Map(x => x * x, Enumerable.Range(0, 50)));
        // 16 items on 2 workers: chunks of 2, so each pair runs on one thread.
        var threads = pool.Map(_ => Environment.CurrentManagedThreadId, Enumerable.Range(0, 16));
        for (var i = 0; i < 16; i += 2) Assert.Equal(threads[i], threads[i + 1]);
        Assert.Empty(pool.Map(x => x, Array.Empty<int>()));
        Assert.Equal([1, 2, 3], pool.Map(x => x, [1, 2, 3], chunkSize: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Map(x => x, [1], chunkSize: 0));
    }

    [Fact]
    public void Map_rethrows_an_items_exception()
    {
        using var pool = new ThreadWorkerPool(2);
        Assert.Throws<InvalidDataException>(() => pool.Map(x => x == 5 ? throw new InvalidDataException() : x, Enumerable.Range(0, 10)));
    }

    [Fact]
    public void MapAsync_calls_back_with_the_list_or_the_error()
    {
        using var pool = new ThreadWorkerPool(2);
        using var done = new CountdownEvent(2);
        List<int>? list = null;
        Exception? error = null;
        var ok = pool.MapAsync(x => x + 1, [1, 2, 3], callback: l =>
        {
            list = l;
            done.Signal();
        });
        var failed = pool.MapAsync(x => x == 2 ? throw new InvalidCastException() : x, [1, 2, 3], chunkSize: 1, errorCallback: e =>
        {
            error = e;
            done.Signal();
        });
        Assert.Equal([2, 3, 4], ok.Get(Long));
        Assert.Throws<InvalidCastException>(() => failed.Get(Long));
        Assert.True(done.Wait(Long));
        Assert.Equal([2, 3, 4], list);
        Assert.IsType<InvalidCastException>(error);
        Assert.True(ok.Successful);
        Assert.False(failed.Successful);
    }

    [Fact]
    public void IMap_yields_in_order_and_Next_times_out()
    {
        using var release = new ManualResetEventSlim();
        using var pool = new ThreadWorkerPool(2);
        var results = pool.IMap(x =>
        {
            if (x == 0) release.Wait(Long);
            return x * 10;
        }, [0, 1, 2, 3]);
        Assert.Throws<TimeoutException>(() => results.Next(Short));
        release.Set();
        Assert.Equal(0, results.Next(Long));
        Assert.Equal([10, 20, 30], results.ToList());
        Assert.False(results.HasMore);
        Assert.Throws<InvalidOperationException>(() => results.Next());
    }

    [Fact]
    public void IMap_with_chunks_and_an_exception_raises_it_once_then_goes_on()
    {
        using var pool = new ThreadWorkerPool(2);
        var results = pool.IMap(x => x == 1 ? throw new ArithmeticException() : x, [0, 1, 2, 3, 4, 5], chunkSize: 1);
        Assert.Equal(0, results.Next(Long));
        Assert.Throws<ArithmeticException>(() => results.Next(Long));
        Assert.Equal([2, 3, 4, 5], results.ToList());

        var chunked = pool.IMap(x => x == 2 ? throw new ArithmeticException() : x, [0, 1, 2, 3, 4], chunkSize: 2);
        Assert.Equal(0, chunked.Next(Long));
        Assert.Equal(1, chunked.Next(Long));
        Assert.Throws<ArithmeticException>(() => chunked.Next(Long)); // the chunk [2, 3] failed as a whole
        Assert.Equal(4, chunked.Next(Long));
        Assert.False(chunked.HasMore);
    }

    [Fact]
    public void IMapUnordered_yields_in_completion_order()
    {
        using var release = new ManualResetEventSlim();
        using var pool = new ThreadWorkerPool(2);
        var results = pool.IMapUnordered(x =>
        {
            if (x == 0) release.Wait(Long);
            return x;
        }, [0, 1]);
        Assert.Equal(1, results.Next(Long));
        release.Set();
        Assert.Equal(0, results.Next(Long));
        Assert.Throws<InvalidOperationException>(() => results.Next());
        Assert.Equal(Enumerable.Range(0, 20), pool.IMapUnordered(x => x, Enumerable.Range(0, 20), chunkSize: 3).Order());
    }

    [Fact]
    public async Task IMap_results_can_be_enumerated_asynchronously()
    {
        using var pool = new ThreadWorkerPool(2);
        var collected = new List<int>();
        await foreach (var value in pool.IMap(x => x + 1, [1, 2, 3])) collected.Add(value);
        Assert.Equal([2, 3, 4], collected);
        var empty = pool.IMap(x => x, Array.Empty<int>());
        await Assert.ThrowsAsync<InvalidOperationException>(() => empty.NextAsync());
    }

    [Fact]
    public void StarMap_unpacks_pairs_and_triples()
    {
        using var pool = new ThreadWorkerPool(2);
        Assert.Equal([3, 7], pool.StarMap((int a, int b) => a + b, [(1, 2), (3, 4)]));
        Assert.Equal(["a1True"], pool.StarMap((string s, int n, bool f) => $"{s}{n}{f}", [("a", 1, true)]));
        Assert.Equal([2, 12], pool.StarMapAsync((int a, int b) => a * b, [(1, 2), (3, 4)]).Get(Long));
        Assert.Equal([6], pool.StarMapAsync((int a, int b, int c) => a * b * c, [(1, 2, 3)], chunkSize: 1).Get(Long));
    }

    [Fact]
    public void Join_before_close_is_an_error_and_submitting_after_close_is_refused()
    {
        var pool = new ThreadWorkerPool(1);
        var error = Assert.Throws<InvalidOperationException>(() => pool.Join());
        Assert.Equal("Pool is still running", error.Message);
        Assert.Throws<InvalidOperationException>(() => { _ = pool.JoinAsync(); });
        var queued = Enumerable.Range(0, 5).Select(i => pool.ApplyAsync(() => i)).ToList();
        pool.Close();
        var refused = Assert.Throws<InvalidOperationException>(() => pool.ApplyAsync(() => 1));
        Assert.Equal("Pool not running", refused.Message);
        Assert.Throws<InvalidOperationException>(() => pool.Map(x => x, [1]));
        Assert.Throws<InvalidOperationException>(() => pool.IMap(x => x, [1]));
        pool.Join();
        Assert.All(queued, r => Assert.True(r.Ready)); // close lets queued work finish
        pool.Dispose();
    }

    [Fact]
    public void Terminate_drops_queued_work_lets_running_work_finish_and_refuses_new_work()
    {
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var pool = new ThreadWorkerPool(1);
        var running = pool.ApplyAsync(() =>
        {
            started.Set();
            release.Wait(Long);
            return 1;
        });
        var queued = pool.ApplyAsync(() => 2);
        Assert.True(started.Wait(Long));
        var terminator = new Thread(pool.Terminate);
        terminator.Start();
        Assert.True(queued.Wait(Long)); // dropped before the running one finished
        Assert.Throws<FutureCancelledException>(() => queued.Get());
        release.Set();
        terminator.Join();
        Assert.Equal(1, running.Get(Long));
        Assert.Throws<InvalidOperationException>(() => pool.ApplyAsync(() => 3));
        pool.Join(); // allowed after terminate
        pool.Dispose();
    }

    [Fact]
    public async Task JoinAsync_completes_after_close()
    {
        var pool = new ThreadWorkerPool(2);
        var result = pool.ApplyAsync(() => 5);
        pool.Close();
        await pool.JoinAsync().WaitAsync(Long);
        Assert.Equal(5, result.Get(TimeSpan.Zero));
        pool.Join();
        pool.Dispose();
    }

    [Fact]
    public void MaxTasksPerChild_replaces_the_worker_thread()
    {
        using var pool = new ThreadWorkerPool(1, maxTasksPerChild: 2);
        var seen = Enumerable.Range(0, 6).Select(_ => pool.Apply(() => (Environment.CurrentManagedThreadId, Thread.CurrentThread.Name))).ToList();
        var groups = seen.GroupBy(s => s.CurrentManagedThreadId).ToList();
        Assert.Equal(3, groups.Count);
        Assert.All(groups, g => Assert.Equal(2, g.Count()));
        Assert.Equal(3, seen.Select(s => s.Name).Distinct().Count());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThreadWorkerPool(1, maxTasksPerChild: 0));
    }

    [Fact]
    public void Failing_initializer_breaks_the_pool()
    {
        using var submitted = new ManualResetEventSlim();
        var pool = new ThreadWorkerPool(1, initializer: () =>
        {
            submitted.Wait(Long);
            throw new InvalidProgramException("init failed");
        });
        Exception? toCallback = null;
        using var called = new ManualResetEventSlim();
        var pending = pool.ApplyAsync(() => 1, errorCallback: e =>
        {
            toCallback = e;
            called.Set();
        });
        submitted.Set();
        var error = Assert.Throws<BrokenExecutorException>(() => pending.Get(Long));
        Assert.IsType<InvalidProgramException>(error.InnerException);
        Assert.True(called.Wait(Long));
        Assert.IsType<BrokenExecutorException>(toCallback);
        Assert.Throws<BrokenExecutorException>(() => pool.ApplyAsync(() => 2));
        pool.Dispose();
    }

    [Fact]
    public void Initializer_runs_on_every_worker()
    {
        var count = 0;
        var pool = new ThreadWorkerPool(3, initializer: () => Interlocked.Increment(ref count));
        pool.Close();
        pool.Join();
        Assert.Equal(3, count);
        pool.Dispose();
    }

    [Fact]
    public void Default_size_and_bad_arguments()
    {
        using (var pool = new ThreadWorkerPool())
            Assert.Equal(Environment.ProcessorCount, pool.Processes);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThreadWorkerPool(0));
        using var valid = new ThreadWorkerPool(1);
        Assert.Throws<ArgumentNullException>(() => valid.ApplyAsync<int>(null!));
        Assert.Throws<ArgumentNullException>(() => valid.Map<int, int>(null!, [1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => valid.IMap(x => x, [1], chunkSize: 0));
    }

    [Fact]
    public async Task Async_results_are_awaitable()
    {
        using var pool = new ThreadWorkerPool(2);
        Assert.Equal(4, await pool.ApplyAsync(() => 2 + 2));
        Assert.Equal([1, 2], await pool.MapAsync(x => x, [1, 2]));
        await Assert.ThrowsAsync<FormatException>(async () => await pool.ApplyAsync<int>(() => throw new FormatException()));
    }

    [Fact]
    public void A_task_may_terminate_its_own_pool()
    {
        var pool = new ThreadWorkerPool(2);
        var result = pool.ApplyAsync(() =>
        {
            pool.Terminate();
            return 1;
        });
        Assert.Equal(1, result.Get(Long));
        pool.Join();
        Assert.Throws<InvalidOperationException>(() => pool.ApplyAsync(() => 2));
    }

    private static IEnumerable<int> GatedSource(ManualResetEventSlim gate, int before, int after)
    {
        for (var i = 0; i < before; i++) yield return i;
        if (!gate.Wait(Long)) throw new TimeoutException("the source was never released");
        for (var i = before; i < before + after; i++) yield return i;
    }

    [Fact]
    public void IMap_streams_results_while_a_lazy_source_is_still_producing()
    {
        using var gate = new ManualResetEventSlim();
        using var pool = new ThreadWorkerPool(2);
        var results = pool.IMap(x => x * 2, GatedSource(gate, before: 2, after: 2));
        Assert.Equal(0, results.Next(Long)); // the source is blocked: these came from what it produced so far
        Assert.Equal(2, results.Next(Long));
        Assert.Throws<TimeoutException>(() => results.Next(Short));
        gate.Set();
        Assert.Equal([4, 6], results.ToList());
        Assert.False(results.HasMore);
    }

    [Fact]
    public void IMapUnordered_over_a_lazy_source_with_chunks_yields_everything()
    {
        using var pool = new ThreadWorkerPool(3);
        Assert.Equal(Enumerable.Range(0, 50), pool.IMapUnordered(x => x, Enumerable.Range(0, 50).Select(x => x), chunkSize: 4).Order());
    }

    [Fact]
    public void Close_while_a_lazy_source_is_feeding_still_runs_all_of_it()
    {
        using var gate = new ManualResetEventSlim();
        var pool = new ThreadWorkerPool(2);
        var results = pool.IMap(x => x + 1, GatedSource(gate, before: 1, after: 3));
        Assert.Equal(1, results.Next(Long));
        pool.Close();
        gate.Set();
        Assert.Equal([2, 3, 4], results.ToList());
        pool.Join();
        pool.Dispose();
    }

    [Fact]
    public void An_exception_from_a_lazy_source_is_raised_at_its_place()
    {
        static IEnumerable<int> Failing()
        {
            yield return 1;
            throw new EndOfStreamException("source broke");
        }
        using var pool = new ThreadWorkerPool(2);
        var results = pool.IMap(x => x, Failing());
        Assert.Equal(1, results.Next(Long));
        var error = Assert.Throws<EndOfStreamException>(() => results.Next(Long));
        Assert.Equal("source broke", error.Message);
        Assert.Throws<InvalidOperationException>(() => results.Next(Long));
    }

    [Fact]
    public void Terminate_stops_feeding_a_lazy_source()
    {
        using var gate = new ManualResetEventSlim();
        var pool = new ThreadWorkerPool(1);
        var results = pool.IMap(x => x, GatedSource(gate, before: 1, after: 5));
        Assert.Equal(0, results.Next(Long));
        var terminator = new Thread(pool.Terminate);
        terminator.Start();
        Assert.True(SpinWait.SpinUntil(() => !pool.IsRunning, Long));
        gate.Set(); // the feeder resumes, finds the pool terminated and stops
        terminator.Join();
        var rest = new List<int>();
        Assert.Throws<FutureCancelledException>(() =>
        {
            foreach (var value in results) rest.Add(value);
        });
        Assert.Empty(rest);
        Assert.Throws<InvalidOperationException>(() => pool.IMap(x => x, Enumerable.Range(0, 3).Select(x => x)));
    }
}
