using System.Collections.Concurrent;
using Spindle.Tests.Support;
using Spindle.Threading;
using static Spindle.Futures;

namespace Spindle.Tests.Threading.Executors;

public sealed class ThreadPoolExecutorTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void Submit_runs_the_work_and_returns_its_result()
    {
        using var executor = new ThreadPoolExecutor(2);
        var future = executor.Submit(() => 6 * 7);
        Assert.Equal(42, future.Result(Long));
        Assert.Equal(FutureState.Finished, future.State);
        var action = executor.Submit(() => { });
        Assert.Null(action.Result(Long));
    }

    [Fact]
    public void Seed_example_five_workers_ten_tasks_with_done_callbacks()
    {
        var results = new ConcurrentBag<int>();
        using (var executor = new ThreadPoolExecutor(maxWorkers: 5))
        {
            for (var i = 0; i < 10; i++)
            {
                var n = i;
                executor.Submit(() => n * n).AddDoneCallback(f => results.Add(f.Result()));
            }
        }
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i * i).Order(), results.Order());
    }

    [Fact]
    public void Seed_example_as_completed_over_five_futures()
    {
        using var executor = new ThreadPoolExecutor(maxWorkers: 5);
        var futures = Enumerable.Range(1, 5).Select(i => executor.Submit(() => i * 10)).ToList();
        var values = AsCompleted(futures, Long).Select(f => ((Future<int>)f).Result()).Order().ToList();
        Assert.Equal([10, 20, 30, 40, 50], values);
    }

    [Fact]
    public void Exception_in_the_work_is_rethrown_with_its_type()
    {
        using var executor = new ThreadPoolExecutor(1);
        var future = executor.Submit<int>(() => throw new KeyNotFoundException("missing"));
        var error = Assert.Throws<KeyNotFoundException>(() => future.Result(Long));
        Assert.Equal("missing", error.Message);
        Assert.IsType<KeyNotFoundException>(future.Exception());
        var action = executor.Submit(() => throw new FormatException());
        Assert.Throws<FormatException>(() => action.Result(Long));
    }

    [Fact]
    public void Cancel_succeeds_while_pending_and_fails_while_running()
    {
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var secondRan = false;
        using (var executor = new ThreadPoolExecutor(1))
        {
            var running = executor.Submit(() =>
            {
                started.Set();
                release.Wait(Long);
                return 1;
            });
            var pending = executor.Submit(() => secondRan = true);
            Assert.True(started.Wait(Long));
            Assert.True(running.IsRunning);
            Assert.False(running.Cancel());
            Assert.Equal(FutureState.Pending, pending.State);
            Assert.True(pending.Cancel());
            release.Set();
            Assert.Equal(1, running.Result(Long));
            Assert.Throws<FutureCancelledException>(() => pending.Result(Long));
        }
        Assert.False(secondRan);
    }

    [Fact]
    public void Submit_with_a_cancelled_token_returns_a_cancelled_future_that_never_runs()
    {
        var ran = false;
        using (var executor = new ThreadPoolExecutor(1))
        {
            var future = executor.Submit(() => ran = true, new CancellationToken(canceled: true));
            Assert.True(future.IsCancelled);
        }
        Assert.False(ran);
    }

    [Fact]
    public void Token_cancelled_while_pending_cancels_the_future_and_the_work_never_starts()
    {
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using var cts = new CancellationTokenSource();
        var ran = false;
        Future<bool> pending;
        using (var executor = new ThreadPoolExecutor(1))
        {
            executor.Submit(() =>
            {
                started.Set();
                release.Wait(Long);
            });
            pending = executor.Submit(() => ran = true, cts.Token);
            Assert.True(started.Wait(Long));
            cts.Cancel();
            Assert.True(pending.IsCancelled);
            release.Set();
        }
        Assert.False(ran);
        Assert.Throws<FutureCancelledException>(() => pending.Result());
    }

    [Fact]
    public void Token_cancelled_after_the_work_started_changes_nothing()
    {
        using var cts = new CancellationTokenSource();
        using var executor = new ThreadPoolExecutor(1);
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var future = executor.Submit(() =>
        {
            started.Set();
            release.Wait(Long);
            return 5;
        }, cts.Token);
        Assert.True(started.Wait(Long));
        cts.Cancel();
        release.Set();
        Assert.Equal(5, future.Result(Long));
    }

    [Fact]
    public void Map_yields_results_in_input_order()
    {
        using var executor = new ThreadPoolExecutor(4);
        var results = executor.Map(x => x * 2, Enumerable.Range(0, 100)).ToList();
        Assert.Equal(Enumerable.Range(0, 100).Select(x => x * 2), results);
    }

    // CPython's test_map: map(pow, range(10), range(10)) and map over sources of unequal length (stops at the shortest).
    [Fact]
    public void Map_over_several_sources_takes_one_item_of_each_and_stops_at_the_shortest()
    {
        using var executor = new ThreadPoolExecutor(3);
        Assert.Equal(Enumerable.Range(0, 10).Select(x => Math.Pow(x, x)), executor.Map(Math.Pow, Enumerable.Range(0, 10).Select(x => (double)x), Enumerable.Range(0, 10).Select(x => (double)x)));
        Assert.Equal(["a1", "b2"], executor.Map((string s, int n) => s + n, ["a", "b", "c"], [1, 2], chunkSize: 2));
        Assert.Equal([111, 222], executor.Map((int a, int b, int c) => a + b + c, [1, 2], [10, 20, 30], [100, 200]));
        var failing = executor.Map((int a, int b) => a / b, [1, 2], [1, 0]);
        Assert.Throws<DivideByZeroException>(() => failing.ToList());
    }

    [Fact]
    public void Map_with_chunks_keeps_order_and_runs_each_chunk_as_one_work_item()
    {
        using var executor = new ThreadPoolExecutor(4);
        Assert.Equal(Enumerable.Range(0, 23).Select(x => x + 1), executor.Map(x => x + 1, Enumerable.Range(0, 23), chunkSize: 5));
        var threads = executor.Map(_ => Environment.CurrentManagedThreadId, Enumerable.Range(0, 10), chunkSize: 10).ToList();
        Assert.Single(threads.Distinct());
        Assert.Throws<ArgumentOutOfRangeException>(() => executor.Map(x => x, [1], chunkSize: 0));
    }

    [Fact]
    public void Map_with_a_buffer_size_reads_an_endless_source_lazily_and_bounds_the_work_in_flight()
    {
        using var executor = new ThreadPoolExecutor(8);
        var read = 0;
        var running = 0;
        var mostRunning = 0;
        IEnumerable<int> Endless()
        {
            foreach (var i in Enumerable.Range(0, int.MaxValue))
            {
                Interlocked.Increment(ref read);
                yield return i;
            }
        }
        int Twice(int x)
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostRunning, now);
            Interlocked.Decrement(ref running);
            return x * 2;
        }
        var map = executor.Map(Twice, Endless(), bufferSize: 3);
        Assert.Equal(3, Volatile.Read(ref read)); // the call submits the first three, no more
        var taken = 0;
        foreach (var result in map.Take(50))
        {
            Assert.Equal(taken * 2, result);
            taken++;
            Assert.True(Volatile.Read(ref read) <= taken + 3, $"{read} items read with {taken} taken");
        }
        Assert.True(mostRunning <= 3, $"{mostRunning} ran at once");

        read = 0;
        Assert.Equal(Enumerable.Range(0, 20), executor.Map(x => x, Endless(), chunkSize: 4, bufferSize: 2).Take(20));
        Assert.True(read <= 4 * (5 + 2), $"{read} items read"); // chunks, not items, are buffered
        Assert.Throws<ArgumentOutOfRangeException>(() => executor.Map(x => x, [1], bufferSize: 0));
        Assert.Equal([11, 22], executor.Map((int a, int b) => a + b, [1, 2], [10, 20, 30], bufferSize: 1));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var was = Interlocked.CompareExchange(ref target, value, seen);
            if (was == seen) return;
            seen = was;
        }
    }

    [Fact]
    public void Map_submits_at_the_call_not_when_enumerated()
    {
        using var executor = new ThreadPoolExecutor(2);
        var ran = new CountdownEvent(3);
        using (ran)
        {
            var results = executor.Map(x =>
            {
                ran.Signal();
                return x;
            }, [1, 2, 3]);
            Assert.True(ran.Wait(Long)); // ran without anyone enumerating
            Assert.Equal([1, 2, 3], results);
        }
    }

    [Fact]
    public void Map_throws_an_items_exception_when_its_result_is_reached()
    {
        using var executor = new ThreadPoolExecutor(2);
        var seen = new List<int>();
        var error = Assert.Throws<InvalidDataException>(() =>
        {
            foreach (var value in executor.Map(x => x == 2 ? throw new InvalidDataException("item 2") : x, [0, 1, 2, 3])) seen.Add(value);
        });
        Assert.Equal("item 2", error.Message);
        Assert.Equal([0, 1], seen);
    }

    [Fact]
    public void Map_times_out_from_the_iterator()
    {
        using var release = new ManualResetEventSlim();
        using var executor = new ThreadPoolExecutor(1);
        var results = executor.Map(x =>
        {
            release.Wait(Long);
            return x;
        }, [1, 2], timeout: Short);
        Assert.Throws<TimeoutException>(() => results.ToList());
        release.Set();
    }

    [Fact]
    public void Stopping_a_map_early_cancels_the_remaining_work()
    {
        using var secondStarted = new ManualResetEventSlim();
        using var releaseSecond = new ManualResetEventSlim();
        var ran = new ConcurrentBag<int>();
        using (var executor = new ThreadPoolExecutor(1))
        {
            var results = executor.Map(x =>
            {
                ran.Add(x);
                if (x == 1)
                {
                    secondStarted.Set();
                    releaseSecond.Wait(Long);
                }
                return x;
            }, [0, 1, 2, 3, 4]);
            foreach (var value in results)
            {
                Assert.Equal(0, value);
                break;
            }
            releaseSecond.Set();
        }
        Assert.DoesNotContain(2, ran);
        Assert.DoesNotContain(3, ran);
        Assert.DoesNotContain(4, ran);
    }

    [Fact]
    public void Map_with_a_cancelled_token_cancels_pending_items()
    {
        using var executor = new ThreadPoolExecutor(1);
        var results = executor.Map(x => x, [1, 2], cancellationToken: new CancellationToken(canceled: true));
        Assert.Throws<FutureCancelledException>(() => results.ToList());
    }

    [Fact]
    public void Shutdown_with_wait_runs_queued_work_then_refuses_new_work()
    {
        var executor = new ThreadPoolExecutor(1);
        var futures = Enumerable.Range(0, 20).Select(i => executor.Submit(() => i)).ToList();
        executor.Shutdown(wait: true);
        Assert.True(executor.IsShutdown);
        Assert.All(futures, f => Assert.Equal(FutureState.Finished, f.State));
        var error = Assert.Throws<InvalidOperationException>(() => executor.Submit(() => 1));
        Assert.Equal("cannot schedule new futures after shutdown", error.Message);
        Assert.Throws<InvalidOperationException>(() => executor.Submit(() => { }));
        executor.Shutdown(); // idempotent
        executor.Dispose();
    }

    [Fact]
    public void Shutdown_with_cancelFutures_cancels_what_has_not_started()
    {
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var executor = new ThreadPoolExecutor(1);
        var running = executor.Submit(() =>
        {
            started.Set();
            release.Wait(Long);
            return "done";
        });
        var queued = Enumerable.Range(0, 5).Select(i => executor.Submit(() => i)).ToList();
        Assert.True(started.Wait(Long));
        executor.Shutdown(wait: false, cancelFutures: true);
        Assert.All(queued, f => Assert.True(f.IsCancelled));
        release.Set();
        executor.Shutdown(wait: true);
        Assert.Equal("done", running.Result());
    }

    [Fact]
    public void Shutdown_without_wait_returns_while_work_runs_and_the_work_still_completes()
    {
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var executor = new ThreadPoolExecutor(1);
        var running = executor.Submit(() =>
        {
            started.Set();
            release.Wait(Long);
            return 1;
        });
        var queued = executor.Submit(() => 2);
        Assert.True(started.Wait(Long));
        executor.Shutdown(wait: false);
        Assert.False(running.IsDone);
        release.Set();
        Assert.Equal(1, running.Result(Long));
        Assert.Equal(2, queued.Result(Long));
        executor.Dispose(); // joins the worker
    }

    [Fact]
    public void Dispose_waits_for_the_work()
    {
        Future<int> future;
        using (var executor = new ThreadPoolExecutor(2))
        {
            future = executor.Submit(() => 3);
        }
        Assert.True(future.IsDone);
    }

    [Fact]
    public void Failing_initializer_breaks_the_executor()
    {
        using var submitted = new ManualResetEventSlim();
        var executor = new ThreadPoolExecutor(1, initializer: () =>
        {
            submitted.Wait(Long);
            throw new InvalidProgramException("init failed");
        });
        var pending = executor.Submit(() => 1);
        submitted.Set();
        var error = Assert.Throws<BrokenExecutorException>(() => pending.Result(Long));
        Assert.IsType<InvalidProgramException>(error.InnerException);
        Assert.True(executor.IsBroken);
        var later = Assert.Throws<BrokenExecutorException>(() => executor.Submit(() => 2));
        Assert.Equal("init failed", later.InnerException?.Message);
        executor.Dispose();
    }

    [Fact]
    public void Initializer_runs_once_per_worker_before_its_work()
    {
        var initialized = new ThreadLocal<bool>();
        using (initialized)
        {
            using var executor = new ThreadPoolExecutor(2, initializer: () => initialized.Value = true);
            Assert.All(Enumerable.Range(0, 10).Select(_ => executor.Submit(() => initialized.Value)).ToList(), f => Assert.True(f.Result(Long)));
        }
    }

    [Fact]
    public void Worker_threads_are_named_after_the_prefix()
    {
        using (var executor = new ThreadPoolExecutor(1, threadNamePrefix: "crawler"))
        {
            var thread = executor.Submit(() => (Thread.CurrentThread.Name, Thread.CurrentThread.IsBackground)).Result(Long);
            Assert.Equal(("crawler_0", true), thread);
        }
        using (var unnamed = new ThreadPoolExecutor(1))
        {
            var name = unnamed.Submit(() => Thread.CurrentThread.Name).Result(Long);
            Assert.Matches("^ThreadPoolExecutor-[0-9]+_0$", name);
        }
    }

    [Fact]
    public void Threads_start_lazily_and_never_exceed_the_maximum()
    {
        using var release = new ManualResetEventSlim();
        using var executor = new ThreadPoolExecutor(3);
        Assert.Equal(0, executor.ThreadCount);
        Assert.Equal(3, executor.MaxWorkers);
        var futures = Enumerable.Range(0, 10).Select(_ => executor.Submit(() => release.Wait(Long))).ToList();
        Assert.Equal(3, executor.ThreadCount);
        release.Set();
        Assert.All(futures, f => Assert.True(f.Result(Long)));
    }

    [Fact]
    public void Default_worker_count_is_Pythons_and_bad_arguments_are_rejected()
    {
        using (var executor = new ThreadPoolExecutor())
            Assert.Equal(Math.Min(32, Environment.ProcessorCount + 4), executor.MaxWorkers);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThreadPoolExecutor(0));
        using var valid = new ThreadPoolExecutor(1);
        Assert.Throws<ArgumentNullException>(() => valid.Submit((Func<int>)null!));
    }

    [Fact]
    public async Task Futures_of_the_executor_are_awaitable()
    {
        using var executor = new ThreadPoolExecutor(2);
        Assert.Equal(9, await executor.Submit(() => 3 * 3));
        await Assert.ThrowsAsync<FormatException>(async () => await executor.Submit<int>(() => throw new FormatException()));
    }

    [Fact]
    public void Many_producers_and_workers_lose_no_work()
    {
        using var executor = new ThreadPoolExecutor(4);
        var futures = new Future<int>[2][];
        var producers = Enumerable.Range(0, 2).Select(p => new Thread(() =>
        {
            futures[p] = new Future<int>[20_000];
            for (var i = 0; i < futures[p].Length; i++)
            {
                var n = i;
                futures[p][i] = executor.Submit(() => n + p);
            }
        })).ToList();
        producers.ForEach(t => t.Start());
        producers.ForEach(t => t.Join());
        for (var p = 0; p < 2; p++)
        {
            for (var i = 0; i < futures[p].Length; i++) Assert.Equal(i + p, futures[p][i].Result(Long));
        }
    }

    [Fact]
    public void Work_submitted_in_trickles_to_parked_workers_always_runs()
    {
        using var executor = new ThreadPoolExecutor(3);
        for (var i = 0; i < 200; i++)
        {
            var n = i;
            Assert.Equal(n, executor.Submit(() => n).Result(Long)); // workers go back to spinning or parking between tasks
        }
    }

    [Fact]
    public void A_work_item_can_be_completed_from_elsewhere_with_a_boxed_result()
    {
        // What an executor that ships work to a process or a broker does with the reply.
        var item = ShipOut(new WorkItem<int>(() => throw new InvalidOperationException("must not run here")));
        Assert.NotNull(item.Function);
        Assert.True(item.Future.SetRunningOrNotifyCancel());
        Assert.True(item.TryComplete(41 + 1));
        Assert.False(item.TryComplete(0));
        Assert.Equal(42, ((Future<int>)item.Future).Result());
        Assert.Null(item.Function);
    }

    private static IWorkItem ShipOut(IWorkItem item) => item;
}
