using Spindle.Ipc;
using Spindle.Pools;
using Spindle.Processes;
using Spindle.Serialization;
using Spindle.Signals;
using Spindle.Tests.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Pools;

/// <summary>Deaths, timeouts, replacement, initializers and shutdown: each test with a pool of its own.</summary>
public sealed class ProcessPoolLifecycleTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public void A_worker_killed_mid_task_fails_that_task_only_and_the_pool_goes_on()
    {
        using var pool = new ProcessPool(2);
        var before = pool.Map(PoolTargets.Square, Enumerable.Range(0, 10));
        var doomed = pool.ApplyAsync(PoolTargets.KillSelf);
        var others = Enumerable.Range(0, 50).Select(i => pool.ApplyAsync(() => PoolTargets.Square(i))).ToList();
        var died = Assert.Throws<WorkerDiedException>(() => doomed.Get(Long));
        Assert.Equal(9, died.Signal);
        Assert.Equal(-9, died.ExitCode);
        Assert.Contains("signal 9 (SIGKILL)", died.Message, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => i * i), others.Select(r => r.Get(Long)));
        Assert.DoesNotContain(died.Pid, pool.WorkerPids);
        Assert.Equal(before, pool.Map(PoolTargets.Square, Enumerable.Range(0, 10))); // usable, with a fresh worker
        Assert.True(SpinWait.SpinUntil(() => pool.WorkerPids.Count == 2, Long));
    }

    [Fact]
    public void A_worker_killed_from_outside_fails_its_running_task_and_the_others_finish()
    {
        using var scratch = new Scratch();
        using var pool = new ProcessPool(2);
        var path = scratch["pid"];
        var hanging = pool.ApplyAsync(() => PoolTargets.AnnounceAndHang(path));
        var pid = int.Parse(scratch.WaitForText("pid"), System.Globalization.CultureInfo.InvariantCulture);
        var queued = pool.MapAsync(PoolTargets.Square, Enumerable.Range(0, 100), chunkSize: 5);
        Signal.Kill(pid, 9);
        var died = Assert.Throws<WorkerDiedException>(() => hanging.Get(Long));
        Assert.Equal(pid, died.Pid);
        Assert.Equal(Enumerable.Range(0, 100).Select(x => x * x), queued.Get(Long));
    }

    [Fact]
    public void Tasks_the_dead_worker_held_but_had_not_started_run_elsewhere()
    {
        using var pool = new ProcessPool(1);
        // Short tasks go to the worker in batches: the killer's successors are in the same batch, not started.
        Assert.Equal(Enumerable.Range(0, 20).Select(x => x * x), pool.Map(PoolTargets.Square, Enumerable.Range(0, 20), chunkSize: 1));
        var results = Enumerable.Range(0, 40).Select(i => pool.ApplyAsync(() => i == 20 ? PoolTargets.KillSelf() : i)).ToList();
        for (var i = 0; i < 40; i++)
        {
            if (i == 20) Assert.Throws<WorkerDiedException>(() => results[i].Get(Long));
            else Assert.Equal(i, results[i].Get(Long));
        }
    }

    [Fact]
    public void A_task_that_exits_its_worker_fails_with_the_exit_code()
    {
        using var pool = new ProcessPool(1);
        var died = Assert.Throws<WorkerDiedException>(() => pool.Apply(static () =>
        {
            Environment.Exit(3);
            return 0;
        }));
        Assert.Equal(3, died.ExitCode);
        Assert.Null(died.Signal);
        Assert.Contains("exited with code 3", died.Message, StringComparison.Ordinal);
        Assert.Equal(4, pool.Apply(static () => 4));
    }

    [Fact]
    public void A_task_that_overruns_its_timeout_is_killed_with_its_worker_and_the_rest_continues()
    {
        using var pool = new ProcessPool(2, taskTimeout: TimeSpan.FromMilliseconds(500));
        var firstPids = pool.WorkerPids.ToList();
        var hung = pool.ApplyAsync(static () =>
        {
            Thread.Sleep(Timeout.Infinite);
            return 0;
        });
        var quick = Enumerable.Range(0, 20).Select(i => pool.ApplyAsync(() => i)).ToList();
        var timedOut = Assert.Throws<TimeoutException>(() => hung.Get(Long));
        Assert.Contains("timeout", timedOut.Message, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, 20), quick.Select(r => r.Get(Long)));
        Assert.True(SpinWait.SpinUntil(() => pool.WorkerPids.Count == 2 && pool.WorkerPids.Except(firstPids).Any(), Long));
        // Per item of a map: the chunk fails with the timeout, as a chunk fails with its first exception.
        Assert.Throws<TimeoutException>(() => pool.Map(static (int x) =>
        {
            if (x == 7) Thread.Sleep(Timeout.Infinite);
            return x;
        }, Enumerable.Range(0, 10), chunkSize: 5));
        Assert.Equal(9, pool.Apply(static () => 9));
    }

    [Fact]
    public void MaxTasksPerChild_replaces_workers_with_new_processes()
    {
        using var pool = new ProcessPool(1, maxTasksPerChild: 3);
        var pids = Enumerable.Range(0, 9).Select(_ => pool.Apply(PoolTargets.Pid)).ToList();
        Assert.Equal(3, pids.Distinct().Count());
        Assert.Equal([pids[0], pids[0], pids[0]], pids.Take(3));
        Assert.Equal([pids[3], pids[3], pids[3]], pids.Skip(3).Take(3));
        Assert.NotEqual(pids[0], pids[3]);
        // A map's chunks are tasks too (Python's lifetime test: results correct across replacements).
        Assert.Equal(Enumerable.Range(0, 100).Select(x => x * x), pool.Map(PoolTargets.Square, Enumerable.Range(0, 100), chunkSize: 10));
        pool.Close();
        pool.Join();
        Assert.Empty(pool.WorkerPids);
    }

    [Fact]
    public void The_initializer_runs_first_in_every_worker_with_its_captured_arguments()
    {
        var greeting = "hello";
        using var pool = new ProcessPool(2, initializer: () => PoolTargets.Initialized = $"{greeting} from {Environment.ProcessId}");
        var seen = pool.Map(static (int _) => PoolTargets.Initialized, Enumerable.Range(0, 20), chunkSize: 1);
        Assert.All(seen, s => Assert.StartsWith("hello from ", s, StringComparison.Ordinal));
        Assert.Equal("", PoolTargets.Initialized); // not in this process
    }

    [Fact]
    public void The_initializer_crosses_with_each_workers_start_so_it_may_capture_pipes_and_locks()
    {
        // Python's Pool(initializer=init, initargs=(lock,)): what only a child's start can carry (a descriptor) is
        // given to the workers this way, and tasks reach it through the worker's state.
        var (mine, theirs) = Pipe.Create();
        using (mine)
        using (theirs)
        using (var mutex = new ProcessLock())
        {
            using var pool = new ProcessPool(2, initializer: () => PoolTargets.Greet(theirs, mutex));
            int[] greeted = [mine.Recv<int>(), mine.Recv<int>()];
            Assert.Equal(pool.WorkerPids.Order(), greeted.Order());
        }
    }

    [Fact]
    public void A_worker_whose_start_cannot_be_rebuilt_breaks_the_pool_instead_of_respawning_forever()
    {
        var unrebuildable = new RefusesImport();
        using var pool = new ProcessPool(2, initializer: () => GC.KeepAlive(unrebuildable));
        var broken = Assert.Throws<BrokenExecutorException>(() => pool.Apply(static () => 1));
        var cause = Assert.IsType<RemoteException>(broken.InnerException);
        Assert.Equal(typeof(SerializationFormatException).FullName, cause.RemoteTypeName);
        Assert.Contains(nameof(RefusesImport), cause.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_initializer_breaks_the_pool()
    {
        using var pool = new ProcessPool(2, initializer: static () => throw new InvalidOperationException("no database"));
        var broken = Assert.Throws<BrokenExecutorException>(() => pool.Apply(static () => 1));
        var cause = Assert.IsType<InvalidOperationException>(broken.InnerException);
        Assert.Equal("no database", cause.Message);
        Assert.IsType<RemoteException>(cause.InnerException);
        Assert.Throws<BrokenExecutorException>(() => pool.ApplyAsync(static () => 1));
    }

    [Fact]
    public void Join_before_Close_is_an_error_and_Close_lets_queued_work_finish()
    {
        using var pool = new ProcessPool(2);
        Assert.Equal("Pool is still running", Assert.Throws<InvalidOperationException>(pool.Join).Message);
        var results = Enumerable.Range(0, 20).Select(i => pool.ApplyAsync(() => i + 1)).ToList();
        pool.Close();
        Assert.Equal("Pool not running", Assert.Throws<InvalidOperationException>(() => pool.ApplyAsync(static () => 0)).Message);
        pool.Join();
        Assert.Equal(Enumerable.Range(1, 20), results.Select(r => r.Get(TimeSpan.Zero)));
        Assert.Empty(pool.WorkerPids);
    }

    [Fact]
    public void Terminate_kills_running_work_at_once_and_drops_queued_work()
    {
        using var pool = new ProcessPool(2);
        var running = Enumerable.Range(0, 2).Select(_ => pool.ApplyAsync(static () =>
        {
            Thread.Sleep(Timeout.Infinite);
            return 0;
        })).ToList();
        var queued = pool.MapAsync(static (int x) => x, Enumerable.Range(0, 10_000), chunkSize: 1);
        Assert.True(SpinWait.SpinUntil(() => running.TrueForAll(r => r.Future.IsRunning), Long));
        pool.Terminate();
        Assert.All(running, r => Assert.Throws<FutureCancelledException>(() => r.Get(Long)));
        Assert.Throws<FutureCancelledException>(() => queued.Get(Long));
        pool.Join();
        Assert.Empty(pool.WorkerPids);
    }

    [Fact]
    public void Dispose_terminates_and_JoinAsync_completes()
    {
        var pool = new ProcessPool(1);
        var pids = pool.WorkerPids.ToList();
        pool.Dispose();
        Assert.True(pool.JoinAsync().Wait(Long));
        Assert.All(pids, pid => Assert.False(ProcessTable.Exists(pid) && ProcessTable.IsDescendantOf(pid, Environment.ProcessId)));
    }

    [Fact]
    public void Bad_arguments_are_refused_with_Pythons_errors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessPool(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessPool(1, maxTasksPerChild: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessPool(1, taskTimeout: TimeSpan.Zero));
        using var stream = new MemoryStream();
        Assert.Throws<NotTransferableException>(() => new ProcessPool(1, initializer: () => stream.WriteByte(1)));
        Assert.Equal(Environment.ProcessorCount, ProcessesDefaultSize());
    }

    private static int ProcessesDefaultSize()
    {
        using var pool = new ProcessPool();
        return pool.Processes;
    }
}
