using Spindle.Ipc;
using Spindle.Processes;

namespace Spindle.Cli.Lessons;

/// <summary>
/// Shared state and locks between processes: seed 000 §7.2.5 (ticket buying), seed 002 (Value/Array, Semaphore, Event).
/// Targets run in child processes and write with <see cref="Console"/>; the shared objects travel to them by reference.
/// </summary>
internal static class IpcLessons
{
    /// <summary>The lessons of this area, in tour order.</summary>
    public static IReadOnlyList<Lesson> All { get; } =
    [
        Lesson.Create("process-tickets", "seed 000 §7.2.5",
            "buying the last ticket from five processes: without a ProcessLock several buy it, with one exactly one does", Tickets),
        Lesson.Create("process-pipe", "seed 002 (Pipe)",
            "Pipe greetings: the child sends first, the parent answers through the other end", PipeGreetings),
        Lesson.Create("process-value-array", "seed 002 (Value, Array)",
            "SharedValue<double> and SharedArray<int> changed by a child, read by the parent", ValueAndArray),
        Lesson.Create("process-semaphore", "seed 002 (Semaphore, go_wc)",
            "ProcessSemaphore(2): five user processes, at most two places taken at once", Semaphore),
        Lesson.Create("process-event", "seed 002 (Event)",
            "ProcessEvent: a child waiting with a timeout gives up; one waiting without a timeout runs once main sets it", Event),
    ];

    private static void Buy(SharedValue<int> tickets, SharedValue<int> sold, ProcessBarrier gate, ProcessLock? mutex, int buyer)
    {
        gate.Wait(); // the five buyers try at once, however long each took to start
        mutex?.Acquire();
        try
        {
            var left = tickets.Ref;                          // search(): read the ticket count
            Thread.Sleep(TimeSpan.FromMilliseconds(20));    // network delay between reading and buying
            if (left > 0)
            {
                tickets.Ref = left - 1;                      // buy(): write it back
                sold.Increment();
                Console.WriteLine($"  buyer {buyer} (pid {Environment.ProcessId}) got a ticket");
            }
            else Console.WriteLine($"  buyer {buyer}: sold out");
        }
        finally
        {
            mutex?.Release();
        }
    }

    private static void Tickets(LessonContext say)
    {
        foreach (var withLock in new[] { false, true })
        {
            using var tickets = new SharedValue<int>(1, lockEnabled: false);
            using var sold = new SharedValue<int>(0, lockEnabled: false);
            using var gate = new ProcessBarrier(5);
            using var mutex = new ProcessLock();
            var held = withLock ? mutex : null;
            var buyers = Enumerable.Range(0, 5).Select(i => new SpindleProcess(() => Buy(tickets, sold, gate, held, i))).ToList();
            buyers.ForEach(p => p.Start());
            buyers.ForEach(p => { p.Join(); p.Dispose(); });
            say.Line($"{(withLock ? "with" : "without")} the lock: one ticket was for sale, {sold.Value} sold, tickets left = {tickets.Value}");
        }
        say.Note("Without the lock every buyer reads 1 before anyone writes 0; the lock makes read-and-buy one step.");
    }

    private static void Greet(Connection subconn)
    {
        subconn.Send("吃了嗎");                                      // "have you eaten?"
        Console.WriteLine($"  child: greeting from the parent: {subconn.Recv<string>()}");
        subconn.Close();
    }

    private static void PipeGreetings(LessonContext say)
    {
        var (parentConn, childConn) = Pipe.Create();               // Python: parent_conn, child_conn = Pipe()
        using (parentConn)
        using (childConn)
        {
            using var p = SpindleProcess.Create(Greet, childConn);
            p.Start();
            say.Line($"parent: greeting from the child: {parentConn.Recv<string>()}");
            parentConn.Send("嗯");                                   // "mm (yes)"
            p.Join();
        }
    }

    private static void ChangeInChild(SharedValue<double> n, SharedArray<int> a)
    {
        n.Value = 3.14;
        a[0] = 5;
    }

    private static void ValueAndArray(LessonContext say)
    {
        using var num = new SharedValue<double>(0.0);                 // Python: Value('d', 0.0)
        using var arr = new SharedArray<int>(Enumerable.Range(0, 10)); // Python: Array('i', range(10))
        using var p = SpindleProcess.Create(ChangeInChild, num, arr);
        p.Start();
        p.Join();
        say.Line($"num.value = {num.Value}");
        say.Line($"arr[:] = [{string.Join(", ", arr[..])}]");
    }

    private static void GoWc(ProcessSemaphore sem, SharedValue<int> inside, string user)
    {
        sem.Acquire();
        var now = inside.Increment();
        Console.WriteLine($"  {user} takes a place ({now} taken)");
        Thread.Sleep(LessonContext.SeedTime(Random.Shared.Next(0, 3))); // the seed's time.sleep(random.randint(0, 3))
        inside.Decrement();
        sem.Release();
        Console.WriteLine($"  {user} OK");
    }

    private static void Semaphore(LessonContext say)
    {
        say.NoteShortened();
        using var sem = new ProcessSemaphore(2);
        using var inside = new SharedValue<int>(0, lockEnabled: false); // counted with lock-free atomics
        var users = Enumerable.Range(0, 5).Select(i => SpindleProcess.Create(GoWc, sem, inside, $"user{i}")).ToList();
        users.ForEach(p => p.Start());
        users.ForEach(p => { p.Join(); p.Dispose(); });
        say.Line($"all users done; the semaphore is back to {sem.Value}");
    }

    private static void WaitForEvent(ProcessEvent e)
    {
        Console.WriteLine("  wait_for_event: starting");
        e.Wait();
        Console.WriteLine($"  wait_for_event: e.is_set() -> {e.IsSet}");
    }

    private static void WaitForEventTimeout(ProcessEvent e, TimeSpan t)
    {
        Console.WriteLine("  wait_for_event_timeout: starting");
        var set = e.Wait(t);
        Console.WriteLine($"  wait_for_event_timeout: e.is_set() -> {set}");
    }

    private static void Event(LessonContext say)
    {
        say.NoteShortened();
        using var e = new ProcessEvent();
        using var block = SpindleProcess.Create(WaitForEvent, e, name: "block");
        using var nonblock = SpindleProcess.Create(WaitForEventTimeout, e, LessonContext.SeedTime(2), name: "nonblock");
        block.Start();
        nonblock.Start();
        nonblock.Join(); // it gives up after its (shortened) 2 s, before main sets the event — as the seed's sleep(3) arranges
        say.Line("main: setting the event");
        e.Set();
        block.Join();
    }
}
