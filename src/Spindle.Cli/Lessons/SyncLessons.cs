using Spindle.Threading;

namespace Spindle.Cli.Lessons;

/// <summary>The lock lessons: seed 000 §7.2.5 and §7.4.7–7.4.8, seed 002 and seed 003 (Lock, RLock, Semaphore, Event, Condition).</summary>
internal static class SyncLessons
{
    /// <summary>The lessons of this area, in tour order.</summary>
    public static IReadOnlyList<Lesson> All { get; } =
    [
        Lesson.Create("lock-counter", "seed 000 §7.2.5, seed 003",
            "a counter shared by threads: increments get lost without a Lock, never with one", Counter),
        Lesson.Create("lock-deadlock-rlock", "seed 000 §7.4.7",
            "two locks taken in opposite orders deadlock; one RLock taken twice does not", DeadlockAndRLock),
        Lesson.Create("semaphore", "seed 000 §7.4.8, seed 002",
            "ThreadSemaphore(2): five users, at most two inside at once", Semaphore),
        Lesson.Create("event", "seed 000 §7.4.8, seed 002, seed 003",
            "ThreadEvent: Wait with a timeout gives up; Wait without one returns once another thread sets it", Event),
        Lesson.Create("condition", "seed 002",
            "ThreadCondition: stage-2 threads wait until stage 1 notifies them all", Condition),
    ];

    private static void Counter(LessonContext say)
    {
        // The seed's shape: read the shared value, pause (its time.sleep), write back the value read plus one.
        const int threads = 4, increments = 200;
        var start = new ThreadBarrier(threads); // all threads begin together, so their read-pause-write steps overlap
        var unsafeCounter = 0;
        RunThreads(threads, _ =>
        {
            start.Wait(TimeSpan.FromSeconds(10));
            for (var i = 0; i < increments; i++)
            {
                var read = Volatile.Read(ref unsafeCounter);
                Thread.Yield(); // the seed's pause between reading and writing
                Volatile.Write(ref unsafeCounter, read + 1);
            }
        });
        var lost = threads * increments - unsafeCounter;
        say.Line($"without a lock: {unsafeCounter:N0} (expected {threads * increments:N0}: " +
                 (lost > 0 ? $"{lost:N0} increments lost)" : "none lost this time — the race is real, just unlucky)"));

        var counter = 0;
        var mutex = new ThreadLock();
        RunThreads(threads, _ =>
        {
            start.Wait(TimeSpan.FromSeconds(10));
            for (var i = 0; i < increments; i++)
            {
                using (mutex.EnterScope())
                {
                    var read = counter;
                    Thread.Yield();
                    counter = read + 1;
                }
            }
        });
        say.Line($"with a ThreadLock:  {counter:N0} (expected {threads * increments:N0})");
        say.Note("The lock makes read-pause-write one step; .NET threads run truly in parallel (no GIL), so it is never optional.");
    }

    private static void DeadlockAndRLock(LessonContext say)
    {
        var mutexA = new ThreadLock();
        var mutexB = new ThreadLock();
        var bothHoldTheirFirstLock = new ThreadBarrier(2);
        var patience = TimeSpan.FromMilliseconds(200); // stands for "forever": a tour must end
        string Work(ILock first, string firstName, ILock second, string secondName)
        {
            using (first.EnterScope())
            {
                say.Line($"  {Threads.Current.Name} got {firstName}");
                bothHoldTheirFirstLock.Wait(TimeSpan.FromSeconds(10));
                if (!second.Acquire(patience))
                    return $"{Threads.Current.Name} holds {firstName} and waits for {secondName}";
                second.Release();
                return $"{Threads.Current.Name} got both";
            }
        }
        string r1 = "", r2 = "";
        var t1 = new SpindleThread(() => r1 = Work(mutexA, "mutexA", mutexB, "mutexB"), name: "Thread-1");
        var t2 = new SpindleThread(() => r2 = Work(mutexB, "mutexB", mutexA, "mutexA"), name: "Thread-2");
        t1.Start(); t2.Start(); t1.Join(); t2.Join();
        say.Line($"two Locks: {r1}; {r2} — a deadlock (ended here by a {LessonContext.Ms(patience)} timeout)");

        var rlock = new ThreadRLock(); // Python: mutexA = mutexB = RLock()
        var acquisitions = 0;
        RunThreads(3, _ =>
        {
            using (rlock.EnterScope())
            {
                acquisitions++;
                using (rlock.EnterScope()) acquisitions++; // the owner re-enters: the count goes up, no deadlock
            }
        });
        say.Line($"one RLock (mutexA = mutexB): 3 threads took it twice each, {acquisitions} acquisitions, no deadlock");
    }

    private static void Semaphore(LessonContext say)
    {
        say.NoteShortened();
        var sem = new ThreadSemaphore(2);
        var inside = 0;
        var most = 0;
        var gate = new ThreadLock();
        RunThreads(5, user =>
        {
            using (sem.EnterScope())
            {
                using (gate.EnterScope()) most = Math.Max(most, ++inside);
                say.Line($"  user{user} takes a place");
                LessonContext.SleepSeed(Random.Shared.Next(0, 3));
                using (gate.EnterScope()) inside--;
            }
            say.Line($"  user{user} OK");
        });
        say.Line($"at most {most} users were inside at once (Semaphore(2))");
    }

    private static void Event(LessonContext say)
    {
        say.NoteShortened();
        var e = new ThreadEvent();
        var block = new SpindleThread(() =>
        {
            say.Line("  wait_for_event: starting");
            e.Wait();
            say.Line($"  wait_for_event: e.is_set() -> {e.IsSet}");
        }, name: "block");
        var nonblock = new SpindleThread(() =>
        {
            say.Line("  wait_for_event_timeout: starting");
            var set = e.Wait(LessonContext.SeedTime(2));
            say.Line($"  wait_for_event_timeout: e.is_set() -> {set}");
        }, name: "nonblock");
        block.Start();
        nonblock.Start();
        nonblock.Join(); // its 2 s (shortened) wait runs out before main sets the event, as in the seed's 3 s sleep
        say.Line("main: setting the event");
        e.Set();
        block.Join();
    }

    private static void Condition(LessonContext say)
    {
        var condition = new ThreadCondition();
        var waiting = new ThreadSemaphore(0);
        var stage2 = Enumerable.Range(1, 2).Select(i => new SpindleThread(() =>
        {
            say.Line($"  Starting {Threads.Current.Name}");
            using (condition.EnterScope())
            {
                waiting.Release(); // announce, while holding the lock, that this thread is about to wait
                condition.Wait();
                say.Line($"  {Threads.Current.Name} running");
            }
        }, name: $"stage_2[{i}]")).ToList();
        stage2.ForEach(t => t.Start());
        for (var i = 0; i < stage2.Count; i++) waiting.Acquire(TimeSpan.FromSeconds(10));
        var stage1 = new SpindleThread(() =>
        {
            say.Line($"  Starting {Threads.Current.Name}");
            using (condition.EnterScope())
            {
                say.Line($"  {Threads.Current.Name} done and ready for stage 2");
                condition.NotifyAll();
            }
        }, name: "s1");
        stage1.Start();
        stage1.Join();
        stage2.ForEach(t => t.Join());
    }

    /// <summary>Starts <paramref name="count"/> threads running <paramref name="body"/>(index) and joins them all.</summary>
    internal static void RunThreads(int count, Action<int> body)
    {
        var threads = Enumerable.Range(0, count).Select(i => new SpindleThread(() => body(i))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
    }
}
