using Spindle.Pools;

namespace Spindle.Cli.Bench;

/// <summary>
/// The process pool figures of issue 5, each measured as <c>b02_pool.py</c> measures Python's (pools made and warmed
/// outside the timed region, median of 5 runs): <c>Pool.map</c> of 1,000,000 <c>x*x</c> with automatic chunks and of
/// 20,000 with chunk size 1, 20,000 <c>apply_async</c> then <c>get</c>, 20,000 executor <c>submit</c> then <c>result</c>,
/// the executor's map of 200,000 in chunks of 1,000; then a CPU-bound map on both cores against one worker, and a pool's
/// start to its first result against a bare .NET start.
/// </summary>
internal static class PoolBench
{
    private const string Peer = "b02_pool.py";
    private const int Runs = 5;

    /// <summary>The suite.</summary>
    public static BenchSuite Suite { get; } = new("pools",
        "process Pool / ProcessPoolExecutor: map, apply_async, submit throughput; CPU scaling; start to first result", Run);

    private static List<BenchRow> Run(BenchContext context)
    {
        var rows = new List<BenchRow>();
        using (var pool = new ProcessPool(2))
        {
            pool.Map(Square, Longs(1_000));
            var million = Longs(1_000_000);
            var twenty = Longs(20_000);
            Warm(() => pool.ApplyAsync(() => Square(3)).Get());
            context.Progress("Pool(2): map 1e6, map 2e4 chunk size 1, 20,000 ApplyAsync …");
            var map = Rate(million.Length, () => Check(pool.Map(Square, million), million));
            var mapChunk1 = Rate(twenty.Length, () => Check(pool.Map(Square, twenty, chunkSize: 1), twenty));
            var apply = Rate(twenty.Length, () =>
            {
                var results = new List<AsyncResult<long>>(twenty.Length);
                foreach (var x in twenty) results.Add(pool.ApplyAsync(() => Square(x)));
                Check(results.ConvertAll(r => r.Get()), twenty);
            });
            rows.Add(new("Pool.Map, 1,000,000 × x*x, automatic chunk size", map, context.PythonFigure(Peer, "pool.map.n1e6.default_chunksize"),
                "items/s", HigherIsBetter: true, "≥ 5× (goal 10×)"));
            rows.Add(new("Pool.Map, 20,000 × x*x, chunk size 1", mapChunk1, context.PythonFigure(Peer, "pool.map.n2e4.chunksize1"), "items/s", HigherIsBetter: true));
            rows.Add(new("20,000 Pool.ApplyAsync, then Get each", apply, context.PythonFigure(Peer, "pool.apply_async.n2e4"), "tasks/s", HigherIsBetter: true, "≥ 10×"));
        }
        using (var executor = new ProcessPoolExecutor(2))
        {
            _ = executor.Map(Square, Longs(100)).ToList();
            var twenty = Longs(20_000);
            var twoHundred = Longs(200_000);
            Warm(() => executor.Submit(() => Square(3)).Result());
            context.Progress("ProcessPoolExecutor(2): 20,000 Submit, map 2e5 chunk size 1,000 …");
            var submit = Rate(twenty.Length, () =>
            {
                var futures = new List<Future<long>>(twenty.Length);
                foreach (var x in twenty) futures.Add(executor.Submit(() => Square(x)));
                Check(futures.ConvertAll(f => f.Result()), twenty);
            });
            var exMap = Rate(twoHundred.Length, () => Check([.. executor.Map(Square, twoHundred, chunkSize: 1_000)], twoHundred));
            rows.Add(new("20,000 ProcessPoolExecutor.Submit, then Result each", submit, context.PythonFigure(Peer, "ppe.submit_result.n2e4"),
                "tasks/s", HigherIsBetter: true, "≥ 10×"));
            rows.Add(new("ProcessPoolExecutor.Map, 200,000 × x*x, chunk size 1,000", exMap, context.PythonFigure(Peer, "ppe.map.n2e5.chunksize1000"),
                "items/s", HigherIsBetter: true));
        }
        rows.Add(new("CPU-bound map: 2 workers vs 1 (Spindle column: the speed-up)", CpuSpeedUp(context), null, "×", HigherIsBetter: true, "≥ 1.8×"));
        context.Progress("pool start (2 workers) to first result, against a bare .NET start …");
        var bare = ProcessStartBench.Median(ProcessStartBench.BareStart, Runs);
        var first = ProcessStartBench.Median(StartToFirstResult, Runs);
        rows.Add(new("bare .NET start of this program (`spindle --noop`)", bare, null, "ms", HigherIsBetter: false));
        rows.Add(new("Pool(2) start to first result", first, null, "ms", HigherIsBetter: false));
        rows.Add(new("Pool(2) start to first result / bare start (Spindle column: the ratio)", first / bare, null, "×", HigherIsBetter: false, "≤ 1.5×"));
        return rows;
    }

    private static long Square(long x) => x * x;

    // JIT compilation happens once per process; the peer's interpreter has none to do. Python warms its pools with a map too.
    private static void Warm(Action call)
    {
        for (var i = 0; i < 2_000; i++) call();
    }

    /// <summary>About 25 ms of arithmetic, with a result the JIT cannot drop.</summary>
    private static long Burn(long seed)
    {
        var x = (ulong)seed | 1;
        for (var i = 0; i < 40_000_000; i++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        return (long)(x & 0xFFFF);
    }

    private static double CpuSpeedUp(BenchContext context)
    {
        var seeds = Longs(16);
        double Time(int workers)
        {
            using var pool = new ProcessPool(workers);
            pool.Map(Burn, seeds[..2], chunkSize: 1); // warm: both workers started, Burn compiled
            return Measure.Time(() => context.WithProgressBar($"CPU-bound map, {workers} worker(s)",
                progress => pool.Map(Burn, seeds, chunkSize: 1, progress: progress))).TotalSeconds;
        }
        var one = Time(1);
        return one / Time(2);
    }

    private static void StartToFirstResult()
    {
        using var pool = new ProcessPool(2);
        if (pool.Apply(static () => 1) != 1) throw new InvalidOperationException("the first result is wrong");
    }

    private static long[] Longs(int count)
    {
        var items = new long[count];
        for (var i = 0; i < count; i++) items[i] = i;
        return items;
    }

    private static void Check(List<long> results, long[] items)
    {
        if (results.Count != items.Length || results[^1] != Square(items[^1]))
            throw new InvalidOperationException($"wrong results: {results.Count} of {items.Length}, last {results[^1]}");
    }

    // Items per second, the median of 5 runs, as b02_pool.py's timed().
    private static double Rate(int items, Action run) => Measure.Median(() => items / Measure.Time(run).TotalSeconds, Runs);
}
