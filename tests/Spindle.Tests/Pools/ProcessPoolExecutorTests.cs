using System.Net.Sockets;
using Spindle.Serialization;
using Spindle.Pools;
using Spindle.Processes;
using Spindle.Tests.Processes;
using Spindle.Tests.Support;
using static Spindle.Futures;

namespace Spindle.Tests.Pools;

public sealed class ProcessPoolExecutorTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public void Submit_runs_in_a_worker_and_workers_start_as_work_arrives()
    {
        using var executor = new ProcessPoolExecutor(2);
        Assert.Empty(executor.WorkerPids); // Python starts workers on submit
        var pid = executor.Submit(PoolTargets.Pid).Result(Long);
        Assert.NotEqual(Environment.ProcessId, pid);
        Assert.Contains(pid, executor.WorkerPids);
        Assert.Null(executor.Submit(static () => { }).Result(Long));
        var futures = Enumerable.Range(0, 200).Select(i => executor.Submit(() => i * 3)).ToList();
        Assert.Equal(Enumerable.Range(0, 200).Select(i => i * 3), futures.Select(f => f.Result(Long)));
        Assert.True(executor.WorkerPids.Count <= 2);
    }

    [Fact]
    public void Done_callbacks_Wait_and_AsCompleted_work_with_its_futures()
    {
        using var executor = new ProcessPoolExecutor(2);
        var called = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        executor.Submit(static () => 6 * 7).AddDoneCallback(f => called.TrySetResult(f.Result()));
        Assert.Equal(42, called.Task.WaitAsync(Long).GetAwaiter().GetResult());
        var futures = Enumerable.Range(1, 5).Select(i => executor.Submit(() => i * 10)).ToList();
        Assert.Equal([10, 20, 30, 40, 50], AsCompleted(futures, Long).Select(f => ((Future<int>)f).Result()).Order());
        var done = Wait(futures, Long);
        Assert.Equal(5, done.Done.Count);
        Assert.Empty(done.NotDone);
    }

    [Fact]
    public void Map_over_several_sources_runs_the_function_in_the_workers()
    {
        using var executor = new ProcessPoolExecutor(2);
        Assert.Equal([0, 11, 22, 33], executor.Map(static (int a, int b) => a + b, Enumerable.Range(0, 4), Enumerable.Range(0, 10).Select(x => x * 10)));
        Assert.Equal(["a1x", "b2y"], executor.Map(static (string s, int n, char c) => s + n + c, ["a", "b", "c"], [1, 2, 3], ['x', 'y']));
        Assert.DoesNotContain(Environment.ProcessId, executor.Map(static (int a, int b) => Environment.ProcessId, [1, 2, 3], [4, 5, 6], chunkSize: 2));
    }

    [Fact]
    public void Map_yields_in_order_with_chunks_and_honours_its_timeout()
    {
        using var scratch = new Scratch();
        using var executor = new ProcessPoolExecutor(2);
        Assert.Equal(Enumerable.Range(0, 500).Select(x => x * x), executor.Map(PoolTargets.Square, Enumerable.Range(0, 500), chunkSize: 7));
        Assert.Equal(Enumerable.Range(0, 20).Select(x => x * x), executor.Map(PoolTargets.Square, Enumerable.Range(0, 20)));
        Assert.Throws<ArgumentOutOfRangeException>(() => executor.Map(PoolTargets.Square, [1], chunkSize: 0));
        var reports = new System.Collections.Concurrent.ConcurrentQueue<MapProgress>();
        Assert.Equal(100, executor.Map(PoolTargets.Square, Enumerable.Range(0, 100), chunkSize: 10, progress: new SynchronousProgress(reports.Enqueue)).Count());
        Assert.True(SpinWait.SpinUntil(() => reports.Count == 10, Long)); // one report per chunk, up to the total
        Assert.Equal(100, reports.Max(r => r.Completed));
        Assert.All(reports, r => Assert.Equal(100, r.Total));
        var gate = scratch["go"];
        var slow = executor.Map(x => x == 1 && ChildTargets.WaitForFile(gate) ? 1 : x, [0, 1], timeout: TimeSpan.FromMilliseconds(200));
        Assert.Throws<TimeoutException>(() => slow.ToList());
        scratch.Touch("go"); // lets the running item end, so shutting down does not wait for it
    }

    [Fact]
    public void Map_with_a_buffer_size_reads_an_endless_source_as_results_are_taken()
    {
        using var executor = new ProcessPoolExecutor(2);
        var read = 0;
        IEnumerable<int> Endless()
        {
            foreach (var i in Enumerable.Range(0, int.MaxValue))
            {
                read++;
                yield return i;
            }
        }
        var taken = 0;
        foreach (var square in executor.Map(PoolTargets.Square, Endless(), bufferSize: 4).Take(30))
        {
            Assert.Equal(taken * taken, square);
            taken++;
            Assert.True(read <= taken + 4, $"{read} items read with {taken} taken");
        }
        read = 0;
        Assert.Equal(Enumerable.Range(0, 25).Select(x => x * x), executor.Map(PoolTargets.Square, Endless(), chunkSize: 5, bufferSize: 2).Take(25));
        Assert.True(read <= 5 * (5 + 2), $"{read} items read");
    }

    [Fact]
    public void Exceptions_keep_their_type_with_the_remote_stack_trace()
    {
        using var executor = new ProcessPoolExecutor(1);
        var future = executor.Submit(static () => PoolTargets.ThrowKeyNotFound(3));
        var error = Assert.Throws<KeyNotFoundException>(() => future.Result(Long));
        var remote = Assert.IsType<RemoteException>(error.InnerException);
        Assert.Contains(nameof(PoolTargets.ThrowKeyNotFound), remote.RemoteStackTrace, StringComparison.Ordinal);
        Assert.IsType<KeyNotFoundException>(future.Exception());
        Assert.Throws<KeyNotFoundException>(() => executor.Map(PoolTargets.ThrowKeyNotFound, Enumerable.Range(0, 5), chunkSize: 2).ToList());
    }

    [Fact]
    public void A_killed_worker_breaks_the_executor_every_pending_future_fails_and_later_submits_fail_at_once()
    {
        using var scratch = new Scratch();
        using var executor = new ProcessPoolExecutor(2);
        var path = scratch["pid"];
        var running = executor.Submit(() => PoolTargets.AnnounceAndHang(path));
        var pid = int.Parse(scratch.WaitForText("pid"), System.Globalization.CultureInfo.InvariantCulture);
        var pending = Enumerable.Range(0, 20).Select(_ => executor.Submit(static () => ChildTargets.WaitForFile("/nonexistent/never"))).ToList();
        Spindle.Signals.Signal.Kill(pid, 9);
        var broken = Assert.Throws<BrokenProcessPoolException>(() => running.Result(Long));
        var died = Assert.IsType<WorkerDiedException>(broken.InnerException);
        Assert.Equal(pid, died.Pid);
        Assert.All(pending, f => Assert.Throws<BrokenProcessPoolException>(() => f.Result(Long)));
        Assert.True(executor.IsBroken);
        Assert.Throws<BrokenProcessPoolException>(() => executor.Submit(static () => 1));
        Assert.IsAssignableFrom<BrokenExecutorException>(Assert.Throws<BrokenProcessPoolException>(() => executor.Submit(static () => 1)));
        executor.Shutdown(wait: true); // nothing hangs
    }

    [Fact]
    public void A_task_that_kills_its_worker_breaks_the_executor()
    {
        using var executor = new ProcessPoolExecutor(1);
        Assert.Throws<BrokenProcessPoolException>(() => executor.Submit(PoolTargets.KillSelf).Result(Long));
        Assert.Throws<BrokenProcessPoolException>(() => executor.Submit(static () => 1));
    }

    [Fact]
    public void A_task_that_overruns_its_timeout_fails_without_breaking_the_executor()
    {
        using var executor = new ProcessPoolExecutor(1, taskTimeout: TimeSpan.FromMilliseconds(300));
        var hung = executor.Submit(static () => ChildTargets.WaitForFile("/nonexistent/never"));
        var next = executor.Submit(static () => 5);
        Assert.Throws<TimeoutException>(() => hung.Result(Long));
        Assert.Equal(5, next.Result(Long));
        Assert.False(executor.IsBroken);
    }

    [Fact]
    public void MaxTasksPerChild_replaces_the_worker_as_in_Pythons_test()
    {
        using var executor = new ProcessPoolExecutor(1, maxTasksPerChild: 3);
        var pids = Enumerable.Range(0, 4).Select(_ => executor.Submit(PoolTargets.Pid).Result(Long)).ToList();
        Assert.Equal(pids[0], pids[1]);
        Assert.Equal(pids[0], pids[2]);
        Assert.NotEqual(pids[0], pids[3]);
    }

    [Fact]
    public void A_failing_initializer_breaks_the_executor()
    {
        using var executor = new ProcessPoolExecutor(1, initializer: static () => throw new InvalidOperationException("bad init"));
        var broken = Assert.Throws<BrokenProcessPoolException>(() => executor.Submit(static () => 1).Result(Long));
        Assert.Equal("bad init", broken.InnerException!.Message);
        Assert.Throws<BrokenProcessPoolException>(() => executor.Submit(static () => 1));
    }

    [Fact]
    public void Shutdown_waits_refuses_new_work_and_can_cancel_pending_futures()
    {
        using var scratch = new Scratch();
        var executor = new ProcessPoolExecutor(1);
        var gate = scratch["go"];
        var running = executor.Submit(() => ChildTargets.WaitForFile(gate));
        Assert.True(SpinWait.SpinUntil(() => running.IsRunning, Long));
        var pending = Enumerable.Range(0, 5).Select(i => executor.Submit(() => i)).ToList();
        executor.Shutdown(wait: false, cancelFutures: true);
        Assert.All(pending, f => Assert.True(f.IsCancelled));
        Assert.Equal("cannot schedule new futures after shutdown",
            Assert.Throws<InvalidOperationException>(() => executor.Submit(static () => 1)).Message);
        scratch.Touch("go");
        executor.Dispose(); // Shutdown(wait: true): the running work finishes first
        Assert.True(running.IsDone);
        Assert.True(running.Result());
        Assert.Empty(executor.WorkerPids);
    }

    [Theory]
    [InlineData(false, 15)]
    [InlineData(true, 9)]
    public void TerminateWorkers_and_KillWorkers_signal_the_workers_and_shut_the_executor_down(bool kill, int signal)
    {
        using var scratch = new Scratch();
        var executor = new ProcessPoolExecutor(1);
        var gate = scratch["never"];
        var running = executor.Submit(() => ChildTargets.WaitForFile(gate));
        Assert.True(SpinWait.SpinUntil(() => running.IsRunning, Long));
        var worker = Assert.Single(executor.WorkerPids);
        var pending = Enumerable.Range(0, 5).Select(i => executor.Submit(() => i)).ToList();
        if (kill) executor.KillWorkers();
        else executor.TerminateWorkers();
        var broken = Assert.Throws<BrokenProcessPoolException>(() => running.Result(Long));
        var died = Assert.IsType<WorkerDiedException>(broken.InnerException);
        Assert.Equal(worker, died.Pid);
        Assert.Equal(signal, died.Signal);
        Assert.All(pending, f => Assert.True(f.IsCancelled));
        Assert.ThrowsAny<InvalidOperationException>(() => executor.Submit(static () => 1));
        executor.Dispose(); // nothing left to wait for
        Assert.Empty(executor.WorkerPids);
        Assert.False(Directory.Exists($"/proc/{worker}"));
    }

    [Fact]
    public void TerminateWorkers_before_any_work_only_shuts_down()
    {
        using var executor = new ProcessPoolExecutor(2);
        executor.TerminateWorkers();
        executor.KillWorkers(); // again, and the other way: nothing more to do
        Assert.Throws<InvalidOperationException>(() => executor.Submit(static () => 1));
        Assert.Empty(executor.WorkerPids);
    }

    [Fact]
    public void A_cancelled_submit_never_starts()
    {
        using var scratch = new Scratch();
        using var executor = new ProcessPoolExecutor(1);
        var gate = scratch["go"];
        var marker = scratch["ran"];
        var blocker = executor.Submit(() => ChildTargets.WaitForFile(gate));
        using var cancel = new CancellationTokenSource();
        var cancelled = executor.Submit(() =>
        {
            File.WriteAllText(marker, "");
            return 1;
        }, cancel.Token);
        cancel.Cancel();
        Assert.True(cancelled.IsCancelled);
        scratch.Touch("go");
        Assert.True(blocker.Result(Long));
        Assert.Equal(3, executor.Submit(static () => 3).Result(Long));
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void What_cannot_cross_is_refused_at_submit_and_a_result_that_cannot_fails_its_future_only()
    {
        using var executor = new ProcessPoolExecutor(1);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = Assert.Throws<NotTransferableException>(() => executor.Submit(() => socket.Available));
        Assert.Contains("socket", refused.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(Socket), refused.Message, StringComparison.Ordinal);
        Assert.Throws<NotTransferableException>(() => executor.Map(static (Socket s) => s.Available, [socket]).ToList());

        var result = executor.Submit(static () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        var error = Assert.Throws<NotTransferableException>(() => result.Result(Long));
        Assert.Contains(nameof(Socket), error.Message, StringComparison.Ordinal);
        Assert.IsType<RemoteException>(error.InnerException);
        var mapped = Assert.Throws<NotTransferableException>(() =>
            executor.Map(static (int _) => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), [1, 2]).ToList());
        Assert.Contains(nameof(Socket), mapped.Message, StringComparison.Ordinal);
        Assert.Equal(3, executor.Submit(static () => 3).Result(Long)); // not broken, and the worker goes on
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessPoolExecutor(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessPoolExecutor(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessPoolExecutor(1, maxTasksPerChild: 0));
        using var executor = new ProcessPoolExecutor();
        Assert.Equal(Environment.ProcessorCount, executor.MaxWorkers);
    }
}
