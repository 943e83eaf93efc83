using System.Security.Authentication;
using Spindle.Managers;
using Spindle.Pools;
using Spindle.Processes;
using Spindle.Signals;
using Spindle.Tests.Ipc;
using Spindle.Tests.Support;

using ProcessesApi = Spindle.Processes.Processes;

namespace Spindle.Tests.Managers;

/// <summary>
/// Python's Manager + Pool pairing: proxies captured by pool and executor tasks work in the workers, across tasks on
/// the same worker and across worker replacements.
/// </summary>
public sealed class ManagerPoolTests : LeakCheckedTest
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public void Map_and_ApplyAsync_tasks_write_through_captured_proxies_and_every_write_arrives()
    {
        using var manager = Manager.StartNew();
        using var dict = manager.Dict<int, int>();
        using var list = manager.List<int>();
        using var mutex = manager.Lock();
        using var counter = manager.Value(0);
        using var pool = new ProcessPool(2);

        var pids = pool.Map(i =>
        {
            dict[i] = i * i;
            list.Add(i);
            using (mutex.EnterScope()) counter.Value += 1;
            return Environment.ProcessId;
        }, Enumerable.Range(0, 100), chunkSize: 5);

        var results = Enumerable.Range(100, 20)
            .Select(i => pool.ApplyAsync(() =>
            {
                dict[i] = i * i;
                list.Add(i);
                using (mutex.EnterScope()) counter.Value += 1;
                return Environment.ProcessId;
            }))
            .ToList();
        pids.AddRange(results.Select(r => r.Get(Long)));

        Assert.Equal(Enumerable.Range(0, 120).ToDictionary(i => i, i => i * i), dict.ToDictionary());
        Assert.Equal(Enumerable.Range(0, 120), list.ToList().Order());
        Assert.Equal(120, counter.Value);
        Assert.DoesNotContain(Environment.ProcessId, pids);
        Assert.True(pids.Distinct().Count() <= 2, "a reused worker keeps its connections across tasks");
    }

    [Fact]
    public void Executor_tasks_share_a_queue_and_a_lock_through_captured_proxies()
    {
        using var manager = Manager.StartNew();
        using var queue = manager.Queue<string>();
        using var mutex = manager.Lock();
        using var seen = manager.Dict<string, int>();
        using var executor = new ProcessPoolExecutor(2);

        var producers = Enumerable.Range(0, 10)
            .Select(i => executor.Submit(() =>
            {
                for (var j = 0; j < 10; j++) queue.Put($"{i}:{j}");
                return Environment.ProcessId;
            }))
            .ToList();
        foreach (var f in producers) f.Result(Long);
        var consumers = Enumerable.Range(0, 4)
            .Select(_ => executor.Submit(() =>
            {
                var taken = 0;
                while (queue.TryGet(out var item))
                {
                    using (mutex.EnterScope()) seen[item] = seen.Get(item, 0) + 1;
                    taken++;
                }
                return taken;
            }))
            .ToList();

        Assert.Equal(100, consumers.Sum(f => f.Result(Long)));
        Assert.Equal(100, seen.Count);
        Assert.All(seen.Values, n => Assert.Equal(1, n));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Retired_workers_close_their_manager_connections_and_the_server_keeps_serving()
    {
        using var manager = Manager.StartNew();
        using var dict = manager.Dict<int, int>();
        var serverPid = manager.ServerPid!.Value;
        var before = ServerConnections(serverPid); // the listener, this process's connection, the owner's pipe
        using (var pool = new ProcessPool(2, maxTasksPerChild: 1))
        {
            var pids = Enumerable.Range(0, 8)
                .Select(i => pool.ApplyAsync(() =>
                {
                    dict[i] = Environment.ProcessId;
                    return Environment.ProcessId;
                }))
                .Select(r => r.Get(Long))
                .ToList();
            Assert.Equal(8, pids.Distinct().Count()); // a fresh worker for every task
            Assert.Equal(pids, Enumerable.Range(0, 8).Select(i => dict[i]));
            // Every retired worker's connection is gone from the server, not only from the worker.
            var left = WaitUntilEmpty(() => ServerConnections(serverPid) is var now && now > before ? [now] : new List<int>());
            Assert.Empty(left);
        }
        dict[-1] = -1; // this process's connection was never disturbed
        Assert.Equal(9, dict.Count);
    }

    [Fact]
    public void A_manager_with_another_key_than_the_workers_is_refused_in_tasks_as_in_Python()
    {
        // Python: a proxy pickled into a pool task carries no authkey; the worker uses its own (inherited from this
        // process), which a manager started with a key of its own refuses: AuthenticationError.
        var key = "a key of the manager's own"u8.ToArray();
        using var manager = Manager.StartNew(authKey: key);
        using var dict = manager.Dict<string, int>();
        using (var pool = new ProcessPool(1))
        {
            var refused = Assert.Throws<AuthenticationException>(() => pool.Apply(() => dict["task"] = 1));
            Assert.Contains("key", refused.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(1, pool.Apply(static () => 1)); // the worker goes on
        }
        // Python's remedy: the workers take the manager's key in their initializer.
        using (var pool = new ProcessPool(1, initializer: () => ProcessesApi.AuthKey = key))
        {
            Assert.Equal(2, pool.Apply(() => dict["task"] = 2));
        }
        Assert.Equal(2, dict["task"]);
    }

    internal static void InitializeWorker(DictProxy<string, int> dict) => dict["initialized"] = dict.Get("initialized", 0) + 1;

    [Fact]
    public void A_proxy_captured_by_the_initializer_carries_its_key_as_a_child_process_start_does()
    {
        // Python sends the initializer's arguments with the worker's start (the spawning pickler includes the
        // proxy's authkey), so even a manager with a key of its own is reachable there.
        using var manager = Manager.StartNew(authKey: "another key"u8.ToArray());
        using var dict = manager.Dict<string, int>();
        using (var pool = new ProcessPool(2, initializer: () => InitializeWorker(dict)))
        {
            pool.Close();
            pool.Join();
        }
        Assert.Equal(2, dict["initialized"]);
    }

    internal static string TakeOne(QueueProxy<string> queue, EventProxy ready)
    {
        ready.Set();
        return queue.Get();
    }

    internal static int HoldAWhile(LockProxy mutex, EventProxy ready)
    {
        ready.Set();
        mutex.Acquire();
        mutex.Release();
        return Environment.ProcessId;
    }

    [Fact]
    public void A_worker_killed_in_a_queue_get_loses_no_item_and_the_server_keeps_serving()
    {
        using var manager = Manager.StartNew();
        using var queue = manager.Queue<string>();
        using var ready = manager.Event();
        var serverPid = manager.ServerPid!.Value;
        var before = ServerConnections(serverPid);
        using var pool = new ProcessPool(1);

        var blocked = pool.ApplyAsync(() => TakeOne(queue, ready));
        Assert.True(ready.Wait(Long));
        Signal.Kill(pool.WorkerPids[0], 9);
        Assert.IsType<WorkerDiedException>(Record.Exception(() => blocked.Get(Long)));

        // The dead worker's get must not keep what comes now, whether or not the server has seen it die yet (if it
        // took an item first, the item goes back to the queue).
        queue.Put("first");
        queue.Put("second");
        string[] received = [queue.Get(Long), pool.Apply(() => queue.Get(Long))]; // the fresh worker is served
        Assert.Equal(["first", "second"], received.Order());
        var left = WaitUntilEmpty(() => ServerConnections(serverPid) is var now && now > before + 1 ? [now] : new List<int>());
        Assert.Empty(left); // the dead worker's connection is gone; the fresh one's stays
    }

    [Fact]
    public void A_worker_killed_waiting_for_a_lock_is_never_granted_it()
    {
        using var manager = Manager.StartNew();
        using var mutex = manager.Lock();
        using var ready = manager.Event();
        using var pool = new ProcessPool(1);

        mutex.Acquire();
        var blocked = pool.ApplyAsync(() => HoldAWhile(mutex, ready));
        Assert.True(ready.Wait(Long));
        Signal.Kill(pool.WorkerPids[0], 9);
        Assert.IsType<WorkerDiedException>(Record.Exception(() => blocked.Get(Long)));
        mutex.Release();
        Assert.True(mutex.Acquire(Long), "the lock went to a dead worker");
        mutex.Release();
        ready.Clear();
        Assert.NotEqual(0, pool.Apply(() => HoldAWhile(mutex, ready)));
    }

    [Fact]
    public void A_registered_service_runs_its_work_on_a_pool_the_server_process_owns()
    {
        // What Python's undocumented manager.Pool() is for — several processes feeding one set of workers — through a
        // registered interface: its methods are typed, the server knows their code, and its pool dies with it.
        using var manager = new Manager();
        manager.Register<ISquares>("Squares", static () => PooledSquares.Shared);
        manager.Start();
        var squares = manager.Create<ISquares>("Squares");
        var serverPid = manager.ServerPid!.Value;
        Children.RunAll(new SpindleProcess(() => Assert.Equal(285, squares.SumOfSquares(10))));
        Assert.Equal(328_350, squares.SumOfSquares(100));
        Assert.All(squares.WorkerParents(), parent => Assert.Equal(serverPid, parent));
    }

    /// <summary>Sockets the manager's server holds open: its listener and one per client connection.</summary>
    private static int ServerConnections(int serverPid) =>
        Directory.EnumerateFiles($"/proc/{serverPid}/fd")
            .Count(fd => TryReadLink(fd)?.StartsWith("socket:", StringComparison.Ordinal) == true);

    private static string? TryReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }
}

public interface ISquares
{
    int SumOfSquares(int count);

    int[] WorkerParents();
}

/// <summary>A service whose one instance, in the manager's server process, owns a process pool.</summary>
public sealed class PooledSquares : ISquares, IDisposable
{
    private static readonly Lazy<PooledSquares> s_shared = new(() => new PooledSquares());
    private readonly ProcessPool _pool = new(2);

    public static PooledSquares Shared => s_shared.Value;

    public int SumOfSquares(int count) => _pool.Map(static (int x) => x * x, Enumerable.Range(0, count)).Sum();

    public void Dispose() => _pool.Dispose();

    public int[] WorkerParents() => [.. _pool.Map(static (int _) => ProcessesApi.Parent!.Pid, Enumerable.Range(0, 4), chunkSize: 1).Distinct()];
}
