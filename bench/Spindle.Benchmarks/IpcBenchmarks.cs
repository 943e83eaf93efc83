using BenchmarkDotNet.Attributes;
using Spindle.Ipc;

namespace Spindle.Benchmarks;

/// <summary>Cross-process primitives on shared memory (issue 4): the uncontended fast path, one process.</summary>
public class IpcBenchmarks
{
    public const int Pairs = 1_000_000;

    private ProcessLock _lock = null!;

    [GlobalSetup]
    public void Setup() => _lock = new ProcessLock();

    [GlobalCleanup]
    public void Cleanup() => _lock.Dispose();

    /// <summary>Python: multiprocessing.Lock acquire()+release() pairs in one process (≈ 44 ns here).</summary>
    [Benchmark(OperationsPerInvoke = Pairs)]
    public int ProcessLockUncontended()
    {
        var l = _lock;
        for (var i = 0; i < Pairs; i++)
        {
            l.Acquire();
            l.Release();
        }
        return Pairs;
    }
}
