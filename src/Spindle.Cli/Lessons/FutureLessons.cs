using Spindle.Threading;

namespace Spindle.Cli.Lessons;

/// <summary>The executor lessons: seed 004 (pools and callbacks), seed 002 (concurrent.futures, as_completed, dummy Pool).</summary>
internal static class FutureLessons
{
    /// <summary>The lessons of this area, in tour order.</summary>
    public static IReadOnlyList<Lesson> All { get; } =
    [
        Lesson.Create("executor-callback", "seed 004 §1, seed 000 §7.4.10",
            "ThreadPoolExecutor(5): submit(task, i).add_done_callback(call_back), results as they come", Callbacks),
        Lesson.Create("executor-map", "seed 002 (Executor.map)",
            "Executor.Map: results in the order of the inputs, whatever order they finish in", ExecutorMap),
        Lesson.Create("as-completed", "seed 002 (as_completed)",
            "Futures.AsCompleted: futures in the order they finish", AsCompleted),
        Lesson.Create("thread-worker-pool", "seed 002 (multiprocessing.dummy)",
            "ThreadWorkerPool: the process Pool's API (Map, ApplyAsync with a callback) on threads", DummyPool),
    ];

    private static void Callbacks(LessonContext say)
    {
        say.NoteShortened();
        using (var pool = new ThreadPoolExecutor(5))
        {
            for (var i = 0; i < 10; i++)
            {
                var n = i;
                pool.Submit(() =>
                {
                    say.Line($"  {n} {Environment.ProcessId} on {Threads.Current.Name}");
                    LessonContext.SleepSeed(2);
                    return n * n;
                }).AddDoneCallback(f => say.Line($"  the async result arrived: {f.Result()}"));
            }
        } // Dispose = shutdown(wait=True)
        say.Line("all ten tasks ran on five threads of one process (one pid)");
    }

    private static void ExecutorMap(LessonContext say)
    {
        using var pool = new ThreadPoolExecutor(3);
        foreach (var line in pool.Map(n =>
        {
            LessonContext.SleepSeed(3 - n); // the first input finishes last
            return $"{DateTime.Now:HH:mm:ss.fff} {n}";
        }, [1, 2, 3]))
            say.Line($"  {line}");
        say.Note("Each line starts with the time its call finished: 3 finished first, yet Map yields 1, 2, 3, in the order of the inputs.");
    }

    private static void AsCompleted(LessonContext say)
    {
        say.NoteShortened();
        using var pool = new ThreadPoolExecutor(5);
        var futures = Enumerable.Range(0, 5).Select(x => pool.Submit(() =>
        {
            LessonContext.SleepSeed(Random.Shared.Next(1, 6)); // the seed's sleep(randint(1, 5))
            return $"Return of {x}";
        })).ToList();
        say.Line("1   <- the seed's print right after the five submits: the calls run in the background");
        foreach (Future<string> done in Futures.AsCompleted(futures))
            say.Line($"  {done.Result()}");
        say.Line("2   <- once AsCompleted has yielded every future, each as it finished (their sleeps are random)");
    }

    private static void DummyPool(LessonContext say)
    {
        using var pool = new ThreadWorkerPool(4);
        var squares = pool.Map(i => i * i, Enumerable.Range(0, 10));
        say.Line($"  Map: [{string.Join(", ", squares)}]");
        var result = pool.ApplyAsync(() => 6 * 7, callback: r => say.Line($"  ApplyAsync callback got {r}"));
        say.Line($"  ApplyAsync.Get() -> {result.Get(TimeSpan.FromSeconds(10))}");
        pool.Close();
        pool.Join();
    }
}
