using System.Diagnostics;
using Spindle.Coroutines;

namespace Spindle.Cli.Bench;

/// <summary>
/// Coroutines (issue 8): greenlet switches, spawn+join of 100,000 no-op coroutines, 10,000 coroutines sleeping 1 s at
/// once, and the memory a sleeping coroutine holds; beside greenlet (<c>b08_greenlet.py</c>), gevent
/// (<c>b09_gevent.py</c>) and, for context, asyncio (<c>b10_asyncio.py</c>). Every figure is the median of runs on a
/// fresh thread with a fresh hub (<see cref="HubThread"/>).
/// </summary>
internal static class CoroutineBench
{
    private const int Runs = 5;
    private const int Switches = 1_000_000;
    private const int Spawns = 100_000;
    private const int Sleepers = 10_000;
    private const int MemorySleepers = 100_000;

    /// <summary>The suite.</summary>
    public static BenchSuite Suite { get; } = new("coroutines",
        "greenlet switches, spawn+join of 100k coroutines, 10k concurrent 1 s sleeps, memory per sleeping coroutine", Run);

    private static List<BenchRow> Run(BenchContext context)
    {
        context.Progress("greenlet switches …");
        var switches = Median(Runs, SwitchRate);
        context.Progress("spawn+join of 100k coroutines …");
        var spawns = Median(Runs, SpawnJoinRate);
        context.Progress("10k coroutines sleeping 1 s …");
        var sleep = Median(3, SleepWall);
        context.Progress("memory of 100k sleeping coroutines …");
        var (heap, rss) = HubThread.Run(SleeperMemory);
        return
        [
            new("greenlet switch rate (2 greenlets, 1e6 switches)", switches, context.PythonFigure("b08_greenlet.py", "greenlet.switch.1e6"),
                "switches/s", HigherIsBetter: true, "≥ 3×"),
            new("spawn+join of 100k no-op coroutines vs gevent", spawns, context.PythonFigure("b09_gevent.py", "gevent.spawn_joinall.1e5"),
                "coroutines/s", HigherIsBetter: true, "≥ 20×"),
            new("spawn+join of 100k no-op coroutines vs asyncio (context)", spawns, context.PythonFigure("b10_asyncio.py", "asyncio.create_task_gather.1e5"),
                "coroutines/s", HigherIsBetter: true),
            new("10k coroutines sleeping 1 s at once: wall time", sleep, context.PythonFigure("b09_gevent.py", "gevent.sleep1.concurrent.1e4"),
                "s", HigherIsBetter: false, "≤ 1.02 s"),
            new("memory per sleeping coroutine (managed heap, 100k)", heap, null, "bytes", HigherIsBetter: false, "≤ 1 KiB"),
            new("memory per sleeping coroutine (RSS growth, 100k)", rss, context.PythonFigure("b09_gevent.py", "gevent.rss.1e5_sleeping.per_greenlet"),
                "bytes", HigherIsBetter: false),
        ];
    }

    private static double Median(int runs, Func<double> measure)
    {
        HubThread.Run(measure); // warm-up: JIT
        var values = Enumerable.Range(0, runs).Select(_ => HubThread.Run(measure)).Order().ToArray();
        return values[runs / 2];
    }

    private static double SwitchRate()
    {
        Greenlet a = null!, b = null!;
        a = new Greenlet(async () =>
        {
            for (var i = 0; i < Switches / 2; i++) await b.SwitchAsync();
            return "done";
        });
        b = new Greenlet(async () =>
        {
            while (true) await a.SwitchAsync();
        });
        var clock = Stopwatch.StartNew();
        var result = a.Switch();
        var elapsed = clock.Elapsed.TotalSeconds;
        if ((string?)result != "done") throw new InvalidOperationException("the switch benchmark ended early");
        b.Throw();
        return Switches / elapsed;
    }

    private static double SpawnJoinRate()
    {
        var greenlets = new HubGreenlet[Spawns];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Spawns; i++) greenlets[i] = Hub.Spawn(Noop);
        Hub.JoinAll(greenlets);
        var elapsed = clock.Elapsed.TotalSeconds;
        if (!greenlets.All(g => g.IsSuccessful)) throw new InvalidOperationException("a no-op coroutine failed");
        return Spawns / elapsed;
    }

    private static Task Noop() => Task.CompletedTask;

    private static double SleepWall()
    {
        var second = TimeSpan.FromSeconds(1);
        var greenlets = new HubGreenlet[Sleepers];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Sleepers; i++) greenlets[i] = Hub.Spawn(() => Hub.SleepAsync(second).AsTask());
        Hub.JoinAll(greenlets);
        return clock.Elapsed.TotalSeconds;
    }

    // Bytes per coroutine blocked in a 30 s sleep: managed heap after a full collection, and the process's resident set.
    private static (double Heap, double Rss) SleeperMemory()
    {
        var thirty = TimeSpan.FromSeconds(30);
        Hub.Sleep(TimeSpan.Zero); // the hub exists before the baseline, as in the peer
        var greenlets = new HubGreenlet[MemorySleepers];
        GC.Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var rssBefore = Environment.WorkingSet;
        for (var i = 0; i < MemorySleepers; i++) greenlets[i] = Hub.Spawn(() => Hub.SleepAsync(thirty).AsTask());
        Hub.Sleep(TimeSpan.FromMilliseconds(100)); // every one starts and parks on its timer
        if (greenlets.Any(g => !g.IsStarted || g.IsDead)) throw new InvalidOperationException("not every sleeper is asleep");
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        var rssAfter = Environment.WorkingSet;
        GC.KeepAlive(greenlets);
        return ((heapAfter - heapBefore) / (double)MemorySleepers, (rssAfter - rssBefore) / (double)MemorySleepers);
        // The sleepers are abandoned with their hub, destroyed by HubThread.Run: killing 100k would only time exceptions.
    }
}
