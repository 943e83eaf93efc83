using System.Diagnostics;
using System.Net.Http;
using System.Text.RegularExpressions;
using Spindle.Pools;
using ProcessesApi = Spindle.Processes.Processes;

namespace Spindle.Cli.Lessons;

/// <summary>
/// The pool lessons: seed 002's three <c>Pool</c> examples, seed 003's and 004's notes on pools, seed 004's
/// <c>ProcessPoolExecutor</c> with <c>add_done_callback</c>, seed 000 §7.4.10's <c>submit(get_page).add_done_callback(parse_page)</c>,
/// and what Spindle's pools add: surviving a crash and a hung task, and progress. The work runs in worker processes,
/// which write with <see cref="Console"/> (their stdout is this process's); callbacks run here.
/// </summary>
internal static partial class PoolLessons
{
    /// <summary>The lessons of this area, in tour order.</summary>
    public static IReadOnlyList<Lesson> All { get; } =
    [
        Lesson.Create("pool-map", "seed 002 (Pool + map)",
            "Pool(4).Map(test, range(20)): the items run on four worker processes; Map blocks until all are done", Map),
        Lesson.Create("pool-apply-async", "seed 002 (asynchronous pool)",
            "ApplyAsync keeps the workers busy while the parent goes on: \"test\" prints before the work is done", ApplyAsync),
        Lesson.Create("pool-apply", "seed 002 (apply)",
            "Apply blocks: one call at a time, in order, whatever the pool's size", Apply),
        Lesson.Create("pool-notes", "seed 003 §3, seed 004 §1",
            "Pool(), ApplyAsync, Close, Join, Map; the workers are created once and reused (count the pids)", Notes),
        Lesson.Create("process-pool-executor-callback", "seed 004 §1",
            "ProcessPoolExecutor(): submit(task, i).add_done_callback(call_back) prints each result as it comes", ExecutorCallback),
        Lesson.Create("get-page-parse-page", "seed 000 §7.4.10",
            "submit(get_page, url).add_done_callback(parse_page): pages fetched in worker processes, parsed here", GetPageParsePage),
        Lesson.Create("pool-survives", "seed 002 (Pool), beyond Python",
            "a worker killed mid-task fails only that task (with its signal); a task that overruns its timeout is killed; the pool goes on", Survives),
        Lesson.Create("pool-progress", "seed 003 (efficiency test), beyond Python",
            "a long CPU-bound map reports its progress (IProgress<MapProgress>), shown as a bar", Progress),
    ];

    private static void Test(int i) => Console.WriteLine($"  test({i}) in worker {Environment.ProcessId}");

    private static void Map(LessonContext say)
    {
        say.Note("Python: pool = Pool(8); pool.map(test, range(100)); pool.close(); pool.join() — 4 workers and 20 items here, to keep the tour short");
        using var pool = new ProcessPool(4);
        pool.Map(static (int i) =>
        {
            Test(i);
            return i;
        }, Enumerable.Range(0, 20), chunkSize: 1);
        pool.Close();
        pool.Join();
        say.Line($"map returned after all 20 calls; the pool had {pool.Processes} workers");
        say.Note("Calls this short go in batches to whichever worker is free, so one may run most of them; longer calls spread (next lesson).");
    }

    private static void ApplyAsync(LessonContext say)
    {
        using var pool = new ProcessPool(4);
        var results = new List<AsyncResult<int>>();
        for (var i = 0; i < 12; i++)
        {
            var n = i;
            results.Add(pool.ApplyAsync(() =>
            {
                LessonContext.SleepSeed(0.5);
                Test(n);
                return n;
            }));
        }
        say.Line("test   <- printed by the parent right after the 12 ApplyAsync calls, before the workers are done");
        pool.Close();
        pool.Join();
        say.Line($"after Close and Join all {results.Count(r => r.Ready)} results are ready");
    }

    private static void Apply(LessonContext say)
    {
        using var pool = new ProcessPool(4);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 6; i++)
        {
            var n = i;
            pool.Apply(() =>
            {
                LessonContext.SleepSeed(1);
                Test(n);
                return n;
            });
        }
        say.Line($"test   <- printed after the loop: each Apply waited for its call ({LessonContext.Ms(clock.Elapsed)}, the pool's start included, for 6 calls of {LessonContext.Ms(LessonContext.SeedTime(1))} each: one at a time)");
        pool.Close();
        pool.Join();
    }

    private static void Notes(LessonContext say)
    {
        using var pool = new ProcessPool(); // Pool(): as many workers as CPUs
        say.Line($"Pool() has {pool.Processes} workers (cpu_count() = {ProcessesApi.CpuCount})");
        var pending = Enumerable.Range(0, 20).Select(i => pool.ApplyAsync(() => (i, Environment.ProcessId))).ToList();
        var squares = pool.Map(static (int x) => x * x, Enumerable.Range(0, 10));
        say.Line($"Map: [{string.Join(", ", squares)}]");
        pool.Close(); // no more work; Join waits for the workers to finish and exit
        pool.Join();
        var pids = pending.Select(r => r.Get().ProcessId).Distinct().Count();
        say.Line($"20 ApplyAsync calls ran in {pids} distinct processes: the pool's workers are created once and reused");
    }

    private static int SeedTask(int n)
    {
        Console.WriteLine($"  {n} {Environment.ProcessId}");
        LessonContext.SleepSeed(2);
        return n * n;
    }

    private static void ExecutorCallback(LessonContext say)
    {
        say.NoteShortened();
        using (var pool = new ProcessPoolExecutor()) // Python: ProcessPoolExecutor(): as many workers as CPUs
        {
            for (var i = 0; i < 10; i++)
            {
                var n = i;
                pool.Submit(() => SeedTask(n)).AddDoneCallback(f => say.Line($"  the async result arrived: {f.Result()}"));
            }
        } // Dispose = shutdown(wait=True)
        say.Line("the callbacks ran in the parent as each result came back; the tasks ran in the worker processes (their pids above)");
    }

    private static (string Url, string Text) GetPage(string url)
    {
        Console.WriteLine($"  worker {Environment.ProcessId} GET {url}");
        using var client = new HttpClient();
        return (url, client.GetStringAsync(new Uri(url)).GetAwaiter().GetResult());
    }

    [GeneratedRegex("<title>(.*?)</title>")]
    private static partial Regex Title();

    private static void GetPageParsePage(LessonContext say)
    {
        using var server = new LocalWebServer();
        var parsed = new CountdownEvent(4);
        using (var pool = new ProcessPoolExecutor(2))
        {
            for (var n = 0; n < 4; n++)
            {
                var url = server.Page(n).ToString();
                pool.Submit(() => GetPage(url)).AddDoneCallback(future =>
                {
                    var (page, text) = future.Result(); // parse_page gets the future: obj.result() is the page
                    say.Line($"  parse_page: {page} -> title '{Title().Match(text).Groups[1].Value}', {text.Length} bytes");
                    parsed.Signal();
                });
            }
        }
        say.Line($"{(parsed.Wait(TimeSpan.Zero) ? "all 4" : "not all")} pages parsed in the parent; the server was on 127.0.0.1:{server.Port}");
        parsed.Dispose();
    }

    private static void Survives(LessonContext say)
    {
        using var pool = new ProcessPool(2, taskTimeout: TimeSpan.FromMilliseconds(500));
        var crash = pool.ApplyAsync(static () =>
        {
            Spindle.Signals.Signal.Kill(Environment.ProcessId, 9); // as if the OOM killer struck
            return 0;
        });
        var hang = pool.ApplyAsync(static () =>
        {
            Thread.Sleep(Timeout.Infinite);
            return 0;
        });
        var others = pool.Map(static (int x) => x * x, Enumerable.Range(0, 8), chunkSize: 1);
        try { crash.Get(); }
        catch (WorkerDiedException e) { say.Line($"  the crashed task: {e.GetType().Name}: {e.Message}"); }
        try { hang.Get(); }
        catch (TimeoutException e) { say.Line($"  the hung task: {e.GetType().Name}: {e.Message}"); }
        say.Line($"  the other tasks finished: [{string.Join(", ", others)}]; workers now: {pool.WorkerPids.Count} (fresh ones replaced the dead)");
        say.Note("Python's Pool would wait forever for both results; its ProcessPoolExecutor would be broken.");
    }

    private static long Collatz(long start)
    {
        long steps = 0;
        for (var n = start; n > 1; n = (n & 1) == 0 ? n / 2 : 3 * n + 1) steps++;
        return steps;
    }

    private static void Progress(LessonContext say)
    {
        using var pool = new ProcessPool(2);
        var starts = Enumerable.Range(1, 400_000).Select(i => (long)i).ToArray();
        var steps = say.WithProgressBar("Collatz steps of 1…400,000, 2 workers",
            progress => pool.Map(Collatz, starts, chunkSize: 10_000, progress: progress));
        var best = steps.IndexOf(steps.Max());
        say.Line($"the longest Collatz chain below 400,000 starts at {starts[best]} ({steps[best]} steps)");
    }
}
