using System.Net.Sockets;
using System.Collections.Concurrent;
using Spindle.Pools;
using Spindle.Processes;
using Spindle.Serialization;
using Spindle.Tests.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Pools;

/// <summary>One pool of two workers for the tests that neither kill nor replace workers (starting workers is the slow part).</summary>
public sealed class SharedProcessPool : IDisposable
{
    public ProcessPool Pool { get; } = new(2);

    public void Dispose() => Pool.Dispose();
}

public sealed class ProcessPoolTests(SharedProcessPool shared) : LeakCheckedTest, IClassFixture<SharedProcessPool>
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);
    private readonly ProcessPool _pool = shared.Pool;

    [Fact]
    public void Map_returns_results_in_order_whatever_the_chunk_size()
    {
        var items = Enumerable.Range(0, 1000).ToArray();
        var expected = items.Select(x => x * x).ToList();
        Assert.Equal(expected, _pool.Map(PoolTargets.Square, items));
        Assert.Equal(expected, _pool.Map(PoolTargets.Square, items, chunkSize: 1));
        Assert.Equal(expected, _pool.Map(PoolTargets.Square, items, chunkSize: 333));
        Assert.Equal(expected, _pool.Map(PoolTargets.Square, items.Select(x => x))); // a lazy source is read first
        Assert.Empty(_pool.Map(PoolTargets.Square, Array.Empty<int>()));
    }

    [Fact]
    public void Map_of_every_kind_of_item_crosses_intact()
    {
        var longs = Enumerable.Range(0, 100_000).Select(i => (long)i * 1_000_003).ToArray();
        Assert.Equal(longs.Select(x => x * x), _pool.Map(PoolTargets.SquareLong, longs));
        Assert.Equal([1.5, 3.5], _pool.Map(static (double d) => d + 1, [0.5, 2.5]));
        Assert.Equal([Color.Green, Color.Blue], _pool.Map(static (Color c) => c + 1, [Color.Red, Color.Green]));
        Assert.Equal([1.1m, 2.2m], _pool.Map(static (decimal m) => m * 1.1m, [1m, 2m]));
        Assert.Equal(["A!", "BB!", "CCC!"], _pool.Map(static (string s) => s + "!", ["A", "BB", "CCC"], chunkSize: 2));
        Assert.Equal([new Pair("a", 2), new Pair("b", 4)], _pool.Map(static (Pair p) => p with { Value = p.Value * 2 }, [new Pair("a", 1), new Pair("b", 2)]));
        Assert.Equal([3, 5], _pool.Map(static (int[] a) => a.Sum(), [[1, 2], [2, 3]]));
    }

    [Fact]
    public void Work_runs_in_the_worker_processes()
    {
        var pids = _pool.Map(static (int _) => Environment.ProcessId, Enumerable.Range(0, 20), chunkSize: 1);
        Assert.DoesNotContain(Environment.ProcessId, pids);
        Assert.All(pids, pid => Assert.Contains(pid, _pool.WorkerPids));
        Assert.Equal(2, _pool.WorkerPids.Count);
        var n = 21;
        Assert.Equal(42, _pool.Apply(() => n * 2));
        Assert.Contains(_pool.Apply(PoolTargets.Pid), _pool.WorkerPids);
    }

    [Fact]
    public void ApplyAsync_callbacks_run_in_this_process_on_the_result_thread()
    {
        var threads = new ConcurrentBag<string?>();
        var values = new ConcurrentBag<int>();
        using var done = new CountdownEvent(11);
        for (var i = 0; i < 10; i++)
        {
            var k = i;
            _pool.ApplyAsync(() => k * 10, callback: v =>
            {
                values.Add(v);
                threads.Add(Thread.CurrentThread.Name);
                done.Signal();
            });
        }
        Exception? error = null;
        var failing = _pool.ApplyAsync(static () => PoolTargets.ThrowKeyNotFound(3), errorCallback: e =>
        {
            error = e;
            done.Signal();
        });
        Assert.True(done.Wait(Long));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i * 10).Order(), values.Order());
        Assert.All(threads, name => Assert.EndsWith("-results", name, StringComparison.Ordinal));
        Assert.IsType<KeyNotFoundException>(error);
        Assert.False(failing.Successful);
    }

    [Fact]
    public void A_failing_callback_is_reported_not_lost_and_results_go_on()
    {
        var reported = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnFailed(object? sender, FutureCallbackFailedEventArgs e) => reported.TrySetResult(e.Exception);
        Future.CallbackFailed += OnFailed;
        try
        {
            _pool.ApplyAsync(static () => 1, callback: _ => throw new FormatException("callback broke"));
            Assert.IsType<FormatException>(reported.Task.WaitAsync(Long).GetAwaiter().GetResult());
            Assert.Equal(2, _pool.ApplyAsync(static () => 2).Get(Long));
        }
        finally
        {
            Future.CallbackFailed -= OnFailed;
        }
    }

    [Fact]
    public void Exceptions_keep_their_type_with_the_remote_stack_trace()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => _pool.Apply(static () => PoolTargets.ThrowKeyNotFound(3)));
        Assert.Equal("no key 3", error.Message);
        var remote = Assert.IsType<RemoteException>(error.InnerException);
        Assert.Equal("System.Collections.Generic.KeyNotFoundException", remote.RemoteTypeName);
        Assert.Contains(nameof(PoolTargets.ThrowKeyNotFound), remote.RemoteStackTrace, StringComparison.Ordinal);
        // Python: the whole chunk fails with its first exception
        Assert.Throws<KeyNotFoundException>(() => _pool.Map(PoolTargets.ThrowKeyNotFound, Enumerable.Range(0, 10), chunkSize: 2));
        var odd = Assert.Throws<RemoteException>(() => _pool.Apply(PoolTargets.ThrowCustom));
        Assert.Equal(typeof(OddException).FullName, odd.RemoteTypeName);
        Assert.Equal("odd 7", odd.Message);
        Assert.Contains(nameof(PoolTargets.ThrowCustom), odd.RemoteStackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public void What_cannot_cross_is_refused_at_the_call_and_a_result_that_cannot_is_the_tasks_error()
    {
        using var stream = new MemoryStream();
        var refused = Assert.Throws<NotTransferableException>(() => _pool.ApplyAsync(() => stream.Length));
        Assert.Contains("stream", refused.Message, StringComparison.Ordinal);
        Assert.Throws<NotTransferableException>(() => _pool.Map(static (Stream s) => s.Length, [new MemoryStream()]));
        var result = Assert.Throws<NotTransferableException>(() => _pool.Apply(static () => (Stream)new MemoryStream()));
        Assert.IsType<RemoteException>(result.InnerException);
        Assert.Equal(1, _pool.Apply(static () => 1)); // the worker goes on
    }

    [Fact]
    public void A_socket_cannot_cross_either_way_and_the_error_names_its_type()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = Assert.Throws<NotTransferableException>(() => _pool.ApplyAsync(() => socket.Available));
        Assert.Contains(nameof(Socket), refused.Message, StringComparison.Ordinal);
        var result = _pool.ApplyAsync(static () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        var error = Assert.Throws<NotTransferableException>(() => result.Get(Long));
        Assert.StartsWith("the task's result (System.Net.Sockets.Socket) cannot be sent", error.Message, StringComparison.Ordinal);
        var mapped = Assert.Throws<NotTransferableException>(() =>
            _pool.Map(static (int _) => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), [1, 2, 3]));
        Assert.Contains(nameof(Socket), mapped.Message, StringComparison.Ordinal);
        Assert.Equal([1, 4], _pool.Map(PoolTargets.Square, [1, 2])); // the workers go on
    }

    [Fact]
    public void IMap_yields_in_order_and_IMapUnordered_yields_everything()
    {
        Assert.Equal(Enumerable.Range(0, 50).Select(x => x * x), _pool.IMap(PoolTargets.Square, Enumerable.Range(0, 50).ToList(), chunkSize: 3).ToList());
        Assert.Equal(Enumerable.Range(0, 50).Select(x => x * x), _pool.IMap(PoolTargets.Square, Lazy(50)).ToList());
        Assert.Equal(Enumerable.Range(0, 50).Select(x => x * x).Order(), _pool.IMapUnordered(PoolTargets.Square, Lazy(50), chunkSize: 4).Order());
        var iterator = _pool.IMap(PoolTargets.ThrowKeyNotFound, Enumerable.Range(0, 6).ToList());
        Assert.Equal([0, 1, 2], [iterator.Next(Long), iterator.Next(Long), iterator.Next(Long)]);
        Assert.Throws<KeyNotFoundException>(() => iterator.Next(Long));
        Assert.Equal(4, iterator.Next(Long)); // Python's next() goes on after an item's exception
    }

    private static IEnumerable<int> Lazy(int count)
    {
        for (var i = 0; i < count; i++) yield return i;
    }

    [Fact]
    public void StarMap_unpacks_pairs_and_triples()
    {
        Assert.Equal([3, 7], _pool.StarMap(static (int a, int b) => a + b, [(1, 2), (3, 4)]));
        Assert.Equal(["a1x", "b2y"], _pool.StarMapAsync(static (string s, int n, char c) => $"{s}{n}{c}", [("a", 1, 'x'), ("b", 2, 'y')]).Get(Long));
    }

    [Fact]
    public void A_cancelled_call_never_starts()
    {
        using var scratch = new Scratch();
        var marker = scratch["ran"];
        var gate = scratch["go"];
        // Two long calls keep both workers busy, so the cancelled ones are still queued.
        var blockers = Enumerable.Range(0, 2).Select(_ => _pool.ApplyAsync(() => ChildTargets.WaitForFile(gate))).ToList();
        using var cancel = new CancellationTokenSource();
        var cancelled = _pool.ApplyAsync(() =>
        {
            File.WriteAllText(marker, "");
            return 1;
        }, cancellationToken: cancel.Token);
        var map = _pool.MapAsync(x =>
        {
            File.WriteAllText(marker, "");
            return x;
        }, [1, 2, 3], cancellationToken: cancel.Token);
        cancel.Cancel();
        Assert.Throws<FutureCancelledException>(() => cancelled.Get(Long));
        Assert.Throws<FutureCancelledException>(() => map.Get(Long));
        scratch.Touch("go");
        Assert.All(blockers, b => Assert.True(b.Get(Long)));
        Assert.Equal(5, _pool.Apply(static () => 5)); // everything queued before this has been dispatched or dropped
        Assert.False(File.Exists(marker));
        Assert.Throws<FutureCancelledException>(() => _pool.Apply(static () => 1, cancel.Token));
    }

    [Fact]
    public void Maps_report_their_progress_up_to_the_total()
    {
        var reports = new ConcurrentQueue<MapProgress>();
        var progress = new SynchronousProgress(reports.Enqueue);
        var squares = _pool.Map(PoolTargets.Square, Enumerable.Range(0, 100).ToArray(), chunkSize: 10, progress: progress);
        Assert.Equal(100, squares.Count);
        Assert.True(SpinWait.SpinUntil(() => reports.LastOrDefault().Completed == 100, Long));
        var seen = reports.ToList();
        Assert.All(seen, r => Assert.Equal(100, r.Total));
        Assert.Equal(seen.Select(r => r.Completed).Order(), seen.Select(r => r.Completed)); // never goes back
        Assert.Equal(1.0, seen[^1].Fraction);
    }
}
