using BenchmarkDotNet.Attributes;
using Spindle.Threading;

namespace Spindle.Benchmarks;

/// <summary>
/// The in-process figures of the foundation issue, shaped exactly like the Python peer
/// (../shared/peers/python/b07_threading.py) so the two can be compared as a ratio.
/// </summary>
[MemoryDiagnoser]
public class ThreadingBenchmarks
{
    public const int QueueItems = 500_000;
    public const int ExecutorTasks = 100_000;
    public const int LockPairs = 1_000_000;

    private ThreadPoolExecutor _executor = null!;
    private readonly ThreadLock _lock = new();
    private readonly Future<int>[] _futures = new Future<int>[ExecutorTasks];

    [GlobalSetup]
    public void Setup()
    {
        // Python: ThreadPoolExecutor(4), warmed with a map so its workers exist before timing.
        _executor = new ThreadPoolExecutor(maxWorkers: 4);
        foreach (var _ in _executor.Map(x => x * x, Enumerable.Range(0, 100))) { }
    }

    [GlobalCleanup]
    public void Cleanup() => _executor.Dispose();

    /// <summary>Python: a producer thread puts 500,000 ints into queue.Queue, the main thread gets them.</summary>
    [Benchmark(OperationsPerInvoke = QueueItems)]
    public long QueuePutGet()
    {
        var q = new ThreadQueue<int>();
        var producer = new SpindleThread(() =>
        {
            for (var i = 0; i < QueueItems; i++) q.Put(i);
        });
        producer.Start();
        long sum = 0;
        for (var i = 0; i < QueueItems; i++) sum += q.Get();
        producer.Join();
        return sum;
    }

    /// <summary>Python: 100,000 executor.submit(sq, i) then f.result() on each, 4 warm workers.</summary>
    [Benchmark(OperationsPerInvoke = ExecutorTasks)]
    public long ExecutorSubmitResult()
    {
        for (var i = 0; i < ExecutorTasks; i++)
        {
            var x = i;
            _futures[i] = _executor.Submit(() => x * x);
        }
        long sum = 0;
        foreach (var f in _futures) sum += f.Result();
        return sum;
    }

    /// <summary>Python: threading.Lock acquire()+release() pairs in one thread.</summary>
    [Benchmark(OperationsPerInvoke = LockPairs)]
    public int LockUncontended()
    {
        var l = _lock;
        for (var i = 0; i < LockPairs; i++)
        {
            l.Acquire();
            l.Release();
        }
        return LockPairs;
    }
}
